/** API keys as stored: a public prefix, a hash, scopes, and their life (expiry, revocation). */
import type { SqlDatabase } from './database.js';
import type { Page } from './generations.js';

/** Where a revocation is announced to every process sharing a PostgreSQL database. */
export const KEY_REVOKED_CHANNEL = 'api_key_revoked';

/**
 * Told of revocations (see `followRevocations`): `revoked` with the key's prefix; `listening` once
 * every revocation will reach it, `lost` when some may not (what it kept must then go).
 */
export interface RevocationListener {
  revoked(prefix: string): void;
  listening(): void;
  lost(): void;
}

export interface ApiKeyRecord {
  id: string;
  accountId: string;
  prefix: string;
  hash: string;
  scopes: string[];
  description: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

interface Row {
  id: string;
  account_id: string;
  prefix: string;
  hash: string;
  scopes: string[];
  description: string | null;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

const toRecord = (row: Row): ApiKeyRecord => ({
  id: row.id,
  accountId: row.account_id,
  prefix: row.prefix,
  hash: row.hash,
  scopes: row.scopes,
  description: row.description,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at,
  lastUsedAt: row.last_used_at,
});

export class ApiKeyRepository {
  /** Listeners in this process, told at once when this repository revokes a key. */
  private readonly followers = new Set<RevocationListener>();

  constructor(private readonly db: SqlDatabase) {}

  async insert(
    key: Omit<ApiKeyRecord, 'createdAt' | 'revokedAt' | 'lastUsedAt'>,
  ): Promise<ApiKeyRecord> {
    const [row] = await this.db.query<Row>(
      `INSERT INTO api_keys (id, account_id, prefix, hash, scopes, description, expires_at) VALUES ($1, $2, $3, $4, $5::text[], $6, $7) RETURNING *`,
      [key.id, key.accountId, key.prefix, key.hash, key.scopes, key.description, key.expiresAt],
    );
    return toRecord(row!);
  }

  async findByPrefix(prefix: string): Promise<ApiKeyRecord | null> {
    const [row] = await this.db.query<Row>('SELECT * FROM api_keys WHERE prefix = $1', [prefix]);
    return row ? toRecord(row) : null;
  }

  /** Keys of an account, newest first (any account with `accountId` null: for operators). */
  async list(accountId: string | null): Promise<ApiKeyRecord[]> {
    const rows = await this.db.query<Row>(
      'SELECT * FROM api_keys WHERE ($1::text IS NULL OR account_id = $1) ORDER BY created_at DESC, id',
      [accountId],
    );
    return rows.map(toRecord);
  }

  /** One page of keys, newest first, after a keyset cursor (`first` + 1 rows tell whether more follow). */
  async page(
    accountId: string | null,
    first: number,
    after: { createdAt: Date; id: string } | null,
  ): Promise<Page<ApiKeyRecord>> {
    const rows = await this.db.query<Row>(
      `SELECT * FROM api_keys WHERE ($1::text IS NULL OR account_id = $1)
         AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
       ORDER BY created_at DESC, id DESC LIMIT $4`,
      [accountId, after?.createdAt ?? null, after?.id ?? null, first + 1],
    );
    return { items: rows.slice(0, first).map(toRecord), hasNextPage: rows.length > first };
  }

  /** How many keys there are (of one account, when given). */
  async count(accountId: string | null): Promise<number> {
    const [row] = await this.db.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM api_keys WHERE ($1::text IS NULL OR account_id = $1)',
      [accountId],
    );
    return row?.count ?? 0;
  }

  /**
   * Revokes by id or prefix; null when there is no such key (for that account, when given). The
   * same statement announces it on KEY_REVOKED_CHANNEL (sent when it commits, so never for a
   * revocation that did not happen), and this process's followers hear it before this returns.
   */
  async revoke(idOrPrefix: string, accountId: string | null): Promise<ApiKeyRecord | null> {
    const [row] = await this.db.query<Row>(
      `WITH revoked AS (
         UPDATE api_keys SET revoked_at = coalesce(revoked_at, now())
         WHERE (id::text = $1 OR prefix = $1) AND ($2::text IS NULL OR account_id = $2) RETURNING *
       )
       SELECT revoked.*, pg_notify('${KEY_REVOKED_CHANNEL}', revoked.prefix)::text AS notified
       FROM revoked`,
      [idOrPrefix, accountId],
    );
    if (!row) return null;
    for (const follower of this.followers) follower.revoked(row.prefix);
    return toRecord(row);
  }

  /**
   * Tells `listener` of every key revoked from now on: by this repository at once, and on
   * PostgreSQL by any process sharing the database (LISTEN, a few milliseconds after the commit).
   * PGlite has no other process: it is `listening` from the start. Returns the way to stop.
   */
  async followRevocations(listener: RevocationListener): Promise<() => Promise<void>> {
    this.followers.add(listener);
    const unlisten = this.db.listen
      ? await this.db.listen(KEY_REVOKED_CHANNEL, {
          notified: (prefix) => listener.revoked(prefix),
          listening: () => listener.listening(),
          lost: () => listener.lost(),
        })
      : (listener.listening(), async () => undefined);
    return async () => {
      this.followers.delete(listener);
      await unlisten();
    };
  }

  /** Of these prefixes, those whose key can no longer authenticate (revoked or expired). */
  async unusable(prefixes: readonly string[]): Promise<string[]> {
    const rows = await this.db.query<{ prefix: string }>(
      'SELECT prefix FROM api_keys WHERE prefix = ANY($1::text[]) AND (revoked_at IS NOT NULL OR expires_at <= now())',
      [prefixes],
    );
    return rows.map((row) => row.prefix);
  }

  /** Whether any key could still authenticate (not revoked, not expired). */
  async anyUsable(): Promise<boolean> {
    const rows = await this.db.query(
      'SELECT 1 FROM api_keys WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()) LIMIT 1',
    );
    return rows.length > 0;
  }

  async touch(id: string): Promise<void> {
    await this.db.query('UPDATE api_keys SET last_used_at = now() WHERE id = $1', [id]);
  }
}
