/** Every routing decision, for review, evaluation and feedback. */
import type { SqlExecutor } from '../database.js';
import type { GroupCommit } from '../group-commit.js';
import { groupedCalls } from './grouped-calls.js';

export type DecidedBy = 'LOCAL_MODEL' | 'LLM' | 'RULE' | 'HUMAN';

export interface Alternative {
  category: string;
  confidence: number;
}

export interface PredictionRecord {
  id: string;
  accountId: string;
  taxonomyId: string;
  taxonomyVersion: number;
  ticketId: string;
  subject: string | null;
  body: string;
  /** What the ticket said (see `contentHashOf`); null on rows stored before it was kept. */
  contentHash: string | null;
  /** Null when the decision is Unknown. */
  category: string | null;
  confidence: number;
  decidedBy: DecidedBy;
  needsReview: boolean;
  alternatives: Alternative[];
  reason: string;
  localCategory: string | null;
  llmCategory: string | null;
  latencyMs: number;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  reviewedCategory: string | null;
  reviewedAt: Date | null;
  createdAt: Date;
}

export type NewPrediction = Omit<PredictionRecord, 'reviewedCategory' | 'reviewedAt' | 'createdAt'>;

/** What identifies a ticket's decision: its id, what it said, and the taxonomy version. */
export interface DecisionKey {
  ticketId: string;
  contentHash: string;
  taxonomyId: string;
  taxonomyVersion: number;
}

/** Which predictions `routingPredictions` lists; every given field must match. */
export interface PredictionFilter {
  taxonomyId?: string | null;
  ticketId?: string | null;
  decidedBy?: DecidedBy | null;
  needsReview?: boolean | null;
  reviewed?: boolean | null;
}

function whereOf(
  accountId: string,
  filter: PredictionFilter,
): { where: string[]; params: unknown[] } {
  const where = ['account_id = $1'];
  const params: unknown[] = [accountId];
  const equal = (column: string, value: unknown, cast = '') => {
    params.push(value);
    where.push(`${column} = $${params.length}${cast}`);
  };
  if (filter.taxonomyId) equal('taxonomy_id', filter.taxonomyId, '::uuid');
  if (filter.ticketId) equal('ticket_id', filter.ticketId);
  if (filter.decidedBy) equal('decided_by', filter.decidedBy);
  if (filter.needsReview != null) equal('needs_review', filter.needsReview);
  if (filter.reviewed != null)
    where.push(filter.reviewed ? 'reviewed_at IS NOT NULL' : 'reviewed_at IS NULL');
  return { where, params };
}

interface Row {
  id: string;
  account_id: string;
  taxonomy_id: string;
  taxonomy_version: number;
  ticket_id: string;
  subject: string | null;
  body: string;
  content_hash: string | null;
  category: string | null;
  confidence: number;
  decided_by: DecidedBy;
  needs_review: boolean;
  alternatives: Alternative[];
  reason: string;
  local_category: string | null;
  llm_category: string | null;
  latency_ms: number;
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
  reviewed_category: string | null;
  reviewed_at: Date | null;
  created_at: Date;
}

const toRecord = (row: Row): PredictionRecord => ({
  id: row.id,
  accountId: row.account_id,
  taxonomyId: row.taxonomy_id,
  taxonomyVersion: row.taxonomy_version,
  ticketId: row.ticket_id,
  subject: row.subject,
  body: row.body,
  contentHash: row.content_hash,
  category: row.category,
  confidence: row.confidence,
  decidedBy: row.decided_by,
  needsReview: row.needs_review,
  alternatives: row.alternatives,
  reason: row.reason,
  localCategory: row.local_category,
  llmCategory: row.llm_category,
  latencyMs: row.latency_ms,
  costUsd: row.cost_usd,
  inputTokens: row.input_tokens,
  outputTokens: row.output_tokens,
  reviewedCategory: row.reviewed_category,
  reviewedAt: row.reviewed_at,
  createdAt: row.created_at,
});

export class PredictionRepository {
  /**
   * The predictions of concurrent routing calls, written by one statement (see GroupCommit):
   * every `routeTicket` stored its row with a statement of its own, a large share of its cost.
   */
  private readonly grouped: GroupCommit<readonly NewPrediction[], PredictionRecord[]> | null;
  /** The stored-decision lookups of concurrent calls, likewise one statement. */
  private readonly groupedLookups: GroupCommit<
    readonly (DecisionKey & { accountId: string })[],
    (PredictionRecord | null)[]
  > | null;

