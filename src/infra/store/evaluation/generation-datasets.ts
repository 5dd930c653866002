/** Generation datasets: named sets of cases (feature, input, optional reference and rubric). */
import { createHash } from 'node:crypto';
import type { Feature } from '../../../domain.js';
import type { SqlDatabase } from '../database.js';

export interface GenerationDatasetRecord {
  id: string;
  accountId: string;
  name: string;
  description: string;
  createdAt: Date;
}

export interface GenerationCase {
  feature: Feature;
  input: unknown;
  reference: string | null;
  rubric: string[];
  requiredSections: string[];
  minWords: number | null;
  maxWords: number | null;
}

export interface GenerationCaseRecord extends GenerationCase {
  id: string;
  datasetId: string;
  createdAt: Date;
}

interface DatasetRow {
  id: string;
  account_id: string;
  name: string;
  description: string;
  created_at: Date;
}

interface CaseRow {
  id: string;
  dataset_id: string;
  feature: Feature;
  input: unknown;
  reference: string | null;
  rubric: string[];
  required_sections: string[];
  min_words: number | null;
  max_words: number | null;
  created_at: Date;
}

const toDataset = (row: DatasetRow): GenerationDatasetRecord => ({
  id: row.id,
  accountId: row.account_id,
  name: row.name,
  description: row.description,
  createdAt: row.created_at,
});

const toCase = (row: CaseRow): GenerationCaseRecord => ({
  id: row.id,
  datasetId: row.dataset_id,
  feature: row.feature,
  input: row.input,
  reference: row.reference,
  rubric: row.rubric,
  requiredSections: row.required_sections,
  minWords: row.min_words,
  maxWords: row.max_words,
  createdAt: row.created_at,
});

/** A case's identity: re-importing the same case changes nothing. */
function caseHash(item: GenerationCase): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        item.feature,
        item.input,
        item.reference,
        item.rubric,
        item.requiredSections,
        item.minWords,
        item.maxWords,
      ]),
    )
    .digest('hex');
}

export class GenerationDatasetRepository {
  constructor(private readonly db: SqlDatabase) {}

  /** Null when the account already has a dataset of that name. */
  async create(record: {
    id: string;
    accountId: string;
    name: string;
    description: string;
  }): Promise<GenerationDatasetRecord | null> {
    const [row] = await this.db.query<DatasetRow>(
      `INSERT INTO generation_datasets (id, account_id, name, description) VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, name) DO NOTHING RETURNING *`,
      [record.id, record.accountId, record.name, record.description],
    );
    return row ? toDataset(row) : null;
  }

  async findById(accountId: string, id: string): Promise<GenerationDatasetRecord | null> {
    const [row] = await this.db.query<DatasetRow>(
      `SELECT * FROM generation_datasets WHERE account_id = $1 AND id = $2`,
      [accountId, id],
    );
    return row ? toDataset(row) : null;
  }

  /** One page of the account's datasets, newest first, after a keyset cursor. */
  async page(
    accountId: string,
    first: number,
    after: { createdAt: Date; id: string } | null,
  ): Promise<{ items: GenerationDatasetRecord[]; hasNextPage: boolean }> {
    const rows = await this.db.query<DatasetRow>(
      `SELECT * FROM generation_datasets WHERE account_id = $1
         AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
       ORDER BY created_at DESC, id DESC LIMIT $4`,
      [accountId, after?.createdAt ?? null, after?.id ?? null, first + 1],
    );
    return { items: rows.slice(0, first).map(toDataset), hasNextPage: rows.length > first };
  }

  /** How many datasets the account has. */
  async count(accountId: string): Promise<number> {
    const [row] = await this.db.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM generation_datasets WHERE account_id = $1',
      [accountId],
    );
    return row?.count ?? 0;
  }

  async list(accountId: string): Promise<GenerationDatasetRecord[]> {
    return (
      await this.db.query<DatasetRow>(
        `SELECT * FROM generation_datasets WHERE account_id = $1 ORDER BY created_at DESC, id`,
        [accountId],
      )
    ).map(toDataset);
  }

  /** Stores new cases in one statement; returns how many were new. */
  async insertCases(
    accountId: string,
    datasetId: string,
    cases: readonly GenerationCase[],
  ): Promise<number> {
    if (cases.length === 0) return 0;
    const rows = await this.db.query<{ id: string }>(
      // created_at a microsecond apart per row keeps the cases in the order they were given.
      `INSERT INTO generation_cases (id, account_id, dataset_id, feature, input, reference, rubric, required_sections, min_words, max_words, content_hash, created_at)
       SELECT gen_random_uuid(), $1, $2, c.feature, c.input::jsonb, c.reference, c.rubric::jsonb, c.required_sections::jsonb, c.min_words, c.max_words, c.hash,
         now() + c.n * interval '1 microsecond'
       FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::int[], $10::text[]) WITH ORDINALITY
         AS c(feature, input, reference, rubric, required_sections, min_words, max_words, hash, n)
       ON CONFLICT (dataset_id, content_hash) DO NOTHING
       RETURNING id`,
      [
        accountId,
        datasetId,
        cases.map((item) => item.feature),
        cases.map((item) => JSON.stringify(item.input)),
        cases.map((item) => item.reference),
        cases.map((item) => JSON.stringify(item.rubric)),
        cases.map((item) => JSON.stringify(item.requiredSections)),
        cases.map((item) => item.minWords),
        cases.map((item) => item.maxWords),
        cases.map(caseHash),
      ],
    );
    return rows.length;
  }

  async cases(accountId: string, datasetId: string): Promise<GenerationCaseRecord[]> {
    return (
      await this.db.query<CaseRow>(
        `SELECT * FROM generation_cases WHERE account_id = $1 AND dataset_id = $2 ORDER BY created_at, id`,
        [accountId, datasetId],
      )
    ).map(toCase);
  }

  async casesByIds(accountId: string, ids: readonly string[]): Promise<GenerationCaseRecord[]> {
    return (
      await this.db.query<CaseRow>(
        `SELECT * FROM generation_cases WHERE account_id = $1 AND id = ANY($2::uuid[])`,
        [accountId, ids],
      )
    ).map(toCase);
  }

  async countCases(accountId: string, datasetId: string): Promise<number> {
    const [row] = await this.db.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM generation_cases WHERE account_id = $1 AND dataset_id = $2`,
      [accountId, datasetId],
    );
    return row?.count ?? 0;
  }
}
