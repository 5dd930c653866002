/**
 * The scale-out bus: each generation's events in one Redis Stream, so any replica can serve any
 * subscriber with replay from any position.
 *
 * Layout. Stream `<prefix><id>` holds an `open` marker with entry id `0-1`, then event `seq` at
 * entry id `1-<seq>`. Positions are therefore exact: "after seq n" is "after entry 1-n", and
 * "from the start" is "after 0-1". Appends go through a Lua script that checks the stream is open
 * and `seq` is the next one, so two producers can never interleave and a retried append (the
 * connection dropped before the reply) is recognised as already done instead of duplicated. Every
 * append refreshes an idle TTL (an orphaned stream of a replica that died expires on its own);
 * the `end` event replaces it with the retention TTL.
 *
 * Connections. Two per process, however many subscribers: one for commands (appends, EXISTS,
 * XRANGE catch-up), and one blocking reader that runs a single `XREAD BLOCK` over every stream that
 * has a subscriber in this process and fans the entries out in-process. A reader joining a stream
 * the poller already follows catches up with one XRANGE up to the poller's position, then takes
 * live entries from the poller; entries are de-duplicated by id. The poller may also be ahead of
 * what exists (an earlier reader resumed after a seq not yet written): a gap in what it delivers
 * is filled with XRANGE, and a gap Redis cannot fill is an error, never silently skipped. A new stream interrupts the blocked XREAD with CLIENT UNBLOCK so its
 * first events are not held back until the block times out.
 *
 * Failures. Both connections reconnect by themselves. The poller resumes each stream from the
 * last entry it delivered, so nothing is lost or repeated when Redis comes back with its data
 * (AOF persistence, as production should run it). If Redis comes back without a stream that a
 * subscriber was still reading (no persistence, or a failover that lost writes), that reader fails
 * with `StreamLostError` rather than stalling or delivering a stream with a hole: the client
 * resubscribes, and a finished generation is then replayed exactly from the store.
 */
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClientClosedError, ErrorReply } from '@redis/client';
import { createRedisClient, reportOncePerOutage, withinConnectTimeout } from '../redis.js';
import type { StreamBus, StreamEvent } from './bus.js';
import { RedisWatchers } from './redis-watchers.js';

export interface RedisBusOptions {
  url: string;
  /** How long an ended stream stays readable, for late subscribers (ms). */
  retentionMs: number;
  /** A stream with no append for this long is dropped (its producer died) (ms). Default one hour. */
  idleTtlMs?: number;
  /** Prepended to every key; lets several deployments or tests share one Redis. */
  keyPrefix?: string;
  /** How long one XREAD blocks at most before it is sent again (ms). Default 2 s. */
  blockMs?: number;
  /**
   * How often the reader checks that the streams it follows still exist (ms), besides after every
   * reconnection; a stream whose producer died expires after `idleTtlMs`. Default 30 s.
   */
  existenceCheckMs?: number;
  /**
   * Subscribers across replicas (see redis-watchers.ts): how often this process refreshes its
   * watcher entries, and after how long without a refresh an entry stops counting (ms).
   * Defaults 5 s and 15 s.
   */
  watcherRefreshMs?: number;
  watcherTtlMs?: number;
  /** How long a command keeps being retried across a disconnect before it fails (ms). */
  commandRetryMs?: number;
  /** How long start-up waits for Redis before giving up (ms). */
  connectTimeoutMs?: number;
  /** Connection problems, reported once per outage; the bus recovers by itself. */
  onError?: (error: Error, context: string) => void;
}

/** A stream this reader was following disappeared from Redis before its `end` event. */
export class StreamLostError extends Error {
  override name = 'StreamLostError';
  constructor(
    readonly streamId: string,
    reason: string,
  ) {
    super(`stream ${streamId} was lost from Redis: ${reason}`);
  }
}

interface Entry {
  id: string;
  event: StreamEvent;
}

const ENTRIES_PER_READ = 1000;
const OPEN_MARKER = '0-1';

