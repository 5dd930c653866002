/**
 * API keys: 32 random bytes, shown once. At rest only a SHA-256 hash is kept — appropriate for
 * keys with 256 bits of entropy, which no dictionary or brute force reaches, so a slow password
 * hash would only slow every request — plus a short public prefix to find the row and to tell
 * keys apart in listings and logs.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { badInput } from '../errors.js';
import type { ApiKeyRecord, ApiKeyRepository } from '../infra/store/api-keys.js';
import { SCOPES, isScope, type Scope } from './scopes.js';

const KEY_PATTERN = /^ais_([0-9a-f]{10})_([A-Za-z0-9_-]{43})$/;

const hashOf = (key: string) => createHash('sha256').update(key).digest('hex');

export interface IssuedKey {
  /** The secret, to hand to the caller once; never stored. */
  key: string;
  record: ApiKeyRecord;
}

export async function issueApiKey(
  keys: ApiKeyRepository,
  request: {
    accountId: string;
    scopes: readonly string[];
    description?: string | null;
    expiresAt?: Date | null;
  },
): Promise<IssuedKey> {
  if (!/^[a-z0-9][a-z0-9._-]{0,62}$/i.test(request.accountId))
    throw badInput('accountId: 1 to 63 letters, digits, dots, dashes or underscores');
  const unknown = request.scopes.filter((scope) => !isScope(scope));
  if (unknown.length > 0 || request.scopes.length === 0)
    throw badInput(
      `scopes: choose from ${SCOPES.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`,
    );
  if (request.expiresAt && request.expiresAt.getTime() <= Date.now())
    throw badInput('expiresAt: must be in the future');
  const prefix = randomBytes(5).toString('hex');
  const key = `ais_${prefix}_${randomBytes(32).toString('base64url')}`;
  const record = await keys.insert({
    id: randomUUID(),
    accountId: request.accountId,
    prefix: `ais_${prefix}`,
    hash: hashOf(key),
    scopes: [...new Set(request.scopes)],
    description: request.description ?? null,
    expiresAt: request.expiresAt ?? null,
  });
  return { key, record };
}

/** The public prefix (`ais_<10 hex>`) of a presented key, or null when it is not shaped like one. */
export function keyPrefixOf(presented: string): string | null {
  const match = KEY_PATTERN.exec(presented);
  return match ? `ais_${match[1]}` : null;
}

/** How often each replica re-checks the keys its open websockets were authenticated with. */
export const KEY_RECHECK_INTERVAL_MS = 2_000;

/**
 * Tells whoever holds something a key opened (a websocket) when that key stops being valid. A key
 * is checked once, when the socket opens, so without this a revoked key kept its sockets. The
 * replica that revokes a key tells its own watchers at once; every replica also re-checks the keys
 * its watchers hold every KEY_RECHECK_INTERVAL_MS, in one query whatever the number of sockets,
 * which reaches keys revoked elsewhere (another replica, `npm run keys -- revoke`) and keys that
 * reached their expiry. Polling rather than LISTEN/NOTIFY or pub/sub: it needs nothing PGlite,
 * PostgreSQL and Redis do not all have, and a notification lost while a replica reconnects would
 * leave a revoked socket open for good.
 */
export class KeyRevocationWatch {
  private readonly watchers = new Map<string, Set<() => void>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly intervalMs = KEY_RECHECK_INTERVAL_MS,
  ) {}

  /** Calls `onInvalid` once the key with this prefix is revoked or expires; returns the way to stop watching. */
  watch(prefix: string, onInvalid: () => void): () => void {
    const set = this.watchers.get(prefix) ?? new Set();
    set.add(onInvalid);
    this.watchers.set(prefix, set);
    // Only while something is watched: an idle replica runs no query.
    this.timer ??= setInterval(() => void this.recheck(), this.intervalMs).unref();
    return () => {
      set.delete(onInvalid);
      // The set may already be gone (invalidated), and a new one watch the same prefix since.
      if (set.size === 0 && this.watchers.get(prefix) === set) this.watchers.delete(prefix);
      if (this.watchers.size === 0) this.stopTimer();
    };
  }

  /** Revokes a key (by id or prefix, within an account when given) and ends what it opened here at once. */
  async revoke(idOrPrefix: string, accountId: string | null): Promise<ApiKeyRecord | null> {
    const record = await this.keys.revoke(idOrPrefix, accountId);
    if (record) this.invalidate(record.prefix);
    return record;
  }

  private async recheck(): Promise<void> {
    if (this.watchers.size === 0) return;
    let invalid: string[];
    try {
      invalid = await this.keys.unusable([...this.watchers.keys()]);
    } catch {
      // A store that cannot be reached says nothing about the keys: the next tick asks again.
      return;
    }
    for (const prefix of invalid) this.invalidate(prefix);
  }

  /**
   * Ends what the key with this prefix opened here, at once: for a revocation announced by
   * another replica (VerifiedKeyCache hears them), sooner than the next re-check.
   */
  invalidate(prefix: string): void {
    const set = this.watchers.get(prefix);
    this.watchers.delete(prefix);
    if (this.watchers.size === 0) this.stopTimer();
    for (const onInvalid of set ?? []) onInvalid();
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

export type KeyCheck =
  | { ok: true; accountId: string; scopes: Scope[]; keyId: string }
  | { ok: false; reason: 'malformed' | 'unknown' | 'revoked' | 'expired' };

/** Checks a presented key against its stored record, found through `keys` (the repository, or a VerifiedKeyCache). */
export async function verifyApiKey(
  keys: Pick<ApiKeyRepository, 'findByPrefix'>,
  presented: string,
): Promise<KeyCheck> {
  const prefix = keyPrefixOf(presented);
  if (!prefix) return { ok: false, reason: 'malformed' };
  const record = await keys.findByPrefix(prefix);
  if (
    !record ||
    !timingSafeEqual(Buffer.from(record.hash, 'hex'), Buffer.from(hashOf(presented), 'hex'))
  )
    return { ok: false, reason: 'unknown' };
  if (record.revokedAt) return { ok: false, reason: 'revoked' };
  if (record.expiresAt && record.expiresAt.getTime() <= Date.now())
    return { ok: false, reason: 'expired' };
  return {
    ok: true,
    accountId: record.accountId,
    scopes: record.scopes.filter(isScope),
    keyId: record.id,
  };
}
