/**
 * Open-loop load at a steady rate: one request every 1000 / rate ms, whatever the server does, over
 * keep-alive connections opened as needed. Each latency is measured from when its request was due,
 * not from when it could be sent, so a server that falls behind is charged for the wait (no
 * coordinated omission).
 *
 * Why not autocannon's `overallRate`: it gives each connection a quota per second that the
 * connection spends back to back at the top of every second, so the requests of a second arrive
 * as one burst with as many in flight as there are connections (read in autocannon 8's
 * lib/httpClient.js: `reqsMadeThisSecond`, reset by a one-second interval). At 25 req/s over 10
 * connections, a server taking 3 ms per request then shows a p50 near 30 ms: the burst, not the
 * rate. Real traffic is not synchronised to the second.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface PacedLoadOptions {
  url: string;
  rate: number;
  seconds: number;
  /** The next request's JSON body. */
  body: () => string;
  /** Whether a 200 response still reports a failure (GraphQL puts errors in the body). */
  failed?: (body: string) => boolean;
  /** Told the status and body of each failed answer. */
  onFailure?: (answer: string) => void;
  /** A request not answered within this is a failure. Default 10 s. */
  timeoutMs?: number;
  /** The Authorization header of every request (the subgraph's API key), if any. */
  authorization?: string;
}

export interface PacedLoadResult {
  /** Milliseconds from each answered request's due time to its answer. */
  latencies: number[];
  failed: number;
  sent: number;
  /** From the first due time to the last answer. */
  elapsedMs: number;
}

export async function pacedLoad(options: PacedLoadOptions): Promise<PacedLoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1024 });
  const target = new URL(options.url);
  const intervalMs = 1000 / options.rate;
  const total = Math.round(options.rate * options.seconds);
  const latencies: number[] = [];
  const inFlight = new Set<Promise<void>>();
  let failed = 0;

  const send = (dueAt: number): Promise<void> =>
    new Promise((resolve) => {
      const payload = options.body();
      const req = request(
        target,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
            ...(options.authorization ? { authorization: options.authorization } : {}),
          },
          timeout: options.timeoutMs ?? 10_000,
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => {
            if (res.statusCode === 200 && !options.failed?.(body))
              latencies.push(performance.now() - dueAt);
            else {
              failed++;
              options.onFailure?.(`${res.statusCode}: ${body.slice(0, 400)}`);
            }
            resolve();
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', () => {
        failed++;
        resolve();
      });
      req.end(payload);
    });

  const started = performance.now();
  let sent = 0;
  await new Promise<void>((done) => {
    const tick = () => {
      // Every request due by now goes out now (a late timer catches up rather than lowering the rate).
      const now = performance.now();
      while (sent < total && started + sent * intervalMs <= now) {
        const pending = send(started + sent * intervalMs).finally(() => inFlight.delete(pending));
        inFlight.add(pending);
        sent++;
      }
      if (sent >= total) return done();
      setTimeout(tick, Math.max(0, started + sent * intervalMs - performance.now()));
    };
    tick();
  });
  await Promise.all(inFlight);
  const elapsedMs = performance.now() - started;
  agent.destroy();
  return { latencies, failed, sent, elapsedMs };
}
