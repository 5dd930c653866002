/** Every routing decision, for review, evaluation and feedback. */
import type { SqlExecutor } from '../database.js';
import { GroupCommit } from '../group-commit.js';

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

interface Row {
  id: string;
  account_id: string;
  taxonomy_id: string;
  taxonomy_version: number;
  ticket_id: string;
  subject: string | null;
  body: string;
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

  /**
   * Any executor: the pool, or a transaction that stores predictions together with what they
   * belong to. `groupCommit` only on the pool: a transaction's statements are its caller's alone.
   */
  constructor(
    private readonly db: SqlExecutor,
    options: { groupCommit?: boolean } = {},
  ) {
    this.grouped = options.groupCommit
      ? new GroupCommit(async (calls: (readonly NewPrediction[])[]) => {
          const stored = await this.insertRows(calls.flat());
          let start = 0;
          return calls.map((call) => stored.slice(start, (start += call.length)));
        })
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
    const rows = await this.db.query<Row>(
      `INSERT INTO routing_predictions (id, account_id, taxonomy_id, taxonomy_version, ticket_id, subject, body, category, confidence, decided_by,
         needs_review, alternatives, reason, local_category, llm_category, latency_ms, cost_usd, input_tokens, output_tokens)
       SELECT p.id, p.account_id, p.taxonomy_id, p.taxonomy_version, p.ticket_id, p.subject, p.body, p.category, p.confidence, p.decided_by,
         p.needs_review, p.alternatives::jsonb, p.reason, p.local_category, p.llm_category, p.latency_ms, p.cost_usd, p.input_tokens, p.output_tokens
       FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::float8[], $10::text[],
         $11::bool[], $12::text[], $13::text[], $14::text[], $15::text[], $16::int[], $17::float8[], $18::int[], $19::int[])
         AS p(id, account_id, taxonomy_id, taxonomy_version, ticket_id, subject, body, category, confidence, decided_by,
              needs_review, alternatives, reason, local_category, llm_category, latency_ms, cost_usd, input_tokens, output_tokens)
       RETURNING *`,
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
      ],
    );
    const byId = new Map(rows.map((row) => [row.id, toRecord(row)]));
    return predictions.map((prediction) => byId.get(prediction.id)!);
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

  /** Tickets waiting for a person, oldest first. */
  async reviewQueue(
    accountId: string,
    taxonomyId: string,
    first: number,
  ): Promise<PredictionRecord[]> {
    const rows = await this.db.query<Row>(
      `SELECT * FROM routing_predictions WHERE account_id = $1 AND taxonomy_id = $2 AND needs_review AND reviewed_at IS NULL ORDER BY created_at, id LIMIT $3`,
      [accountId, taxonomyId, first],
    );
    return rows.map(toRecord);
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
