/** API keys as stored: a public prefix, a hash, scopes, and their life (expiry, revocation). */
import type { SqlDatabase } from './database.js';

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

  /** Revokes by id or prefix; null when there is no such key (for that account, when given). */
  async revoke(idOrPrefix: string, accountId: string | null): Promise<ApiKeyRecord | null> {
    const [row] = await this.db.query<Row>(
      `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now())
       WHERE (id::text = $1 OR prefix = $1) AND ($2::text IS NULL OR account_id = $2) RETURNING *`,
      [idOrPrefix, accountId],
    );
    return row ? toRecord(row) : null;
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
