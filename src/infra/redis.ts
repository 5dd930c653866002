/**
 * How this service connects to Redis, written once for every user of `REDIS_URL` (the stream
 * bus, the shared limit store): the same reconnection backoff, one error report per outage rather
 * than one per reconnection attempt, and a bounded wait at start-up whose message never shows the
 * URL's password.
 */
import { createClient } from '@redis/client';

export type RedisClient = ReturnType<typeof createClient>;

export interface RedisClientOptions {
  url: string;
  /**
   * Whether commands sent while the connection is down wait for it to come back (node-redis's
   * offline queue, its default). Off, they fail at once and the caller decides what to do.
   */
  offlineQueue?: boolean;
}

/** A client that reconnects by itself, for as long as it takes: exponential backoff to 2 s with jitter. */
export function createRedisClient(options: RedisClientOptions): RedisClient {
  return createClient({
    url: options.url,
    disableOfflineQueue: options.offlineQueue === false,
    socket: {
      reconnectStrategy: (retries: number) =>
        Math.min(50 * 2 ** retries, 2_000) + Math.floor(Math.random() * 100),
    },
  });
}

/** Reports the first error of each outage: after one report, the next waits for the connection to be ready again. */
export function reportOncePerOutage(client: RedisClient, report: (error: Error) => void): void {
  let reported = false;
  client.on('error', (error: Error) => {
    if (!reported) report(error);
    reported = true;
  });
  client.on('ready', () => (reported = false));
}

/**
 * Waits for `connecting` (the clients' `connect()`, and whatever start-up work goes with it), or
 * fails after `timeoutMs` naming the URL with its password hidden. Destroying the clients on a
 * failure is the caller's: it knows what else to release.
 */
export async function withinConnectTimeout<T>(
  connecting: Promise<T>,
  url: string,
  timeoutMs: number,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`could not reach Redis at ${redactUrl(url)} within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([connecting, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'REDIS_URL';
  }
}