const OPEN_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('XADD', KEYS[1], '0-1', 't', 'o')
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`;

// ARGV: seq, type ('d' or 'e'), text, idle TTL, retention.
const APPEND_SCRIPT = `
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if #last == 0 then return redis.error_reply('NOTOPEN the stream is not open') end
local lastId = last[1][1]
local fields = last[1][2]
local lastType = fields[2]
local seq = tonumber(ARGV[1])
local expected = 0
if lastId ~= '0-1' then expected = tonumber(string.match(lastId, '^1%-(%d+)$')) + 1 end
if seq == expected - 1 and lastId ~= '0-1' and lastType == ARGV[2] and (fields[4] or '') == ARGV[3] then
  return 0
end
if lastType == 'e' then return redis.error_reply('NOTOPEN the stream has ended') end
if seq ~= expected then return redis.error_reply('BADSEQ expected seq ' .. expected .. ', got ' .. seq) end
if ARGV[2] == 'e' then
  redis.call('XADD', KEYS[1], '1-' .. seq, 't', 'e')
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
else
  redis.call('XADD', KEYS[1], '1-' .. seq, 't', 'd', 'x', ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
return 1`;

/** The part of a node-redis client the bus uses: raw commands, and closing. */
interface Client {
  sendCommand(args: string[], options?: { abortSignal?: AbortSignal }): Promise<unknown>;
  on(event: 'ready', listener: () => void): unknown;
  close(): Promise<void>;
  destroy(): void;
}

/** Entry ids here are `0-1` or `1-<seq>`; compares them as (ms, seq) pairs. */
function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am - bm || as - bs;
}

function positionAfter(afterSeq: number): string {
  return afterSeq < 0 ? OPEN_MARKER : `1-${Math.floor(afterSeq)}`;
}

function toEntry(id: string, fields: unknown): Entry | null {
  if (!Array.isArray(fields)) return null;
  const values = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2)
    values.set(String(fields[i]), String(fields[i + 1]));
  const match = /^1-(\d+)$/.exec(id);
  if (!match) return null;
  const seq = Number(match[1]);
  const type = values.get('t');
  if (type === 'd') return { id, event: { seq, type: 'delta', text: values.get('x') ?? '' } };
  if (type === 'e') return { id, event: { seq, type: 'end' } };
  return null;
}

/** XRANGE's reply: [[id, [field, value, ...]], ...]. */
function parseEntries(reply: unknown): Entry[] {
  if (!Array.isArray(reply)) return [];
  const entries: Entry[] = [];
  for (const item of reply) {
    if (!Array.isArray(item)) continue;
    const entry = toEntry(String(item[0]), item[1]);
    if (entry) entries.push(entry);
  }
  return entries;
}

/** The last entry's id and type (`o`, `d` or `e`), from XREVRANGE … COUNT 1. */
function parseTail(reply: unknown): { id: string; type: string }[] {
  if (!Array.isArray(reply) || !Array.isArray(reply[0])) return [];
  const [id, fields] = reply[0] as [unknown, unknown];
  return [{ id: String(id), type: Array.isArray(fields) ? String(fields[1]) : '' }];
}

/** XREAD's reply: null on timeout; RESP2 gives [[key, entries], ...], RESP3 a map of key to entries. */
function parseStreams(reply: unknown): [string, Entry[]][] {
  if (reply === null || reply === undefined) return [];
  const pairs: [unknown, unknown][] = Array.isArray(reply)
    ? reply.filter(Array.isArray).map((pair) => [pair[0], pair[1]])
    : reply instanceof Map
      ? [...reply.entries()]
      : Object.entries(reply as Record<string, unknown>);
  return pairs.map(([key, entries]) => [String(key), parseEntries(entries)]);
}

/** Errors after which the same command may simply be sent again once Redis answers. */
function isTransient(error: unknown): boolean {
  if (error instanceof ClientClosedError) return false;
  if (error instanceof ErrorReply)
    return /^(LOADING|TRYAGAIN|BUSY|MASTERDOWN|READONLY)\b/.test(error.message);
  return error instanceof Error && error.name !== 'AbortError';
}

/** One reader's inbox, filled by the poller. */
class Inbox {
  private entries: Entry[] = [];
  private failure: Error | null = null;
  private finished = false;
  private wake: (() => void) | null = null;

  push(entries: Entry[]): void {
    this.entries.push(...entries);
    this.wake?.();
  }

  fail(error: Error): void {
    this.failure ??= error;
    this.wake?.();
  }

  /** The bus is closing: the reader stops as if its stream ended. */
  finish(): void {
    this.finished = true;
    this.wake?.();
  }

  /** Entries received since the last call; waits for some. Null when aborted or the bus closed. */
  async take(signal: AbortSignal): Promise<Entry[] | null> {
    for (;;) {
      if (this.entries.length > 0) {
        const taken = this.entries;
        this.entries = [];
        return taken;
      }
      if (this.failure) throw this.failure;
      if (this.finished || signal.aborted) return null;
      await new Promise<void>((resolve) => {
        const done = () => {
          signal.removeEventListener('abort', done);
          this.wake = null;
          resolve();
        };
        this.wake = done;
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }
}

interface Followed {
  /** The last entry id the poller has delivered for this stream (or where it starts reading). */
  cursor: string;
  inboxes: Set<Inbox>;
}

/**
 * The one blocking connection of a process: follows every stream that has a reader here with a
 * single XREAD over all their keys, and hands what arrives to each reader's inbox.
 */
class Poller {
  private readonly followed = new Map<string, Followed>();
  private blockedClientId: number | null = null;
  /** An XREAD is out on the blocking connection. */
  private blocked = false;
  /** A key was followed that the XREAD out now does not include. */
  private dirty = false;
  private waking = false;
  private idle: (() => void) | null = null;
  private closed = false;
  private lastCheck = Date.now();
  private needsCheck = false;
  /** The blocking connection reconnected since its client id was last read. */
  private reconnected = false;
  private readonly loop: Promise<void>;

  constructor(
    private readonly blocking: Client,
    private readonly commands: Client,
    private readonly options: {
      blockMs: number;
      existenceCheckMs: number;
      onError: (error: Error, context: string) => void;
      streamIdOf: (key: string) => string;
      /** The blocking connection's CLIENT SETNAME, unique per process, to find its id again. */
      readerName: string;
    },
  ) {
    // A reconnection (even one that happened while nothing was followed) means a new client id
    // to unblock, and streams that may not have survived.
    blocking.on('ready', () => {
      this.reconnected = true;
      this.needsCheck = true;
    });
    this.loop = this.run();
  }

  get followedCount(): number {
    return this.followed.size;
  }

  /**
   * Starts following `key` for a new reader. Returns the position from which the poller will
   * deliver to it: entries up to there are the reader's own to fetch (XRANGE).
   */
  follow(key: string, start: string, inbox: Inbox): string {
    let followed = this.followed.get(key);
    if (!followed) {
      followed = { cursor: start, inboxes: new Set() };
      this.followed.set(key, followed);
      this.dirty = true;
      this.interrupt();
    }
    followed.inboxes.add(inbox);
    return followed.cursor;
  }

  unfollow(key: string, inbox: Inbox): void {
    const followed = this.followed.get(key);
    if (!followed) return;
    followed.inboxes.delete(inbox);
    // The key stays in a blocked XREAD until it returns; harmless, and dropped then.
    if (followed.inboxes.size === 0) this.followed.delete(key);
  }

  /** Makes a blocked XREAD return now, so that the next one includes newly followed keys. */
  private interrupt(): void {
    if (this.idle) {
      this.idle();
      return;
    }
    if (this.waking) return;
    this.waking = true;
    void (async () => {
      try {
        // CLIENT UNBLOCK travels on the other connection and can overtake the XREAD it means to
        // interrupt, or arrive between two XREADs: try again until the keys are in a read.
        // Past blockMs the XREAD has returned by itself anyway.
        const giveUpAt = Date.now() + this.options.blockMs + 100;
        while (!this.closed && this.dirty && Date.now() < giveUpAt) {
          // After a reconnection the stored id may be the old connection's: look the reader up by name.
          const clientId = this.reconnected ? await this.readerIdByName() : this.blockedClientId;
          if (this.blocked && clientId !== null) {
            const unblocked = await this.commands.sendCommand([
              'CLIENT',
              'UNBLOCK',
              String(clientId),
            ]);
            await sleep(Number(unblocked) === 1 ? 1 : 2);
          } else {
            await sleep(5);
          }
        }
      } catch {
        // At worst the XREAD times out by itself after blockMs.
      } finally {
        this.waking = false;
      }
    })();
  }

  private async readerIdByName(): Promise<number | null> {
    const clients = String(await this.commands.sendCommand(['CLIENT', 'LIST', 'TYPE', 'normal']));
    const line = clients
      .split('\n')
      .find((entry) => entry.includes(` name=${this.options.readerName} `));
    const id = line?.match(/^id=(\d+)/)?.[1];
    return id === undefined ? null : Number(id);
  }

  private async run(): Promise<void> {
    let failing = false;
    while (!this.closed) {
      if (this.followed.size === 0) {
        await new Promise<void>((resolve) => (this.idle = resolve));
        this.idle = null;
        continue;
      }
      try {
        if (this.needsCheck || Date.now() - this.lastCheck > this.options.existenceCheckMs)
          await this.checkStreamsExist();
        // 'ready' can fire after a CLIENT ID sent during the reconnection was answered: read it
        // again then, or CLIENT UNBLOCK would aim at the old connection.
        if (this.blockedClientId === null || this.reconnected) {
          this.reconnected = false;
          this.blockedClientId = Number(await this.blocking.sendCommand(['CLIENT', 'ID']));
        }
        if (this.followed.size === 0) continue;
        const keys = [...this.followed.keys()];
        const from = keys.map((key) => this.followed.get(key)!.cursor);
        this.dirty = false;
        this.blocked = true;
        const reply = await this.blocking.sendCommand([
          'XREAD',
          'COUNT',
          String(ENTRIES_PER_READ),
          'BLOCK',
          String(this.options.blockMs),
          'STREAMS',
          ...keys,
          ...from,
        ]);
        this.blocked = false;
        failing = false;
        const positions = new Map(keys.map((key, i) => [key, from[i]!]));
        for (const [key, entries] of parseStreams(reply))
          this.deliver(key, positions.get(key), entries);
      } catch (error) {
        this.blocked = false;
        if (this.closed) break;
        // The connection dropped (a Redis restart): the client reconnects by itself, with a new
        // client id; streams may have been lost meanwhile, so check before reading again.
        this.blockedClientId = null;
        this.needsCheck = true;
        if (!failing) this.options.onError(error as Error, 'stream reader connection');
        failing = true;
        await sleep(100);
      }
    }
  }

  private deliver(key: string, readFrom: string | undefined, entries: Entry[]): void {
    const followed = this.followed.get(key);
    // Unfollowed, or followed again from another position while this XREAD was out: the next
    // XREAD starts from the current cursor.
    if (!followed || readFrom === undefined || followed.cursor !== readFrom || entries.length === 0)
      return;
    followed.cursor = entries.at(-1)!.id;
    for (const inbox of followed.inboxes) inbox.push(entries);
  }

  /** Fails the readers of streams that vanished (Redis restarted without them, or they expired). */
  private async checkStreamsExist(): Promise<void> {
    const keys = [...this.followed.keys()];
    const exists = await Promise.all(keys.map((key) => this.commands.sendCommand(['EXISTS', key])));
    this.lastCheck = Date.now();
    this.needsCheck = false;
    keys.forEach((key, i) => {
      if (Number(exists[i]) === 1) return;
      const followed = this.followed.get(key);
      if (!followed) return;
      this.followed.delete(key);
      const error = new StreamLostError(
        this.options.streamIdOf(key),
        'it no longer exists (Redis restarted without it, or it expired)',
      );
      for (const inbox of followed.inboxes) inbox.fail(error);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.idle?.();
    for (const followed of this.followed.values())
      for (const inbox of followed.inboxes) inbox.finish();
    this.followed.clear();
    // A blocked XREAD would hold a graceful close for up to blockMs: cut the connection instead.
    this.blocking.destroy();
    await this.loop;
  }
}

/** Streams in Redis, shared by every replica pointing at the same REDIS_URL. */
export class RedisStreamBus implements StreamBus {
  private readonly retentionMs: number;
  private readonly idleTtlMs: number;
  private readonly keyPrefix: string;
  private readonly commandRetryMs: number;
  private readonly onError: (error: Error, context: string) => void;
  private readonly scripts = new Map<string, string>();
  private closed = false;

  private constructor(
    private readonly commands: Client,
    private readonly blocking: Client,
    options: RedisBusOptions & { readerName: string },
  ) {
    this.retentionMs = Math.max(1, Math.round(options.retentionMs));
    this.idleTtlMs = Math.max(1, Math.round(options.idleTtlMs ?? 3_600_000));
    this.keyPrefix = options.keyPrefix ?? 'ai-subgraph:stream:';
    this.commandRetryMs = options.commandRetryMs ?? 10_000;
    this.onError = options.onError ?? (() => undefined);
    this.poller = new Poller(blocking, commands, {
      blockMs: options.blockMs ?? 2_000,
      existenceCheckMs: options.existenceCheckMs ?? 30_000,
      onError: this.onError,
      streamIdOf: (key) => key.slice(this.keyPrefix.length),
      readerName: options.readerName,
    });
    this.watchers = new RedisWatchers(
      { script: (source, keys, args) => this.script(source, keys, args) },
      {
        keyOf: (streamId) => this.keyOf(streamId),
        refreshMs: options.watcherRefreshMs ?? 5_000,
        ttlMs: options.watcherTtlMs ?? 15_000,
        onError: this.onError,
      },
    );
  }

  private readonly poller: Poller;
  readonly watchers: RedisWatchers;

  /** Connects both connections; fails if Redis does not answer within `connectTimeoutMs`. */
  static async connect(options: RedisBusOptions): Promise<RedisStreamBus> {
    const onError = options.onError ?? (() => undefined);
    // A bus outlives an outage: commands wait in the offline queue while it reconnects.
    const commands = createRedisClient({ url: options.url });
    const readerName = `ai-subgraph-stream-reader-${randomUUID()}`;
    const blocking = commands.duplicate({ name: readerName });
    reportOncePerOutage(commands, (error) => onError(error, 'stream command connection'));
    reportOncePerOutage(blocking, (error) => onError(error, 'stream reader connection'));
    try {
      await withinConnectTimeout(
        Promise.all([commands.connect(), blocking.connect()]),
        options.url,
        options.connectTimeoutMs ?? 10_000,
      );
    } catch (error) {
      commands.destroy();
      blocking.destroy();
      throw error;
    }
    return new RedisStreamBus(commands, blocking, { ...options, readerName });
  }

  private keyOf(streamId: string): string {
    return this.keyPrefix + streamId;
  }

  /** Streams the poller of this process follows right now (one XREAD for all of them). */
  get followedStreams(): number {
    return this.poller.followedCount;
  }

  /**
   * Sends a command, sending it again across a dropped connection (commands sent meanwhile wait
   * in the client's offline queue) until `commandRetryMs` has passed. Only for idempotent commands.
   */
  private async command(args: string[]): Promise<unknown> {
    const deadline = AbortSignal.timeout(this.commandRetryMs);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.commands.sendCommand(args, { abortSignal: deadline });
      } catch (error) {
        if (this.closed || deadline.aborted || !isTransient(error)) throw error;
        await sleep(Math.min(50 * 2 ** attempt, 500));
      }
    }
  }

  private async script(source: string, keys: string[], args: string[]): Promise<unknown> {
    let sha = this.scripts.get(source);
    if (!sha) {
      sha = createHash('sha1').update(source).digest('hex');
      this.scripts.set(source, sha);
    }
    try {
      return await this.command(['EVALSHA', sha, String(keys.length), ...keys, ...args]);
    } catch (error) {
      // A restarted Redis has an empty script cache.
      if (error instanceof ErrorReply && error.message.startsWith('NOSCRIPT'))
        return this.command(['EVAL', source, String(keys.length), ...keys, ...args]);
      throw error;
    }
  }

  async open(streamId: string): Promise<void> {
    await this.script(OPEN_SCRIPT, [this.keyOf(streamId)], [String(this.idleTtlMs)]);
  }

  async append(streamId: string, event: StreamEvent): Promise<void> {
    const args = [
      String(event.seq),
      event.type === 'delta' ? 'd' : 'e',
      event.type === 'delta' ? event.text : '',
      String(this.idleTtlMs),
      String(this.retentionMs),
    ];
    try {
      await this.script(APPEND_SCRIPT, [this.keyOf(streamId)], args);
    } catch (error) {
      if (error instanceof ErrorReply && error.message.startsWith('NOTOPEN'))
        throw new Error(`stream ${streamId} is not open`, { cause: error });
      if (error instanceof ErrorReply && error.message.startsWith('BADSEQ'))
        throw new Error(`stream ${streamId}: ${error.message.slice('BADSEQ '.length)}`, {
          cause: error,
        });
      throw error;
    }
  }

  async snapshot(streamId: string): Promise<StreamEvent[]> {
    const events: StreamEvent[] = [];
    // From just after the open marker, a page at a time.
    for (let from = `(${OPEN_MARKER}`; ;) {
      const batch = parseEntries(
        await this.command([
          'XRANGE',
          this.keyOf(streamId),
          from,
          '+',
          'COUNT',
          String(ENTRIES_PER_READ),
        ]),
      );
      events.push(...batch.map((entry) => entry.event));
      if (batch.length < ENTRIES_PER_READ) return events;
      from = `(${batch.at(-1)!.id}`;
    }
  }

  async has(streamId: string): Promise<boolean> {
    return Number(await this.command(['EXISTS', this.keyOf(streamId)])) === 1;
  }

  async *read(streamId: string, afterSeq: number, signal: AbortSignal): AsyncIterable<StreamEvent> {
    if (this.closed || signal.aborted) return;
    const key = this.keyOf(streamId);
    let last = positionAfter(afterSeq);
    let nextSeq = afterSeq < 0 ? 0 : Math.floor(afterSeq) + 1;
    const inbox = new Inbox();
    // Follow first, then look: whatever is appended after the look reaches the inbox.
    const polledFrom = this.poller.follow(key, last, inbox);
    try {
      // One look at the stream's last entry: absent, or ended before this position, means nothing to read.
      const [tail] = parseTail(await this.command(['XREVRANGE', key, '+', '-', 'COUNT', '1']));
      if (!tail || (tail.type === 'e' && compareIds(tail.id, last) <= 0)) return;
      // Take each entry once, in order; a hole means Redis lost entries, never skip it silently.
      const accept = (entry: Entry): 'skip' | 'yield' => {
        if (compareIds(entry.id, last) <= 0) return 'skip';
        if (entry.event.seq !== nextSeq)
          throw new StreamLostError(streamId, `expected seq ${nextSeq}, found ${entry.event.seq}`);
        last = entry.id;
        nextSeq++;
        return 'yield';
      };
      /** Entries after `last` up to `until` (inclusive, or exclusive with a leading '('), read from Redis. */
      const fetch = async (until: string): Promise<Entry[]> =>
        parseEntries(
          await this.command(['XRANGE', key, `(${last}`, until, 'COUNT', String(ENTRIES_PER_READ)]),
        );
      // Entries the poller delivered to earlier readers before this one joined.
      while (compareIds(last, polledFrom) < 0) {
        const batch = await fetch(polledFrom);
        if (batch.length === 0) break;
        for (const entry of batch) {
          if (accept(entry) === 'skip') continue;
          yield entry.event;
          if (entry.event.type === 'end') return;
        }
      }
      for (;;) {
        const batch = await inbox.take(signal);
        if (batch === null) return;
        for (const entry of batch) {
          // The poller may have started past this reader: an earlier reader asked for entries
          // after a seq not yet appended when this one caught up. Those entries are in Redis now.
          while (compareIds(entry.id, last) > 0 && entry.event.seq > nextSeq) {
            const missing = await fetch(`(${entry.id}`);
            if (missing.length === 0) break;
            for (const earlier of missing) {
              if (accept(earlier) === 'skip') continue;
              yield earlier.event;
            }
          }
          if (accept(entry) === 'skip') continue;
          yield entry.event;
          if (entry.event.type === 'end') return;
        }
      }
    } finally {
      this.poller.unfollow(key, inbox);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watchers.close();
    await this.poller.close();
    // A graceful close waits for pending commands, which wait for Redis if it is away: bounded.
    const closing = this.commands.close();
    const closed = await Promise.race([closing.then(() => true), sleep(2_000, false)]).catch(
      () => false,
    );
    if (!closed) this.commands.destroy();
    closing.catch(() => undefined);
  }
}
