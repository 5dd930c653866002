/**
 * The shared LimitStore: every replica pointing at the same Redis counts the same buckets,
 * counters and leases, so an account's limits hold across the deployment, not per replica.
 *
 * Each method is one Lua script (loaded with SCRIPT LOAD, run with EVALSHA, loaded again after a
 * Redis restart emptied the script cache), so each is atomic however many replicas call at once.
 * Buckets and leases take the time from Redis (`TIME` inside the script), never from the caller:
 * replicas whose clocks disagree still refill the same bucket at the same rate. A counter's reset
 * instant is the caller's (the end of its UTC day), applied by Redis as the key's expiry.
 *
 * Every key expires when it stops carrying information: a bucket when it would have refilled to
 * full (a missing bucket is full), a counter at its reset, a lease set `leaseTtlMs` after its last
 * acquire or renewal. Leases held by this process are renewed every third of `leaseTtlMs`, so a
 * replica that dies without releasing frees its streams' slots within `leaseTtlMs`.
 *
 * Failures are not hidden here: with the offline queue off, a command fails at once while the
 * connection is down, and after `commandTimeoutMs` when Redis hangs. What the limits do then is
 * FallbackLimitStore's decision.
 */
import { ErrorReply } from '@redis/client';
import { createRedisClient, reportOncePerOutage, withinConnectTimeout } from '../../infra/redis.js';
import { waitMs, type BucketResult, type LeaseResult, type LimitStore } from './limit-store.js';

export interface RedisLimitStoreOptions {
  url: string;
  /** Prepended to every key; lets several deployments or tests share one Redis. */
  keyPrefix?: string;
  /** A lease nobody renews is dropped after this long (ms). Default 60 s. */
  leaseTtlMs?: number;
  /** A command with no answer after this long fails (ms). Default 500. */
  commandTimeoutMs?: number;
  /** How long start-up waits for Redis before giving up (ms). Default 10 s. */
  connectTimeoutMs?: number;
  /** Connection problems (once per outage) and failed lease renewals; must not throw. */
  onError?: (error: Error, context: string) => void;
}

/** The server's time in ms, fractional; every script that measures time starts with it. */
const NOW = `local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
`;

// KEYS[1]: the bucket (hash: level, at). ARGV: amount, capacity, refill per second, 'take' or 'charge'.
// Returns {allowed, level}; the level as a string, since Redis truncates Lua numbers to integers.
const BUCKET = `${NOW}
local amount, capacity, rate = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'level', 'at')
local level = capacity
if state[1] then level = math.min(capacity, tonumber(state[1]) + math.max(0, now - tonumber(state[2])) / 1000 * rate) end
local allowed
if ARGV[4] == 'take' then
  allowed = level >= amount
  if allowed then level = level - amount end
else
  level = level - amount
  allowed = level > 0
end
if level >= capacity then
  redis.call('DEL', KEYS[1])
else
  redis.call('HSET', KEYS[1], 'level', string.format('%.17g', level), 'at', string.format('%.17g', now))
  if rate > 0 then redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - level) / rate * 1000) + 1) else redis.call('PERSIST', KEYS[1]) end
end
return {allowed and 1 or 0, string.format('%.17g', level)}`;

// KEYS[1]: the counter. ARGV: amount, reset instant (epoch ms). An expired counter is gone, so the
// first add after a reset starts from zero and sets the next reset.
const ADD = `
local total = redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) == -1 then redis.call('PEXPIREAT', KEYS[1], ARGV[2]) end
return total`;

// A lease set is a hash: holder -> "<references>:<expires at ms>". Expired holders are pruned first.
const LIVE_HOLDERS = `${NOW}
local live, holders = {}, 0
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local references, expires = string.match(all[i + 1], '^(%d+):(%d+)$')
  if tonumber(expires) <= now then redis.call('HDEL', KEYS[1], all[i]) else live[all[i]] = tonumber(references); holders = holders + 1 end
end
`;

