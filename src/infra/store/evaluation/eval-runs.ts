/** Evaluation runs and their per-case results. A case's result is written once, as it finishes. */
import type { SqlDatabase } from '../database.js';

export type EvalKind = 'ROUTING' | 'GENERATION';
export type EvalStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'INTERRUPTED';

export interface EvalRunRecord {
  id: string;
  accountId: string;
  kind: EvalKind;
  datasetId: string;
  target: string;
  judge: string | null;
  pairwiseAgainst: string | null;
  judgePromptVersion: string | null;
  judgePrompt: unknown;
  concurrency: number;
  batchSize: number;
  status: EvalStatus;
  caseIds: string[];
  total: number;
  done: number;
  taxonomyVersion: number | null;
  routerModelId: string | null;
  summary: unknown;
  error: { code: string; message: string } | null;
  createdAt: Date;
  heartbeatAt: Date;
  finishedAt: Date | null;
}

export type NewEvalRun = Omit<
  EvalRunRecord,
  'status' | 'done' | 'summary' | 'error' | 'createdAt' | 'heartbeatAt' | 'finishedAt' | 'total'
>;

export interface EvalResultRecord {
  runId: string;
  caseId: string;
  position: number;
  expected: string | null;
  predicted: string | null;
  correct: boolean;
  decidedBy: string | null;
  needsReview: boolean;
  confidence: number | null;
  score: number | null;
  latencyMs: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  generationId: string | null;
  detail: Record<string, unknown>;
  createdAt: Date;
}

export type NewEvalResult = Omit<EvalResultRecord, 'runId' | 'createdAt'>;

interface RunRow {
  id: string;
  account_id: string;
  kind: EvalKind;
  dataset_id: string;
  target: string;
  judge: string | null;
  pairwise_against: string | null;
  judge_prompt_version: string | null;
  judge_prompt: unknown;
  concurrency: number;
  batch_size: number;
  status: EvalStatus;
  case_ids: string[];
  total: number;
  done: number;
  taxonomy_version: number | null;
  router_model_id: string | null;
  summary: unknown;
  error: EvalRunRecord['error'];
  created_at: Date;
  heartbeat_at: Date;
  finished_at: Date | null;
}

interface ResultRow {
  run_id: string;
  case_id: string;
  position: number;
  expected: string | null;
  predicted: string | null;
  correct: boolean;
  decided_by: string | null;
  needs_review: boolean;
  confidence: number | null;
  score: number | null;
  latency_ms: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  generation_id: string | null;
  detail: Record<string, unknown>;
  created_at: Date;
}

const toRun = (row: RunRow): EvalRunRecord => ({
  id: row.id,
  accountId: row.account_id,
  kind: row.kind,
  datasetId: row.dataset_id,
  target: row.target,
  judge: row.judge,
  pairwiseAgainst: row.pairwise_against,
  judgePromptVersion: row.judge_prompt_version,
  judgePrompt: row.judge_prompt,
  concurrency: row.concurrency,
  batchSize: row.batch_size,
  status: row.status,
  caseIds: row.case_ids,
  total: row.total,
  done: row.done,
  taxonomyVersion: row.taxonomy_version,
  routerModelId: row.router_model_id,
  summary: row.summary,
  error: row.error,
  createdAt: row.created_at,
  heartbeatAt: row.heartbeat_at,
  finishedAt: row.finished_at,
});

const toResult = (row: ResultRow): EvalResultRecord => ({
  runId: row.run_id,
  caseId: row.case_id,
  position: row.position,
  expected: row.expected,
  predicted: row.predicted,
  correct: row.correct,
  decidedBy: row.decided_by,
  needsReview: row.needs_review,
  confidence: row.confidence,
  score: row.score,
  latencyMs: row.latency_ms,
  inputTokens: row.input_tokens,
  outputTokens: row.output_tokens,
  costUsd: row.cost_usd,
  generationId: row.generation_id,
  detail: row.detail,
  createdAt: row.created_at,
});

const json = (value: unknown) =>
  value === undefined || value === null ? null : JSON.stringify(value);

/** Every column but the (possibly long) case list, for reads that do not need it. */
const RUN_COLUMNS = `id, account_id, kind, dataset_id, target, judge, pairwise_against, judge_prompt_version, judge_prompt, concurrency, batch_size, status,
  '[]'::jsonb AS case_ids, total, done, taxonomy_version, router_model_id, summary, error, created_at, heartbeat_at, finished_at`;

export class EvalRunRepository {
  constructor(private readonly db: SqlDatabase) {}

