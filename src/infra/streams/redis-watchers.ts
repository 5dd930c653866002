/**
 * Subscribers across replicas, in Redis. Each stream with subscribers somewhere has a sorted set
 * `<stream key>:watchers` whose members are the processes serving them, each scored with the time
 * of its last refresh. A process refreshes its entries every `refreshMs` while it has subscribers;
 * an entry not refreshed for `ttlMs` (its process died) no longer counts, and the key itself
 * expires. When its last subscriber of a stream leaves, a process back-dates its entry so that it
 * counts for two more refresh intervals only: long enough for the producer, which looks once per
 * interval, to see that somebody watched even a brief subscription, and then to see it leave.
 * Times come from Redis's clock (TIME in the scripts), so the replicas' clocks need not agree.
 */
import { randomUUID } from 'node:crypto';
import type { StreamWatchers } from './bus.js';

/** How the watchers reach Redis: the bus's retrying script calls. */
export interface WatcherCommands {
  script(source: string, keys: string[], args: string[]): Promise<unknown>;
}

export interface RedisWatchersOptions {
  /** The Redis key of a stream; the watcher set is that key plus `:watchers`. */
  keyOf: (streamId: string) => string;
  refreshMs: number;
  ttlMs: number;
  onError: (error: Error, context: string) => void;
}

// KEYS: watcher sets. ARGV: this process's member, ttl (ms), how far to back-date the entry (ms).
const REFRESH_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now - tonumber(ARGV[3]), ARGV[1])
  redis.call('PEXPIRE', key, ARGV[2])
end
return #KEYS`;

// KEYS: watcher sets. ARGV: ttl (ms). Returns, per key, how many processes refreshed within the ttl.
const COUNT_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local counts = {}
for i, key in ipairs(KEYS) do counts[i] = redis.call('ZCOUNT', key, now - tonumber(ARGV[1]), '+inf') end
return counts`;

/** Keys per script call: bounded, so thousands of streams never make one huge command. */
const KEYS_PER_CALL = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += KEYS_PER_CALL)
    result.push(items.slice(i, i + KEYS_PER_CALL));
  return result;
}

export class RedisWatchers implements StreamWatchers {
  /** Subscribers of each stream in this process. */
  private readonly counts = new Map<string, number>();
  private readonly member = randomUUID();
  private readonly timer: NodeJS.Timeout;
  private refreshing = false;
  /** Reported once per outage, like the bus's connections. */
  private failing = false;

  constructor(
    private readonly redis: WatcherCommands,
    private readonly options: RedisWatchersOptions,
  ) {
    this.timer = setInterval(() => void this.refreshAll(), options.refreshMs);
    this.timer.unref();
  }

  private setOf(streamId: string): string {
    return `${this.options.keyOf(streamId)}:watchers`;
  }

  watch(streamId: string): () => void {
    const count = this.counts.get(streamId) ?? 0;
    this.counts.set(streamId, count + 1);
    if (count === 0) void this.refresh([streamId]).catch((error: unknown) => this.report(error));
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const remaining = (this.counts.get(streamId) ?? 1) - 1;
      if (remaining > 0) {
        this.counts.set(streamId, remaining);
        return;
      }
      this.counts.delete(streamId);
      // If this fails, the entry stops counting after ttlMs anyway.
      const age = Math.max(0, this.options.ttlMs - 2 * this.options.refreshMs);
      void this.refresh([streamId], age).catch((error: unknown) => this.report(error));
    };
  }

  async watched(streamIds: readonly string[]): Promise<Set<string>> {
    const watched = new Set<string>();
    for (const batch of chunks(streamIds)) {
      const counts = await this.redis.script(
        COUNT_SCRIPT,
        batch.map((id) => this.setOf(id)),
        [String(this.options.ttlMs)],
      );
      batch.forEach((id, i) => {
        if (Array.isArray(counts) && Number(counts[i]) > 0) watched.add(id);
      });
    }
    return watched;
  }

  private async refresh(streamIds: readonly string[], age = 0): Promise<void> {
    for (const batch of chunks(streamIds)) {
      await this.redis.script(
        REFRESH_SCRIPT,
        batch.map((id) => this.setOf(id)),
        [this.member, String(this.options.ttlMs), String(age)],
      );
    }
    this.failing = false;
  }

  private report(error: unknown): void {
    if (!this.failing) this.options.onError(error as Error, 'stream watchers');
    this.failing = true;
  }

  /** One refresh at a time: while Redis is away a refresh waits, and the next tick is skipped. */
  private async refreshAll(): Promise<void> {
    if (this.refreshing || this.counts.size === 0) return;
    this.refreshing = true;
    try {
      await this.refresh([...this.counts.keys()]);
    } catch (error) {
      this.report(error);
    } finally {
      this.refreshing = false;
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.counts.clear();
  }
}
