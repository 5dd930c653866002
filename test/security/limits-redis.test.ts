/**
 * The Redis LimitStore against a real redis-server: the shared contract over several connections,
 * then what only a shared store has to get right — Redis's clock rather than the replicas',
 * keys that expire when idle, leases of a replica that died, a Redis that forgot its scripts —
 * and what the limits do while Redis is down (each replica falls back to its own counts).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from '@redis/client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AccountLimits,
  FallbackLimitStore,
  RedisLimitStore,
  type LimitOperation,
  type RateLimits,
  type RedisLimitStoreOptions,
} from '../../src/security/limits/index.js';
import { redisServerInstalled, startRedis, type RedisServer } from '../support/redis.js';
import { runLimitStoreContract } from './limits-contract.js';

// CI installs redis-server (.ci/run); a developer without it gets these tests skipped, not failed.
const available = redisServerInstalled();
if (!available && process.env.CI)
  throw new Error('redis-server is not installed: apt-get install -y redis-server');

const NO_LIMITS: RateLimits = {
  requestsPerMinute: 0,
  tokensPerMinute: 0,
  dailyBudgetUsd: 0,
  maxConcurrentStreams: 0,
};

describe.skipIf(!available)('RedisLimitStore', () => {
  let redis: RedisServer;
  const opened: RedisLimitStore[] = [];
  const connect = async (options: Partial<RedisLimitStoreOptions> = {}) => {
    const store = await RedisLimitStore.connect({
      url: redis.url,
      keyPrefix: `test:${randomUUID()}:`,
      ...options,
    });
    opened.push(store);
    return store;
  };
  /** Sends one command on a plain client, to look at the keys as Redis holds them. */
  const inspect = async (...command: string[]): Promise<number> => {
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      return Number(await client.sendCommand(command));
    } finally {
      await client.close();
    }
  };

  beforeAll(async () => {
    // Persistent, as production runs it: the outage test expects Redis to come back with its counts.
    redis = await startRedis();
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await Promise.all(opened.splice(0).map((store) => store.close()));
    if (!redis.running) await redis.start();
  });
  afterAll(async () => {
    await redis?.dispose();
  });

  runLimitStoreContract('redis', async (count) => {
    const keyPrefix = `test:${randomUUID()}:`;
    return Promise.all(
      Array.from({ length: count }, () => RedisLimitStore.connect({ url: redis.url, keyPrefix })),
    );
  });

  it('counts with Redis’s clock: a replica whose clock is ten minutes ahead sees no refill', async () => {
    const keyPrefix = `test:${randomUUID()}:`;
    const limits = { ...NO_LIMITS, requestsPerMinute: 5 };
    const onTime = new AccountLimits(await connect({ keyPrefix }), limits);
    const ahead = new AccountLimits(await connect({ keyPrefix }), limits);
    for (let i = 0; i < 5; i++) await onTime.countRequest('acme');
    // Were the time the replica's, this one would see ten minutes of refill since the other's takes.
    vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 600_000);
    await expect(ahead.countRequest('acme')).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      details: { rule: 'requestsPerMinute', limit: 5, retryAfterSeconds: 12 },
    });
  });

  it('keys expire once they carry nothing: a bucket when it would be full again, a counter at its reset', async () => {
    const keyPrefix = `test:${randomUUID()}:`;
    const store = await connect({ keyPrefix });
    // 10 tokens of 100 taken at 20 a second: full again in 500 ms.
    await store.take('bucket', 10, 100, 20);
    const bucketTtl = await inspect('PTTL', `${keyPrefix}bucket`);
    expect(bucketTtl).toBeGreaterThan(0);
    expect(bucketTtl).toBeLessThanOrEqual(501);
    const resetAt = Date.now() + 30_000;
    await store.add('spend', 1, resetAt);
    const counterTtl = await inspect('PTTL', `${keyPrefix}spend`);
    expect(Math.abs(counterTtl - 30_000)).toBeLessThan(1_000);
    // The lease set lives as long as its holders are renewed.
    await store.acquire('streams', 'g1', 5);
    expect(await inspect('PTTL', `${keyPrefix}streams`)).toBeGreaterThan(50_000);
    await store.release('streams', 'g1');
    await sleep(600);
    expect(await inspect('EXISTS', `${keyPrefix}bucket`, `${keyPrefix}streams`)).toBe(0);
  });

  it('keeps renewing the leases it holds; a replica that stops (dies) frees its slots within the lease TTL', async () => {
    const keyPrefix = `test:${randomUUID()}:`;
    const dying = await connect({ keyPrefix, leaseTtlMs: 400 });
    const survivor = await connect({ keyPrefix, leaseTtlMs: 400 });
    expect((await dying.acquire('streams', 'g1', 2)).allowed).toBe(true);
    expect((await dying.acquire('streams', 'g2', 2)).allowed).toBe(true);
    // Held past two TTLs: the renewals keep both slots taken.
    await sleep(900);
    expect((await survivor.acquire('streams', 'g3', 2)).allowed).toBe(false);
    // Gone without releasing: nobody renews its leases any more.
    await dying.close();
    await sleep(600);
    expect(await survivor.acquire('streams', 'g3', 2)).toEqual({ allowed: true, holders: 1 });
  });

  it('loads its scripts again when Redis has forgotten them', async () => {
    const store = await connect();
    expect((await store.take('bucket', 1, 2, 1)).allowed).toBe(true);
    await inspect('SCRIPT', 'FLUSH');
    expect((await store.take('bucket', 1, 2, 1)).allowed).toBe(true);
    expect((await store.take('bucket', 1, 2, 1)).allowed).toBe(false);
  });

  describe('while Redis is down', () => {
    it('each replica enforces the limits on its own, fast, and shares them again once Redis is back', async () => {
      const fellBack: LimitOperation[] = [];
      const events: string[] = [];
      const shared = await connect();
      const store = new FallbackLimitStore(
        shared,
        { now: () => Date.now() },
        {
          fellBack: (operation) => fellBack.push(operation),
          degraded: () => events.push('degraded'),
          recovered: () => events.push('recovered'),
        },
      );
      const limits = new AccountLimits(store, {
        ...NO_LIMITS,
        requestsPerMinute: 3,
        dailyBudgetUsd: 1,
        maxConcurrentStreams: 1,
      });

      // Before the outage: two requests counted in Redis, $1 spent, one stream open.
      await limits.countRequest('acme');
      await limits.countRequest('acme');
      await limits.recordUsage('acme', { inputTokens: 0, outputTokens: 0, costUsd: 1 });
      await expect(limits.checkSpend('acme')).rejects.toMatchObject({
        details: { rule: 'dailyBudgetUsd' },
      });
      const releaseShared = await limits.acquireStream('acme', 'g1');

      await redis.stop();
      const started = performance.now();
      // Requests: this replica's own bucket (a fresh one: 3 more), not unlimited.
      for (let i = 0; i < 3; i++) await limits.countRequest('acme');
      await expect(limits.countRequest('acme')).rejects.toMatchObject({
        code: 'RATE_LIMITED',
        details: { rule: 'requestsPerMinute' },
      });
      // The day's spending goes on from what Redis last said: still over the budget.
      await expect(limits.checkSpend('acme')).rejects.toMatchObject({
        code: 'RATE_LIMITED',
        details: { rule: 'dailyBudgetUsd' },
      });
      expect(await limits.spentToday('acme')).toBeCloseTo(1);
      // Streams: counted locally; a local slot is released locally.
      const releaseLocal = await limits.acquireStream('acme', 'g2');
      await expect(limits.acquireStream('acme', 'g3')).rejects.toMatchObject({
        details: { rule: 'maxConcurrentStreams' },
      });
      releaseLocal();
      await sleep(10);
      (await limits.acquireStream('acme', 'g3'))();
      // No call waited for Redis: the connection is known to be down.
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(store.degraded).toBe(true);
      expect(events).toEqual(['degraded']);
      expect(new Set(fellBack)).toEqual(new Set<LimitOperation>(['take', 'read', 'acquire']));

      await redis.start();
      // The first call that reaches Redis again ends the degraded mode.
      await expect
        .poll(async () => (await store.read('probe'), store.degraded), {
          timeout: 10_000,
          interval: 100,
        })
        .toBe(false);
      expect(events).toEqual(['degraded', 'recovered']);
      // Shared again: Redis still holds the two requests counted before the outage (3 - 2 = 1 left).
      await limits.countRequest('acme');
      await expect(limits.countRequest('acme')).rejects.toMatchObject({
        details: { rule: 'requestsPerMinute' },
      });
      releaseShared();
    });
  });
});
