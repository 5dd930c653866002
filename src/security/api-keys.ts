/**
 * API keys: 32 random bytes, shown once. At rest only a SHA-256 hash is kept — appropriate for
 * keys with 256 bits of entropy, which no dictionary or brute force reaches, so a slow password
 * hash would only slow every request — plus a short public prefix to find the row and to tell
 * keys apart in listings and logs.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { badInput } from '../errors.js';
import type { ApiKeyRecord, ApiKeyRepository } from '../store/api-keys.js';
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
    throw badInput('account: 1 to 63 letters, digits, dots, dashes or underscores');
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

export type KeyCheck =
  | { ok: true; accountId: string; scopes: Scope[]; keyId: string }
  | { ok: false; reason: 'malformed' | 'unknown' | 'revoked' | 'expired' };

export async function verifyApiKey(keys: ApiKeyRepository, presented: string): Promise<KeyCheck> {
  const match = KEY_PATTERN.exec(presented);
  if (!match) return { ok: false, reason: 'malformed' };
  const record = await keys.findByPrefix(`ais_${match[1]}`);
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
