/** Trained router models, stored as bytes with their metrics; the newest per taxonomy serves. */
import type { SqlDatabase } from '../database.js';

export interface RouterModelMetrics {
  trainedOn: number;
  heldoutAccuracy: number;
  expectedCalibrationError: number;
  threshold: number;
  trainingMs: number;
  categories: number;
  /** Why the model may route poorly; absent on models stored before warnings existed. */
  warnings?: string[];
}

export interface RouterModelRecord {
  id: string;
  accountId: string;
  taxonomyId: string;
  taxonomyVersion: number;
  metrics: RouterModelMetrics;
  createdAt: Date;
}

interface Row {
  id: string;
  account_id: string;
  taxonomy_id: string;
  taxonomy_version: number;
  metrics: RouterModelMetrics;
  created_at: Date;
  model?: Uint8Array;
}

const toRecord = (row: Row): RouterModelRecord => ({
  id: row.id,
  accountId: row.account_id,
  taxonomyId: row.taxonomy_id,
  taxonomyVersion: row.taxonomy_version,
  metrics: row.metrics,
  createdAt: row.created_at,
});

/** What a record is read from: every column but the model's bytes. */
const RECORD_COLUMNS = 'id, account_id, taxonomy_id, taxonomy_version, metrics, created_at';

export class RouterModelRepository {
  constructor(private readonly db: SqlDatabase) {}

  async insert(
    record: Omit<RouterModelRecord, 'createdAt'>,
    model: Uint8Array,
  ): Promise<RouterModelRecord> {
    const [row] = await this.db.query<Row>(
      `INSERT INTO router_models (id, account_id, taxonomy_id, taxonomy_version, model, metrics) VALUES ($1, $2, $3, $4, $5, $6::jsonb)
       RETURNING ${RECORD_COLUMNS}`,
      [
        record.id,
        record.accountId,
        record.taxonomyId,
        record.taxonomyVersion,
        Buffer.from(model),
        JSON.stringify(record.metrics),
      ],
    );
    return toRecord(row!);
  }

  /** The newest model of each given taxonomy, with its bytes. */
  async latestWithBytes(
    accountId: string,
    taxonomyIds: readonly string[],
  ): Promise<{ record: RouterModelRecord; model: Uint8Array }[]> {
    const rows = await this.db.query<Row>(
      `SELECT DISTINCT ON (taxonomy_id) * FROM router_models WHERE account_id = $1 AND taxonomy_id = ANY($2::uuid[]) ORDER BY taxonomy_id, created_at DESC, id DESC`,
      [accountId, taxonomyIds],
    );
    return rows.map((row) => ({ record: toRecord(row), model: new Uint8Array(row.model!) }));
  }

  async latest(
    accountId: string,
    taxonomyIds: readonly string[],
  ): Promise<(RouterModelRecord | null)[]> {
    const rows = await this.db.query<Row>(
      `SELECT DISTINCT ON (taxonomy_id) ${RECORD_COLUMNS} FROM router_models
       WHERE account_id = $1 AND taxonomy_id = ANY($2::uuid[]) ORDER BY taxonomy_id, created_at DESC, id DESC`,
      [accountId, taxonomyIds],
    );
    const byTaxonomy = new Map(rows.map((row) => [row.taxonomy_id, toRecord(row)]));
    return taxonomyIds.map((id) => byTaxonomy.get(id) ?? null);
  }

  /** The account's models with these ids, in their order; null where there is none. */
  async byIds(accountId: string, ids: readonly string[]): Promise<(RouterModelRecord | null)[]> {
    const rows = await this.db.query<Row>(
      `SELECT ${RECORD_COLUMNS} FROM router_models
       WHERE account_id = $1 AND id = ANY($2::uuid[])`,
      [accountId, ids],
    );
    const byId = new Map(rows.map((row) => [row.id, toRecord(row)]));
    return ids.map((id) => byId.get(id) ?? null);
  }
}