  async insert(run: NewEvalRun): Promise<EvalRunRecord> {
    const [row] = await this.db.query<RunRow>(
      `INSERT INTO eval_runs (id, account_id, kind, dataset_id, target, judge, pairwise_against, judge_prompt_version, judge_prompt, concurrency, batch_size,
         status, case_ids, total, taxonomy_version, router_model_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, 'RUNNING', $12::jsonb, $13, $14, $15)
       RETURNING *`,
      [
        run.id,
        run.accountId,
        run.kind,
        run.datasetId,
        run.target,
        run.judge,
        run.pairwiseAgainst,
        run.judgePromptVersion,
        json(run.judgePrompt),
        run.concurrency,
        run.batchSize,
        JSON.stringify(run.caseIds),
        run.caseIds.length,
        run.taxonomyVersion,
        run.routerModelId,
      ],
    );
    return toRun(row!);
  }

  /** With `withCases`, the run's fixed list of case ids too (resuming needs it; display does not). */
  async findById(accountId: string, id: string, withCases = false): Promise<EvalRunRecord | null> {
    const [row] = await this.db.query<RunRow>(
      `SELECT ${withCases ? '*' : RUN_COLUMNS} FROM eval_runs WHERE account_id = $1 AND id = $2`,
      [accountId, id],
    );
    return row ? toRun(row) : null;
  }

