/**
 * Taxonomies and their versions, and each account's default taxonomy. A version's categories and
 * policy never change once committed (an edit stores a new version), so they are read from the
 * database once per version and kept: a read of a taxonomy (every `routeTicket` makes one) then
 * fetches only its small head row, which names the current version, instead of the version's
 * JSON (150 categories: about 0.5 ms of CPU per read on PGlite).
 */
import type { SqlDatabase } from '../database.js';
import { groupedCalls } from './grouped-calls.js';

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

/** A row of `taxonomies`: which version is current. */
interface HeadRow {
  id: string;
  account_id: string;
  name: string;
  version: number;
  created_at: Date;
  updated_at: Date;
}

/** What a version holds. */
interface VersionContent {
  categories: CategoryRecord[];
  policy: CascadePolicy;
}

type TaxonomyRow = HeadRow & VersionContent;

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
const HEAD = `SELECT t.* FROM taxonomies t`;

/** Versions kept in memory (oldest dropped first); a few per account's taxonomies in practice. */
const MAX_CACHED_VERSIONS = 1_000;

/** Shared by every reader of the version: frozen, so that no caller can change it for the others. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

export class TaxonomyRepository {
  /** Committed versions' content by `taxonomy id:version`. */
  private readonly versions = new Map<string, VersionContent>();
  /** Every `routeTicket` reads its taxonomy: the reads of concurrent requests share a statement. */
  private readonly groupedHeads = groupedCalls((keys: { accountId: string; id: string }[]) =>
    this.headsOf(keys),
  );

  constructor(private readonly db: SqlDatabase) {}

  /**
   * Head rows as records: their versions' content from memory, the ones not read before in one
   * statement. Only committed versions are kept (read here, outside the transactions that write
   * them), so a version number that a rolled-back edit used is never remembered.
   */
  private async withContent(heads: readonly HeadRow[]): Promise<TaxonomyRecord[]> {
    const key = (id: string, version: number) => `${id}:${version}`;
    const missing = heads.filter((head) => !this.versions.has(key(head.id, head.version)));
    if (missing.length > 0) {
      const rows = await this.db.query<VersionContent & { taxonomy_id: string; version: number }>(
        `SELECT v.taxonomy_id, v.version, v.categories, v.policy
         FROM unnest($1::uuid[], $2::int[]) AS k(taxonomy_id, version)
         JOIN taxonomy_versions v ON v.taxonomy_id = k.taxonomy_id AND v.version = k.version`,
        [missing.map((head) => head.id), missing.map((head) => head.version)],
      );
      for (const row of rows) {
        if (this.versions.size >= MAX_CACHED_VERSIONS)
          this.versions.delete(this.versions.keys().next().value!);
        this.versions.set(
          key(row.taxonomy_id, row.version),
          deepFreeze({ categories: row.categories, policy: row.policy }),
        );
      }
    }
    return heads.map((head) => {
      const content = this.versions.get(key(head.id, head.version));
      if (!content) throw new Error(`taxonomy ${head.id} has no version ${head.version}`);
      return toRecord({ ...head, ...content });
    });
  }

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

  /** Null where the account has no such taxonomy. Concurrent calls share one statement. */
  async findByIds(accountId: string, ids: readonly string[]): Promise<(TaxonomyRecord | null)[]> {
    if (ids.length === 0) return [];
    const heads = await this.groupedHeads.push(ids.map((id) => ({ accountId, id })));
    const found = heads.filter((head): head is HeadRow => head !== null);
    const byId = new Map((await this.withContent(found)).map((record) => [record.id, record]));
    return heads.map((head) => (head ? byId.get(head.id)! : null));
  }

  /** Heads by account and id (keys of several calls, and accounts), in the order asked. */
  private async headsOf(keys: { accountId: string; id: string }[]): Promise<(HeadRow | null)[]> {
    const rows = await this.db.query<HeadRow & { ordinal: number }>(
      `SELECT t.*, k.ordinal FROM unnest($1::text[], $2::uuid[]) WITH ORDINALITY AS k(account_id, id, ordinal)
       JOIN taxonomies t ON t.account_id = k.account_id AND t.id = k.id`,
      [keys.map((key) => key.accountId), keys.map((key) => key.id)],
    );
    const byOrdinal = new Map(rows.map(({ ordinal, ...head }) => [Number(ordinal), head]));
    return keys.map((_, index) => byOrdinal.get(index + 1) ?? null);
  }

  async findByName(accountId: string, name: string): Promise<TaxonomyRecord | null> {
    const heads = await this.db.query<HeadRow>(`${HEAD} WHERE t.account_id = $1 AND t.name = $2`, [
      accountId,
      name,
    ]);
    return (await this.withContent(heads))[0] ?? null;
  }

  async list(accountId: string): Promise<TaxonomyRecord[]> {
    return this.withContent(
      await this.db.query<HeadRow>(
        `${HEAD} WHERE t.account_id = $1 ORDER BY t.created_at DESC, t.id`,
        [accountId],
      ),
    );
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
    const heads = await this.db.query<HeadRow>(
      `${HEAD} WHERE t.account_id = $1${keyset} ORDER BY t.created_at DESC, t.id DESC LIMIT $2`,
      params,
    );
    return {
      items: await this.withContent(heads.slice(0, first)),
      hasNextPage: heads.length > first,
    };
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
    const heads = await this.db.query<HeadRow>(
      `${HEAD} LEFT JOIN account_settings s ON s.account_id = t.account_id
       WHERE t.account_id = $1
       ORDER BY (s.default_taxonomy_id = t.id) IS TRUE DESC, t.created_at DESC, t.id LIMIT 1`,
      [accountId],
    );
    return (await this.withContent(heads))[0] ?? null;
  }

  async setDefault(accountId: string, taxonomyId: string): Promise<void> {
    await this.db.query(
      `INSERT INTO account_settings (account_id, default_taxonomy_id) VALUES ($1, $2)
       ON CONFLICT (account_id) DO UPDATE SET default_taxonomy_id = EXCLUDED.default_taxonomy_id`,
      [accountId, taxonomyId],
    );
  }
}
