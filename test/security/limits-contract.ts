/**
 * What every LimitStore must do, run against each implementation (limits-memory.test.ts,
 * limits-redis.test.ts) on the real clock: token buckets that start full, refill and never exceed
 * their capacity; charges that go into debt; counters that reset at their instant; leases with a
 * bound on holders and reference counts; and atomicity — many calls at once, over several
 * connections where the store has them, never admit more than the limit.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { LimitStore } from '../../src/security/limits/index.js';

/** `count` handles on one shared state: the same object in memory, separate connections to Redis. */
export type LimitStoresFactory = (count: number) => Promise<LimitStore[]>;

export function runLimitStoreContract(name: string, makeStores: LimitStoresFactory): void {
  describe(`LimitStore contract: ${name}`, () => {
    const opened: LimitStore[] = [];
    const stores = async (count = 1) => {
      const made = await makeStores(count);
      opened.push(...made);
      return made;
    };
    const store = async () => (await stores(1))[0]!;
    const key = () => `contract:${randomUUID()}`;
    afterEach(async () => {
      await Promise.all([...new Set(opened.splice(0))].map((each) => each.close?.()));
    });

    it('a new bucket is full: it gives its capacity, then refuses with the time until the next token', async () => {
      const limits = await store();
      const bucket = key();
      // One token a second: the test's own pace cannot refill a whole token between the takes.
      const levels: number[] = [];
      for (let i = 0; i < 3; i++) {
        const taken = await limits.take(bucket, 1, 3, 1);
        expect(taken.allowed).toBe(true);
        levels.push(taken.level);
      }
      expect(levels[0]).toBeCloseTo(2, 0);
      const refused = await limits.take(bucket, 1, 3, 1);
      expect(refused.allowed).toBe(false);
      expect(refused.level).toBeLessThan(1);
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(1000);
      // A refused take takes nothing: a cost larger than the bucket waits for that many tokens.
      const large = await limits.take(bucket, 3, 3, 1);
      expect(large.allowed).toBe(false);
      expect(large.retryAfterMs).toBeGreaterThan(2000);
      // Another key is another bucket.
      expect((await limits.take(key(), 3, 3, 1)).allowed).toBe(true);
    });

    it('refills continuously, but never beyond its capacity', async () => {
      const limits = await store();
      const bucket = key();
      // 20 tokens a second, 2 at most.
      expect((await limits.take(bucket, 2, 2, 20)).allowed).toBe(true);
      expect((await limits.take(bucket, 1, 2, 20)).allowed).toBe(false);
      await sleep(300);
      // 6 tokens' worth of time has passed; the bucket holds 2.
      expect((await limits.take(bucket, 2, 2, 20)).allowed).toBe(true);
      expect((await limits.take(bucket, 1, 2, 20)).allowed).toBe(false);
    });

    it('charges go into debt; nothing is allowed until the debt has refilled', async () => {
      const limits = await store();
      const bucket = key();
      const first = await limits.charge(bucket, 7, 10, 1);
      expect(first.allowed).toBe(true);
      expect(first.level).toBeCloseTo(3, 0);
      const second = await limits.charge(bucket, 8, 10, 1);
      expect(second.allowed).toBe(false);
      expect(second.level).toBeCloseTo(-5, 0);
      // Five tokens of debt at one a second.
      expect(second.retryAfterMs).toBeGreaterThan(4_000);
      expect(second.retryAfterMs).toBeLessThanOrEqual(5_000);
      // A charge of 0 reads the level without changing it.
      const read = await limits.charge(bucket, 0, 10, 1);
      expect(read.allowed).toBe(false);
      expect(read.level).toBeCloseTo(-5, 0);
      expect((await limits.take(bucket, 1, 10, 1)).allowed).toBe(false);

      // At 100 tokens a second, 5 tokens of debt are gone in 50 ms.
      const fast = key();
      expect((await limits.charge(fast, 15, 10, 100)).allowed).toBe(false);
      await sleep(150);
      expect((await limits.charge(fast, 0, 10, 100)).allowed).toBe(true);
    });

    it('counters add up until their reset instant, then start from zero', async () => {
      const limits = await store();
      const day = key();
      expect(await limits.read(day)).toBe(0);
      expect(await limits.add(day, 0.6, Date.now() + 60_000)).toBeCloseTo(0.6);
      expect(await limits.add(day, 0.4, Date.now() + 60_000)).toBeCloseTo(1);
      expect(await limits.read(day)).toBeCloseTo(1);

      const short = key();
      expect(await limits.add(short, 5, Date.now() + 200)).toBe(5);
      expect(await limits.read(short)).toBe(5);
      await sleep(400);
      expect(await limits.read(short)).toBe(0);
      // The first add after the reset starts the next period.
      expect(await limits.add(short, 1, Date.now() + 60_000)).toBe(1);
      expect(await limits.read(short)).toBe(1);
    });

    it('leases admit at most `limit` holders; a holder shares its slot and leaves with its last reference', async () => {
      const limits = await store();
      const streams = key();
      expect(await limits.acquire(streams, 'a', 2)).toEqual({ allowed: true, holders: 1 });
      expect(await limits.acquire(streams, 'b', 2)).toEqual({ allowed: true, holders: 2 });
      expect(await limits.acquire(streams, 'c', 2)).toEqual({ allowed: false, holders: 2 });
      // `a` again shares its slot, even at the limit.
      expect(await limits.acquire(streams, 'a', 2)).toEqual({ allowed: true, holders: 2 });
      await limits.release(streams, 'a');
      expect((await limits.acquire(streams, 'c', 2)).allowed).toBe(false);
      await limits.release(streams, 'a');
      expect(await limits.acquire(streams, 'c', 2)).toEqual({ allowed: true, holders: 2 });
      // Releasing what is not held changes nothing.
      await limits.release(streams, 'nobody');
      await limits.release(streams, 'a');
      expect((await limits.acquire(streams, 'd', 2)).allowed).toBe(false);
      // Another key is another set.
      expect((await limits.acquire(key(), 'd', 2)).allowed).toBe(true);
      await limits.release(streams, 'b');
      await limits.release(streams, 'c');
      expect(await limits.acquire(streams, 'e', 2)).toEqual({ allowed: true, holders: 1 });
    });

    it('many parallel takes, charges and acquires over several connections never over-admit', async () => {
      const handles = await stores(4);
      const on = (i: number) => handles[i % handles.length]!;
      const bucket = key();
      // A bucket of 50 that refills one token in 1,000 seconds: exactly 50 of 300 takes succeed.
      const takes = await Promise.all(
        Array.from({ length: 300 }, (_, i) => on(i).take(bucket, 1, 50, 0.001)),
      );
      expect(takes.filter((result) => result.allowed)).toHaveLength(50);

      const tokens = key();
      await Promise.all(
        Array.from({ length: 200 }, (_, i) => on(i).charge(tokens, 1, 1_000, 0.001)),
      );
      expect((await on(0).charge(tokens, 0, 1_000, 0.001)).level).toBeCloseTo(800, 0);

      const counter = key();
      await Promise.all(
        Array.from({ length: 200 }, (_, i) => on(i).add(counter, 0.5, Date.now() + 60_000)),
      );
      expect(await on(1).read(counter)).toBeCloseTo(100);

      const streams = key();
      const acquired = await Promise.all(
        Array.from({ length: 100 }, (_, i) => on(i).acquire(streams, `holder-${i}`, 7)),
      );
      expect(acquired.filter((result) => result.allowed)).toHaveLength(7);
      expect(Math.max(...acquired.map((result) => result.holders))).toBe(7);
    });
  });
}
