/** Taxonomies and their versions, and each account's default taxonomy. */
import type { SqlDatabase } from '../database.js';

export interface CategoryRecord {
  name: string;
  description: string;
  examples: string[];
  /** Where tickets of this category go in the customer's help desk (a group or queue id). */
  target: string | null;
}

export interface KeywordRule {
  /** A word or phrase; a ticket containing it (case-insensitive, whole words) is routed by the rule. */
  keyword: string;
  category: string;
}

export interface CascadePolicy {
  /** The local model decides alone at or above this confidence. */
  localThreshold: number;
  /** Below this confidence (after the LLM), or on Unknown or disagreement, a person reviews. */
  reviewThreshold: number;
  rules: KeywordRule[];
}

export interface TaxonomyRecord {
  id: string;
  accountId: string;
  name: string;
  version: number;
  categories: CategoryRecord[];
  policy: CascadePolicy;
  createdAt: Date;
  updatedAt: Date;
}

interface TaxonomyRow {
  id: string;
  account_id: string;
  name: string;
  version: number;
  categories: CategoryRecord[];
  policy: CascadePolicy;
  created_at: Date;
  updated_at: Date;
}

const toRecord = (row: TaxonomyRow): TaxonomyRecord => ({
  id: row.id,
  accountId: row.account_id,
  name: row.name,
  version: row.version,
  categories: row.categories,
  policy: row.policy,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const CURRENT = `SELECT t.*, v.categories, v.policy FROM taxonomies t JOIN taxonomy_versions v ON v.taxonomy_id = t.id AND v.version = t.version`;

export class TaxonomyRepository {
  constructor(private readonly db: SqlDatabase) {}

  /** Creates version 1; returns null when the account already has a taxonomy of that name. */
  async create(record: {
    id: string;
    accountId: string;
    name: string;
    categories: CategoryRecord[];
    policy: CascadePolicy;
  }): Promise<TaxonomyRecord | null> {
    return this.db.transaction(async (tx) => {
      const inserted = await tx.query<{ id: string }>(
        `INSERT INTO taxonomies (id, account_id, name, version) VALUES ($1, $2, $3, 1) ON CONFLICT (account_id, name) DO NOTHING RETURNING id`,
        [record.id, record.accountId, record.name],
      );
      if (inserted.length === 0) return null;
      await tx.query(
        `INSERT INTO taxonomy_versions (taxonomy_id, version, categories, policy) VALUES ($1, 1, $2::jsonb, $3::jsonb)`,
        [record.id, JSON.stringify(record.categories), JSON.stringify(record.policy)],
      );
      const [row] = await tx.query<TaxonomyRow>(`${CURRENT} WHERE t.id = $1`, [record.id]);
      return toRecord(row!);
    });
  }

  /** Stores a new version; the previous ones stay for the predictions that name them. */
  async update(
    accountId: string,
    id: string,
    change: { categories: CategoryRecord[]; policy: CascadePolicy },
  ): Promise<TaxonomyRecord | null> {
    return this.db.transaction(async (tx) => {
      const bumped = await tx.query<{ version: number }>(
        `UPDATE taxonomies SET version = version + 1, updated_at = now() WHERE account_id = $1 AND id = $2 RETURNING version`,
        [accountId, id],
      );
      if (!bumped[0]) return null;
      await tx.query(
        `INSERT INTO taxonomy_versions (taxonomy_id, version, categories, policy) VALUES ($1, $2, $3::jsonb, $4::jsonb)`,
        [id, bumped[0].version, JSON.stringify(change.categories), JSON.stringify(change.policy)],
      );
      const [row] = await tx.query<TaxonomyRow>(`${CURRENT} WHERE t.id = $1`, [id]);
      return toRecord(row!);
    });
  }

  async findByIds(accountId: string, ids: readonly string[]): Promise<(TaxonomyRecord | null)[]> {
    const rows = await this.db.query<TaxonomyRow>(
      `${CURRENT} WHERE t.account_id = $1 AND t.id = ANY($2::uuid[])`,
      [accountId, ids],
    );
    const byId = new Map(rows.map((row) => [row.id, toRecord(row)]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  async findByName(accountId: string, name: string): Promise<TaxonomyRecord | null> {
    const [row] = await this.db.query<TaxonomyRow>(
      `${CURRENT} WHERE t.account_id = $1 AND t.name = $2`,
      [accountId, name],
    );
    return row ? toRecord(row) : null;
  }

  async list(accountId: string): Promise<TaxonomyRecord[]> {
    return (
      await this.db.query<TaxonomyRow>(
        `${CURRENT} WHERE t.account_id = $1 ORDER BY t.created_at DESC, t.id`,
        [accountId],
      )
    ).map(toRecord);
  }

  /** A page of the account's taxonomies, newest first (`first` + 1 rows tell whether more follow). */
  async page(
    accountId: string,
    first: number,
    after: { createdAt: Date; id: string } | null,
  ): Promise<{ items: TaxonomyRecord[]; hasNextPage: boolean }> {
    const params: unknown[] = [accountId, first + 1];
    let keyset = '';
    if (after) {
      params.push(after.createdAt, after.id);
      keyset = ' AND (t.created_at, t.id) < ($3, $4::uuid)';
    }
    const rows = await this.db.query<TaxonomyRow>(
      `${CURRENT} WHERE t.account_id = $1${keyset} ORDER BY t.created_at DESC, t.id DESC LIMIT $2`,
      params,
    );
    return { items: rows.slice(0, first).map(toRecord), hasNextPage: rows.length > first };
  }

  async count(accountId: string): Promise<number> {
    const [row] = await this.db.query<{ count: number | string }>(
      'SELECT count(*) AS count FROM taxonomies WHERE account_id = $1',
      [accountId],
    );
    return Number(row?.count ?? 0);
  }

  /** The account's default taxonomy: the one set with setDefaultTaxonomy, else the newest. */
  async findDefault(accountId: string): Promise<TaxonomyRecord | null> {
    const [row] = await this.db.query<TaxonomyRow>(
      `${CURRENT} LEFT JOIN account_settings s ON s.account_id = t.account_id
       WHERE t.account_id = $1
       ORDER BY (s.default_taxonomy_id = t.id) IS TRUE DESC, t.created_at DESC, t.id LIMIT 1`,
      [accountId],
    );
    return row ? toRecord(row) : null;
  }

  async setDefault(accountId: string, taxonomyId: string): Promise<void> {
    await this.db.query(
      `INSERT INTO account_settings (account_id, default_taxonomy_id) VALUES ($1, $2)
       ON CONFLICT (account_id) DO UPDATE SET default_taxonomy_id = EXCLUDED.default_taxonomy_id`,
      [accountId, taxonomyId],
    );
  }
}