// ARGV: holder, limit, ttl ms. Returns {allowed, holders}.
const ACQUIRE = `${LIVE_HOLDERS}
local ttl = tonumber(ARGV[3])
local references = live[ARGV[1]]
if not references then
  if holders >= tonumber(ARGV[2]) then return {0, holders} end
  references, holders = 0, holders + 1
end
redis.call('HSET', KEYS[1], ARGV[1], string.format('%d:%d', references + 1, now + ttl))
redis.call('PEXPIRE', KEYS[1], ttl)
return {1, holders}`;

// ARGV: holder.
const RELEASE = `
local value = redis.call('HGET', KEYS[1], ARGV[1])
if not value then return 0 end
local references, expires = string.match(value, '^(%d+):(%d+)$')
if tonumber(references) > 1 then
  redis.call('HSET', KEYS[1], ARGV[1], string.format('%d:%s', tonumber(references) - 1, expires))
else
  redis.call('HDEL', KEYS[1], ARGV[1])
end
return 1`;

// ARGV: ttl ms, then holder and this process's references, pairwise. A holder Redis lost (a restart
// without persistence) is put back with this process's references, so the count heals itself.
const RENEW = `${LIVE_HOLDERS}
local ttl = tonumber(ARGV[1])
for i = 2, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], string.format('%d:%d', live[ARGV[i]] or tonumber(ARGV[i + 1]), now + ttl))
end
redis.call('PEXPIRE', KEYS[1], ttl)
return 1`;

const SCRIPTS = { BUCKET, ADD, ACQUIRE, RELEASE, RENEW };
type ScriptName = keyof typeof SCRIPTS;

/** The part of a node-redis client the store uses: raw commands, and closing. */
interface Client {
  sendCommand(args: string[], options?: { timeout?: number }): Promise<unknown>;
  close(): Promise<void>;
  destroy(): void;
}

export class RedisLimitStore implements LimitStore {
  private readonly keyPrefix: string;
  private readonly leaseTtlMs: number;
  private readonly commandTimeoutMs: number;
  private readonly onError: (error: Error, context: string) => void;
  private readonly shas = new Map<ScriptName, string>();
  /** Leases this process holds: key -> holder -> references. Renewed until released. */
  private readonly held = new Map<string, Map<string, number>>();
  private readonly renewal: NodeJS.Timeout;

  private constructor(
    private readonly client: Client,
    options: RedisLimitStoreOptions,
  ) {
    this.keyPrefix = options.keyPrefix ?? 'ai-subgraph:';
    this.leaseTtlMs = Math.max(10, Math.round(options.leaseTtlMs ?? 60_000));
    this.commandTimeoutMs = options.commandTimeoutMs ?? 500;
    this.onError = options.onError ?? (() => undefined);
    this.renewal = setInterval(
      () => void this.renewLeases(),
      Math.max(5, Math.floor(this.leaseTtlMs / 3)),
    );
    this.renewal.unref();
  }

  /** Connects and loads the scripts; fails if Redis does not answer within `connectTimeoutMs`. */
  static async connect(options: RedisLimitStoreOptions): Promise<RedisLimitStore> {
    // A limit check must not wait for a reconnection: it fails at once and the caller decides.
    const client = createRedisClient({ url: options.url, offlineQueue: false });
    reportOncePerOutage(client, (error) => options.onError?.(error, 'rate limit store connection'));
    const store = new RedisLimitStore(client, options);
    try {
      await withinConnectTimeout(client.connect(), options.url, options.connectTimeoutMs ?? 10_000);
      for (const name of Object.keys(SCRIPTS) as ScriptName[]) await store.load(name);
    } catch (error) {
      clearInterval(store.renewal);
      client.destroy();
      throw error;
    }
    return store;
  }