  /**
   * Any executor: the pool, or a transaction that stores predictions together with what they
   * belong to. `groupCommit` only on the pool: a transaction's statements are its caller's alone.
   */
  constructor(
    private readonly db: SqlExecutor,
    options: { groupCommit?: boolean } = {},
  ) {
    this.grouped = options.groupCommit
      ? groupedCalls((predictions: NewPrediction[]) => this.insertRows(predictions))
      : null;
    this.groupedLookups = options.groupCommit
      ? groupedCalls((keys: (DecisionKey & { accountId: string })[]) => this.lookUp(keys))
      : null;
  }

  /** All predictions of a batch in one statement (shared with concurrent calls when group-committed). */
  async insertMany(predictions: readonly NewPrediction[]): Promise<PredictionRecord[]> {
    if (predictions.length === 0) return [];
    return this.grouped ? this.grouped.push(predictions) : this.insertRows(predictions);
  }

  private async insertRows(predictions: readonly NewPrediction[]): Promise<PredictionRecord[]> {
    const column = <K extends keyof NewPrediction>(key: K) =>
      predictions.map((prediction) => prediction[key]);
    // Only what the database adds comes back: the rest is what was written, and reading the rows
    // back (body, alternatives as JSON) was a third of the statement's CPU on PGlite.
    const rows = await this.db.query<{ id: string; created_at: Date }>(
      `INSERT INTO routing_predictions (id, account_id, taxonomy_id, taxonomy_version, ticket_id, subject, body, category, confidence, decided_by,
         needs_review, alternatives, reason, local_category, llm_category, latency_ms, cost_usd, input_tokens, output_tokens, content_hash)
       SELECT p.id, p.account_id, p.taxonomy_id, p.taxonomy_version, p.ticket_id, p.subject, p.body, p.category, p.confidence, p.decided_by,
         p.needs_review, p.alternatives::jsonb, p.reason, p.local_category, p.llm_category, p.latency_ms, p.cost_usd, p.input_tokens, p.output_tokens, p.content_hash
       FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::float8[], $10::text[],
         $11::bool[], $12::text[], $13::text[], $14::text[], $15::text[], $16::int[], $17::float8[], $18::int[], $19::int[], $20::text[])
         AS p(id, account_id, taxonomy_id, taxonomy_version, ticket_id, subject, body, category, confidence, decided_by,
              needs_review, alternatives, reason, local_category, llm_category, latency_ms, cost_usd, input_tokens, output_tokens, content_hash)
       RETURNING id, created_at`,
      [
        column('id'),
        column('accountId'),
        column('taxonomyId'),
        column('taxonomyVersion'),
        column('ticketId'),
        column('subject'),
        column('body'),
        column('category'),
        column('confidence'),
        column('decidedBy'),
        column('needsReview'),
        predictions.map((prediction) => JSON.stringify(prediction.alternatives)),
        column('reason'),
        column('localCategory'),
        column('llmCategory'),
        column('latencyMs'),
        column('costUsd'),
        column('inputTokens'),
        column('outputTokens'),
        column('contentHash'),
      ],
    );
    const createdAt = new Map(rows.map((row) => [row.id, row.created_at]));
    return predictions.map((prediction) => ({
      ...prediction,
      reviewedCategory: null,
      reviewedAt: null,
      createdAt: createdAt.get(prediction.id)!,
    }));
  }

  async findById(accountId: string, id: string): Promise<PredictionRecord | null> {
    const [row] = await this.db.query<Row>(
      'SELECT * FROM routing_predictions WHERE account_id = $1 AND id = $2',
      [accountId, id],
    );
    return row ? toRecord(row) : null;
  }

