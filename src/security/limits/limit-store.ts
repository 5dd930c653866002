/**
 * Where per-account limits keep their state. Three primitives, each one atomic step on one key, so
 * that a shared implementation (Redis: one Lua script per method, time from the server) gives the
 * same answers to every replica:
 *
 * - token buckets (requests and LLM tokens per minute): `take` removes only what is there,
 *   `charge` removes what was spent even below zero (a debt that refills like anything else);
 * - counters that reset at a fixed instant (dollars spent per UTC day);
 * - leases (streams running at once): holders with reference counts, bounded in number.
 *
 * A bucket that was never used is full. Keys are opaque strings chosen by the caller.
 */

export interface BucketResult {
  /** Whether the tokens were taken (`take`); for `charge`, whether the level is still above zero. */
  allowed: boolean;
  /** The level after this call (negative when in debt). */
  level: number;
  /**
   * When to try again: for a refused `take`, until `cost` tokens are there; for `charge`, until the
   * level is above zero again. 0 when allowed.
   */
  retryAfterMs: number;
}

export interface LeaseResult {
  allowed: boolean;
  /** Distinct holders of the key after this call. */
  holders: number;
}

export interface LimitStore {
  /**
   * Takes `cost` tokens from the bucket at `key` if it holds that many, else takes nothing. The
   * bucket holds at most `capacity` tokens and gains `refillPerSecond` every second.
   */
  take(key: string, cost: number, capacity: number, refillPerSecond: number): Promise<BucketResult>;
  /** Removes `amount` tokens whatever the level (it may go below zero). `amount` 0 reads the level. */
  charge(
    key: string,
    amount: number,
    capacity: number,
    refillPerSecond: number,
  ): Promise<BucketResult>;
  /** Adds `amount` to the counter at `key`, which starts from 0 again after `resetAtMs` (epoch ms). Returns the new total. */
  add(key: string, amount: number, resetAtMs: number): Promise<number>;
  /** The counter's total (0 when unset or reset). */
  read(key: string): Promise<number>;
  /**
   * Adds one reference of `holder` to the lease set at `key`. A holder already present is always
   * admitted (it shares its slot); a new one only while fewer than `limit` holders are present.
   */
  acquire(key: string, holder: string, limit: number): Promise<LeaseResult>;
  /** Drops one reference of `holder`; the holder leaves the set with its last reference. */
  release(key: string, holder: string): Promise<void>;
  /** Lets go of connections and timers, if any. */
  close?(): Promise<void>;
}

/** Milliseconds until `missing` tokens have refilled (at least 1; never for a bucket that does not refill). */
export function waitMs(missing: number, refillPerSecond: number): number {
  if (refillPerSecond <= 0) return Number.POSITIVE_INFINITY;
  // Rounded first, so that float noise (0.9999999 of a token) does not add a second.
  return Math.max(1, Math.ceil(Math.round((missing / refillPerSecond) * 1_000_000) / 1000));
}

/** The time, injectable so that tests need not sleep. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