  private async load(name: ScriptName): Promise<string> {
    const sha = String(
      await this.client.sendCommand(['SCRIPT', 'LOAD', SCRIPTS[name]], {
        timeout: this.commandTimeoutMs,
      }),
    );
    this.shas.set(name, sha);
    return sha;
  }

  private async run(name: ScriptName, key: string, args: (string | number)[]): Promise<unknown> {
    const command = (sha: string) =>
      this.client.sendCommand(['EVALSHA', sha, '1', this.keyPrefix + key, ...args.map(String)], {
        timeout: this.commandTimeoutMs,
      });
    try {
      return await command(this.shas.get(name) ?? (await this.load(name)));
    } catch (error) {
      // A restarted Redis has an empty script cache.
      if (error instanceof ErrorReply && error.message.startsWith('NOSCRIPT'))
        return command(await this.load(name));
      throw error;
    }
  }

  private async bucket(
    key: string,
    amount: number,
    capacity: number,
    refillPerSecond: number,
    mode: 'take' | 'charge',
  ): Promise<{ allowed: boolean; level: number }> {
    const [allowed, level] = (await this.run('BUCKET', key, [
      amount,
      capacity,
      refillPerSecond,
      mode,
    ])) as [number, string];
    return { allowed: allowed === 1, level: Number(level) };
  }

  async take(
    key: string,
    cost: number,
    capacity: number,
    refillPerSecond: number,
  ): Promise<BucketResult> {
    const { allowed, level } = await this.bucket(key, cost, capacity, refillPerSecond, 'take');
    return { allowed, level, retryAfterMs: allowed ? 0 : waitMs(cost - level, refillPerSecond) };
  }

  async charge(
    key: string,
    amount: number,
    capacity: number,
    refillPerSecond: number,
  ): Promise<BucketResult> {
    const { allowed, level } = await this.bucket(key, amount, capacity, refillPerSecond, 'charge');
    return { allowed, level, retryAfterMs: allowed ? 0 : waitMs(-level, refillPerSecond) };
  }

  async add(key: string, amount: number, resetAtMs: number): Promise<number> {
    return Number(await this.run('ADD', key, [amount, Math.ceil(resetAtMs)]));
  }

  async read(key: string): Promise<number> {
    const value = await this.client.sendCommand(['GET', this.keyPrefix + key], {
      timeout: this.commandTimeoutMs,
    });
    return value === null ? 0 : Number(value);
  }

  async acquire(key: string, holder: string, limit: number): Promise<LeaseResult> {
    const [allowed, holders] = (await this.run('ACQUIRE', key, [
      holder,
      limit,
      this.leaseTtlMs,
    ])) as [number, number];
    if (allowed === 1) {
      const holders = this.held.get(key) ?? new Map<string, number>();
      holders.set(holder, (holders.get(holder) ?? 0) + 1);
      this.held.set(key, holders);
    }
    return { allowed: allowed === 1, holders };
  }

  async release(key: string, holder: string): Promise<void> {
    // Forgotten here first: if Redis cannot be told, the lease expires instead of being renewed.
    const holders = this.held.get(key);
    const references = holders?.get(holder);
    if (holders && references !== undefined) {
      if (references > 1) holders.set(holder, references - 1);
      else holders.delete(holder);
      if (holders.size === 0) this.held.delete(key);
    }
    await this.run('RELEASE', key, [holder]);
  }

  private async renewLeases(): Promise<void> {
    for (const [key, holders] of this.held) {
      try {
        await this.run('RENEW', key, [this.leaseTtlMs, ...[...holders].flat()]);
      } catch (error) {
        this.onError(error as Error, 'rate limit lease renewal');
      }
    }
  }

  /** Stops renewing (leases not released expire after `leaseTtlMs`) and disconnects. */
  async close(): Promise<void> {
    clearInterval(this.renewal);
    this.held.clear();
    await this.client.close().catch(() => this.client.destroy());
  }
}