  async list(
    accountId: string,
    filter: { kind?: EvalKind | null; datasetId?: string | null },
    first: number,
    after: { createdAt: Date; id: string } | null,
  ): Promise<{ items: EvalRunRecord[]; hasNextPage: boolean }> {
    const rows = await this.db.query<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM eval_runs
       WHERE account_id = $1 AND ($2::text IS NULL OR kind = $2) AND ($3::uuid IS NULL OR dataset_id = $3)
         AND ($4::timestamptz IS NULL OR (created_at, id) < ($4::timestamptz, $5::uuid))
       ORDER BY created_at DESC, id DESC LIMIT $6`,
      [
        accountId,
        filter.kind ?? null,
        filter.datasetId ?? null,
        after?.createdAt ?? null,
        after?.id ?? null,
        first + 1,
      ],
    );
    return { items: rows.slice(0, first).map(toRun), hasNextPage: rows.length > first };
  }

  /** How many runs `list` pages through with the same filter. */
  async count(
    accountId: string,
    filter: { kind?: EvalKind | null; datasetId?: string | null },
  ): Promise<number> {
    const [row] = await this.db.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM eval_runs
       WHERE account_id = $1 AND ($2::text IS NULL OR kind = $2) AND ($3::uuid IS NULL OR dataset_id = $3)`,
      [accountId, filter.kind ?? null, filter.datasetId ?? null],
    );
    return row?.count ?? 0;
  }

  /** The newest finished run of a dataset with the given target, for ROI's accuracy. */
  async latestSucceeded(
    accountId: string,
    datasetId: string,
    target: string,
  ): Promise<EvalRunRecord | null> {
    const [row] = await this.db.query<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM eval_runs WHERE account_id = $1 AND dataset_id = $2 AND target = $3 AND status = 'SUCCEEDED' ORDER BY created_at DESC, id DESC LIMIT 1`,
      [accountId, datasetId, target],
    );
    return row ? toRun(row) : null;
  }

  /**
   * Stores finished cases and advances the run's count in one statement; a case already stored
   * (a resumed run racing an old write) is ignored and not counted twice.
   */
  async addResults(
    accountId: string,
    runId: string,
    results: readonly NewEvalResult[],
  ): Promise<EvalRunRecord | null> {
    if (results.length === 0) return this.findById(accountId, runId);
    const column = <K extends keyof NewEvalResult>(key: K) => results.map((result) => result[key]);
    const [row] = await this.db.query<RunRow>(
      `WITH inserted AS (
         INSERT INTO eval_results (run_id, case_id, account_id, position, expected, predicted, correct, decided_by, needs_review, confidence, score,
           latency_ms, input_tokens, output_tokens, cost_usd, generation_id, detail)
         SELECT $1, r.case_id, $2, r.position, r.expected, r.predicted, r.correct, r.decided_by, r.needs_review, r.confidence, r.score,
           r.latency_ms, r.input_tokens, r.output_tokens, r.cost_usd, r.generation_id, r.detail::jsonb
         FROM unnest($3::uuid[], $4::int[], $5::text[], $6::text[], $7::bool[], $8::text[], $9::bool[], $10::float8[], $11::float8[],
           $12::int[], $13::int[], $14::int[], $15::float8[], $16::uuid[], $17::text[])
           AS r(case_id, position, expected, predicted, correct, decided_by, needs_review, confidence, score, latency_ms, input_tokens, output_tokens, cost_usd, generation_id, detail)
         ON CONFLICT (run_id, case_id) DO NOTHING
         RETURNING 1
       )
       UPDATE eval_runs SET done = done + (SELECT count(*) FROM inserted), heartbeat_at = now()
       WHERE account_id = $2 AND id = $1
       RETURNING ${RUN_COLUMNS}`,
      [
        runId,
        accountId,
        column('caseId'),
        column('position'),
        column('expected'),
        column('predicted'),
        column('correct'),
        column('decidedBy'),
        column('needsReview'),
        column('confidence'),
        column('score'),
        column('latencyMs'),
        column('inputTokens'),
        column('outputTokens'),
        column('costUsd'),
        column('generationId'),
        results.map((result) => JSON.stringify(result.detail)),
      ],
    );
    return row ? toRun(row) : null;
  }

  /** Every stored result of a run, in case order. */
  async results(accountId: string, runId: string): Promise<EvalResultRecord[]> {
    const rows = await this.db.query<ResultRow>(
      `SELECT * FROM eval_results WHERE account_id = $1 AND run_id = $2 ORDER BY position, case_id`,
      [accountId, runId],
    );
    return rows.map(toResult);
  }

  async resultPage(
    accountId: string,
    runId: string,
    filter: { correct?: boolean | null },
    first: number,
    afterPosition: number | null,
  ): Promise<{ items: EvalResultRecord[]; hasNextPage: boolean }> {
    const rows = await this.db.query<ResultRow>(
      `SELECT * FROM eval_results WHERE account_id = $1 AND run_id = $2 AND ($3::bool IS NULL OR correct = $3) AND ($4::int IS NULL OR position > $4)
       ORDER BY position LIMIT $5`,
      [accountId, runId, filter.correct ?? null, afterPosition, first + 1],
    );
    return { items: rows.slice(0, first).map(toResult), hasNextPage: rows.length > first };
  }

  /** How many results `resultPage` pages through with the same filter. */
  async countResults(
    accountId: string,
    runId: string,
    filter: { correct?: boolean | null },
  ): Promise<number> {
    const [row] = await this.db.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM eval_results WHERE account_id = $1 AND run_id = $2 AND ($3::bool IS NULL OR correct = $3)`,
      [accountId, runId, filter.correct ?? null],
    );
    return row?.count ?? 0;
  }

  async finishedCaseIds(accountId: string, runId: string): Promise<Set<string>> {
    const rows = await this.db.query<{ case_id: string }>(
      `SELECT case_id FROM eval_results WHERE account_id = $1 AND run_id = $2`,
      [accountId, runId],
    );
    return new Set(rows.map((row) => row.case_id));
  }

  /** Moves a run to a final state (only from RUNNING); null when it was not running. */
  async finish(
    accountId: string,
    id: string,
    status: Exclude<EvalStatus, 'RUNNING'>,
    summary: unknown,
    error: EvalRunRecord['error'],
  ): Promise<EvalRunRecord | null> {
    const [row] = await this.db.query<RunRow>(
      `UPDATE eval_runs SET status = $3, summary = COALESCE($4::jsonb, summary), error = $5::jsonb, finished_at = now(), heartbeat_at = now()
       WHERE account_id = $1 AND id = $2 AND status = 'RUNNING' RETURNING ${RUN_COLUMNS}`,
      [accountId, id, status, json(summary), json(error)],
    );
    return row ? toRun(row) : null;
  }

  /** Back to RUNNING for a resume; null unless it had stopped short of success. */
  async reopen(accountId: string, id: string): Promise<EvalRunRecord | null> {
    const [row] = await this.db.query<RunRow>(
      `UPDATE eval_runs SET status = 'RUNNING', error = NULL, finished_at = NULL, heartbeat_at = now()
       WHERE account_id = $1 AND id = $2 AND status IN ('INTERRUPTED', 'FAILED', 'CANCELLED') RETURNING *`,
      [accountId, id],
    );
    return row ? toRun(row) : null;
  }

  async heartbeat(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(
      `UPDATE eval_runs SET heartbeat_at = now() WHERE id = ANY($1::uuid[]) AND status = 'RUNNING'`,
      [ids],
    );
  }

  /**
   * Marks runs nobody is driving any more INTERRUPTED: every RUNNING run (`staleAfterMs` null, one
   * embedded process), or those whose heartbeat is older than `staleAfterMs` (replicas sharing PostgreSQL).
   */
  async interruptAbandoned(staleAfterMs: number | null, message: string): Promise<number> {
    const rows = await this.db.query(
      `UPDATE eval_runs SET status = 'INTERRUPTED', finished_at = now(), error = $2::jsonb
       WHERE status = 'RUNNING' AND ($1::float8 IS NULL OR heartbeat_at < now() - make_interval(secs => $1::float8 / 1000))
       RETURNING id`,
      [staleAfterMs, json({ code: 'INTERRUPTED', message })],
    );
    return rows.length;
  }
}
