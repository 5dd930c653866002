/**
 * The in-process LimitStore: exact, and per replica (each replica of a scaled-out deployment counts
 * on its own until a shared store is configured). Every method finishes synchronously, so each
 * call is atomic with respect to the others.
 */
import {
  systemClock,
  waitMs,
  type BucketResult,
  type Clock,
  type LeaseResult,
  type LimitStore,
} from './limit-store.js';

interface Bucket {
  level: number;
  at: number;
  capacity: number;
  refillPerSecond: number;
}

/** Above this many entries, state that carries no information (full buckets, past counters) is dropped. */
const SWEEP_ABOVE = 10_000;

export class MemoryLimitStore implements LimitStore {
  private readonly buckets = new Map<string, Bucket>();
  private readonly counters = new Map<string, { total: number; resetAt: number }>();
  private readonly leases = new Map<string, Map<string, number>>();

  constructor(private readonly clock: Clock = systemClock) {}

  private refilled(key: string, capacity: number, refillPerSecond: number): Bucket {
    const now = this.clock.now();
    const bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= SWEEP_ABOVE) this.sweepBuckets(now);
      const fresh = { level: capacity, at: now, capacity, refillPerSecond };
      this.buckets.set(key, fresh);
      return fresh;
    }
    const elapsed = Math.max(0, now - bucket.at) / 1000;
    bucket.level = Math.min(capacity, bucket.level + elapsed * refillPerSecond);
    bucket.at = now;
    bucket.capacity = capacity;
    bucket.refillPerSecond = refillPerSecond;
    return bucket;
  }

  private sweepBuckets(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (
        bucket.level + (Math.max(0, now - bucket.at) / 1000) * bucket.refillPerSecond >=
        bucket.capacity
      )
        this.buckets.delete(key);
    }
  }

  async take(
    key: string,
    cost: number,
    capacity: number,
    refillPerSecond: number,
  ): Promise<BucketResult> {
    const bucket = this.refilled(key, capacity, refillPerSecond);
    if (bucket.level >= cost) {
      bucket.level -= cost;
      return { allowed: true, level: bucket.level, retryAfterMs: 0 };
    }
    return {
      allowed: false,
      level: bucket.level,
      retryAfterMs: waitMs(cost - bucket.level, refillPerSecond),
    };
  }

  async charge(
    key: string,
    amount: number,
    capacity: number,
    refillPerSecond: number,
  ): Promise<BucketResult> {
    const bucket = this.refilled(key, capacity, refillPerSecond);
    bucket.level -= amount;
    const allowed = bucket.level > 0;
    return {
      allowed,
      level: bucket.level,
      retryAfterMs: allowed ? 0 : waitMs(-bucket.level, refillPerSecond),
    };
  }

  async add(key: string, amount: number, resetAtMs: number): Promise<number> {
    const now = this.clock.now();
    let counter = this.counters.get(key);
    if (!counter || counter.resetAt <= now) {
      if (!counter && this.counters.size >= SWEEP_ABOVE) {
        for (const [other, { resetAt }] of this.counters)
          if (resetAt <= now) this.counters.delete(other);
      }
      counter = { total: 0, resetAt: resetAtMs };
      this.counters.set(key, counter);
    }
    counter.total += amount;
    return counter.total;
  }

  async read(key: string): Promise<number> {
    const counter = this.counters.get(key);
    return counter && counter.resetAt > this.clock.now() ? counter.total : 0;
  }

  async acquire(key: string, holder: string, limit: number): Promise<LeaseResult> {
    const holders = this.leases.get(key) ?? new Map<string, number>();
    const references = holders.get(holder);
    if (references === undefined && holders.size >= limit)
      return { allowed: false, holders: holders.size };
    holders.set(holder, (references ?? 0) + 1);
    this.leases.set(key, holders);
    return { allowed: true, holders: holders.size };
  }

  async release(key: string, holder: string): Promise<void> {
    const holders = this.leases.get(key);
    const references = holders?.get(holder);
    if (!holders || references === undefined) return;
    if (references > 1) holders.set(holder, references - 1);
    else holders.delete(holder);
    if (holders.size === 0) this.leases.delete(key);
  }
}
