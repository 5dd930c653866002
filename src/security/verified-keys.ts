/**
 * The API keys this replica has looked up, kept so that a request does not pay a database round
 * trip to be authenticated (a statement on each request, and on PostgreSQL a backend's CPU too).
 * Revocation stays immediate: the store tells this cache of every revocation (its own at once,
 * those of other replicas and of `npm run keys -- revoke` over PostgreSQL's LISTEN/NOTIFY), and
 * while those announcements cannot reach it (before LISTEN, or once its connection dropped) it
 * keeps nothing and every lookup goes to the store, as before.
 *
 * What is kept is the stored record (prefix, hash, scopes, expiry), never the presented secret:
 * `verifyApiKey` still hashes what was presented and compares it in constant time, and checks the
 * expiry against the clock on every request. Unknown prefixes are not kept, so guessing at keys
 * cannot fill the memory. `maxAgeMs` bounds how long an entry lives even so: a key revoked by
 * hand in SQL, which announces nothing, stops working within it.
 */
import type { ApiKeyRecord, ApiKeyRepository } from '../infra/store/api-keys.js';

/** How a key is found by its prefix: the repository itself, or this cache in front of it. */
export interface KeyLookup {
  findByPrefix(prefix: string): Promise<ApiKeyRecord | null>;
}

export interface VerifiedKeyCacheOptions {
  /** Keys kept at most; the least recently looked up go first. Default 10,000. */
  maxEntries?: number;
  /** How long an entry is trusted at most, without any announcement. Default 60 s. */
  maxAgeMs?: number;
  /** Told of every revocation announced, with the key's prefix (to end what it opened). */
  onRevoked?: (prefix: string) => void;
}

export class VerifiedKeyCache implements KeyLookup {
  private readonly entries = new Map<string, { record: ApiKeyRecord; at: number }>();
  /** Whether every revocation reaches this cache now; nothing is kept while it is false. */
  private following = false;
  /**
   * Bumped by every revocation and by every loss of the announcements: a lookup that was reading
   * the store while one arrived may hold the row as it was before, so it does not keep it.
   */
  private epoch = 0;
  private stop: (() => Promise<void>) | undefined;
  private readonly maxEntries: number;
  private readonly maxAgeMs: number;
  private readonly onRevoked: ((prefix: string) => void) | undefined;
  /** Lookups answered from memory and from the store, for tests and metrics. */
  readonly counts = { hits: 0, misses: 0 };

  constructor(
    private readonly keys: Pick<ApiKeyRepository, 'findByPrefix' | 'followRevocations'>,
    options: VerifiedKeyCacheOptions = {},
  ) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.maxAgeMs = options.maxAgeMs ?? 60_000;
    this.onRevoked = options.onRevoked;
  }

  /** Starts following revocations; until then (and after `close`) every lookup reads the store. */
  async open(): Promise<void> {
    this.stop ??= await this.keys.followRevocations({
      revoked: (prefix) => {
        this.epoch++;
        this.entries.delete(prefix);
        this.onRevoked?.(prefix);
      },
      listening: () => {
        this.epoch++;
        this.entries.clear();
        this.following = true;
      },
      lost: () => {
        this.epoch++;
        this.entries.clear();
        this.following = false;
      },
    });
  }

  async close(): Promise<void> {
    const stop = this.stop;
    this.stop = undefined;
    this.following = false;
    this.entries.clear();
    await stop?.();
  }

  async findByPrefix(prefix: string): Promise<ApiKeyRecord | null> {
    const entry = this.entries.get(prefix);
    if (entry && Date.now() - entry.at < this.maxAgeMs) {
      this.counts.hits++;
      // Map order is insertion order: moving it to the end makes eviction least-recently-used.
      this.entries.delete(prefix);
      this.entries.set(prefix, entry);
      return entry.record;
    }
    this.counts.misses++;
    const epoch = this.epoch;
    const record = await this.keys.findByPrefix(prefix);
    // A revoked key stays in the store as revoked: only a usable one is worth keeping.
    if (record && !record.revokedAt && this.following && epoch === this.epoch) {
      this.entries.delete(prefix);
      this.entries.set(prefix, { record, at: Date.now() });
      if (this.entries.size > this.maxEntries)
        this.entries.delete(this.entries.keys().next().value!);
    } else if (!record) this.entries.delete(prefix);
    return record;
  }
}