  /** The account's predictions with these ids, in no particular order. */
  async findByIds(accountId: string, ids: readonly string[]): Promise<PredictionRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.query<Row>(
      'SELECT * FROM routing_predictions WHERE account_id = $1 AND id = ANY($2::uuid[])',
      [accountId, ids],
    );
    return rows.map(toRecord);
  }

  /**
   * The current decision for each key: the newest prediction for the ticket id, content hash and
   * taxonomy version, or null when there is none. One statement for the whole batch, shared with
   * the concurrent calls of other requests on the pool (every `routeTicket` asks one).
   */
  async currentDecisions(
    accountId: string,
    keys: readonly DecisionKey[],
  ): Promise<(PredictionRecord | null)[]> {
    if (keys.length === 0) return [];
    const asked = keys.map((key) => ({ accountId, ...key }));
    return this.groupedLookups ? this.groupedLookups.push(asked) : this.lookUp(asked);
  }

  private async lookUp(
    keys: readonly (DecisionKey & { accountId: string })[],
  ): Promise<(PredictionRecord | null)[]> {
    // Each key names its account: keys of several requests (and accounts) share the statement.
    const rows = await this.db.query<Row & { ordinal: number }>(
      `SELECT p.*, k.ordinal FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[], $5::int[]) WITH ORDINALITY
         AS k(account_id, ticket_id, content_hash, taxonomy_id, taxonomy_version, ordinal)
       CROSS JOIN LATERAL (
         SELECT * FROM routing_predictions p
         WHERE p.account_id = k.account_id AND p.ticket_id = k.ticket_id AND p.taxonomy_id = k.taxonomy_id
           AND p.taxonomy_version = k.taxonomy_version AND p.content_hash = k.content_hash
         ORDER BY p.created_at DESC, p.id DESC LIMIT 1
       ) p`,
      [
        keys.map((key) => key.accountId),
        keys.map((key) => key.ticketId),
        keys.map((key) => key.contentHash),
        keys.map((key) => key.taxonomyId),
        keys.map((key) => key.taxonomyVersion),
      ],
    );
    const byOrdinal = new Map(rows.map((row) => [Number(row.ordinal), toRecord(row)]));
    return keys.map((_, index) => byOrdinal.get(index + 1) ?? null);
  }

  /** A page of the account's predictions matching the filter, newest first (`first` + 1 rows tell whether more follow). */
  async page(
    accountId: string,
    filter: PredictionFilter,
    first: number,
    after: { createdAt: Date; id: string } | null,
  ): Promise<{ items: PredictionRecord[]; hasNextPage: boolean }> {
    const { where, params } = whereOf(accountId, filter);
    if (after) {
      params.push(after.createdAt, after.id);
      where.push(`(created_at, id) < ($${params.length - 1}, $${params.length}::uuid)`);
    }
    params.push(first + 1);
    const rows = await this.db.query<Row>(
      `SELECT * FROM routing_predictions WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return { items: rows.slice(0, first).map(toRecord), hasNextPage: rows.length > first };
  }

  /** How many of the account's predictions match the filter. */
  async count(accountId: string, filter: PredictionFilter): Promise<number> {
    const { where, params } = whereOf(accountId, filter);
    const [row] = await this.db.query<{ count: number | string }>(
      `SELECT count(*) AS count FROM routing_predictions WHERE ${where.join(' AND ')}`,
      params,
    );
    return Number(row?.count ?? 0);
  }

  /** A page of the tickets waiting for a person, oldest first. */
  async reviewQueue(
    accountId: string,
    taxonomyId: string,
    first: number,
    after: { createdAt: Date; id: string } | null = null,
  ): Promise<{ items: PredictionRecord[]; hasNextPage: boolean }> {
    const params: unknown[] = [accountId, taxonomyId];
    let keyset = '';
    if (after) {
      params.push(after.createdAt, after.id);
      keyset = ' AND (created_at, id) > ($3, $4::uuid)';
    }
    params.push(first + 1);
    const rows = await this.db.query<Row>(
      `SELECT * FROM routing_predictions WHERE account_id = $1 AND taxonomy_id = $2 AND needs_review AND reviewed_at IS NULL${keyset} ORDER BY created_at, id LIMIT $${params.length}`,
      params,
    );
    return { items: rows.slice(0, first).map(toRecord), hasNextPage: rows.length > first };
  }

  /** How many tickets wait for a person (the review-queue badge). */
  async reviewQueueCount(accountId: string, taxonomyId: string): Promise<number> {
    const [row] = await this.db.query<{ count: number | string }>(
      `SELECT count(*) AS count FROM routing_predictions WHERE account_id = $1 AND taxonomy_id = $2 AND needs_review AND reviewed_at IS NULL`,
      [accountId, taxonomyId],
    );
    return Number(row?.count ?? 0);
  }

  /** Records a person's decision; null when the prediction does not exist for the account. */
  async review(accountId: string, id: string, category: string): Promise<PredictionRecord | null> {
    const [row] = await this.db.query<Row>(
      `UPDATE routing_predictions SET reviewed_category = $3, reviewed_at = now() WHERE account_id = $1 AND id = $2 RETURNING *`,
      [accountId, id, category],
    );
    return row ? toRecord(row) : null;
  }
}
