/**
 * The generations repository: every AI draft, its input, outcome and usage. Every statement is
 * filtered by account; an id of another account reads as absent.
 */
import type { Feature, GenerationStatus, ProviderAttempt as Attempt, Usage } from '../../domain.js';
import type { ErrorCode } from '../../errors.js';
import type { SqlDatabase } from './database.js';
import { GroupCommit } from './group-commit.js';
import { textPerBatchSize } from './batch-text.js';

export interface GroundingIssueRecord {
  /**
   * SOURCE: a cited source the input does not hold; LOG_LINE: a log line quoted unlike the log;
   * LINK: an image or link the draft held that its input did not vouch for, removed (link-neutraliser.ts).
   */
  kind: 'TIMESTAMP' | 'SERVICE' | 'PERSON' | 'NUMBER' | 'SOURCE' | 'LOG_LINE' | 'LINK';
  value: string;
}

export interface GenerationRecord {
  id: string;
  accountId: string;
  feature: Feature;
  status: GenerationStatus;
  input: unknown;
  output: unknown;
  text: string;
  /** Length of each streamed delta, in order: `text` cut at these lengths replays the stream. */
  chunkLengths: number[];
  provider: string | null;
  model: string | null;
  promptVersion: string | null;
  usage: Usage | null;
  latencyMs: number | null;
  error: { code: ErrorCode; message: string } | null;
  groundingIssues: GroundingIssueRecord[];
  incidentId: string | null;
  idempotencyKey: string | null;
  cacheHit: boolean;
  timeToFirstTokenMs: number | null;
  attempts: Attempt[];
  /** The input's prompt-injection score when it reached the flag threshold; null otherwise. */
  injectionScore?: number | null;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface NewGeneration {
  id: string;
  accountId: string;
  feature: Feature;
  input: unknown;
  /**
   * `input` as JSON, when the caller has it already (the runner serialises it once, for this row
   * and for the grounding check): a second serialisation was 0.65 % of a whole call's CPU.
   */
  inputJson?: string;
  promptVersion: string;
  incidentId: string | null;
  idempotencyKey: string | null;
  /** The evaluation run that drafted it; such drafts are left out of production metrics. */
  evalRunId?: string | null;
}

/** What a finished run writes; the status can only move from RUNNING, once. */
export interface GenerationOutcome {
  status: Exclude<GenerationStatus, 'RUNNING'>;
  text: string;
  chunkLengths: number[];
  output: unknown;
  provider: string | null;
  model: string | null;
  usage: Usage | null;
  latencyMs: number | null;
  error: { code: ErrorCode; message: string } | null;
  groundingIssues: GroundingIssueRecord[];
  cacheHit: boolean;
  timeToFirstTokenMs: number | null;
  attempts: Attempt[];
  /** Set when the input's prompt-injection score reached the flag threshold. */
  injectionScore?: number | null;
}

/** How a generation's stream replays, read without its text or input (see `streamHead`). */
export interface StreamHead {
  status: GenerationStatus;
  /** How many deltas its text was streamed as. */
  deltas: number;
  /** The delta lengths cover the text: false for text stored without them. */
  lengthsCoverText: boolean;
}

/** One page of a finished generation's deltas (see `replayPage`). */
export interface ReplayPage {
  /** The lengths of the page's deltas, in UTF-16 code units as JavaScript counts them. */
  lengths: number[];
  /** The text from the given character on: at least as many code units as `lengths` add up to. */
  text: string;
}

export interface GenerationFilter {
  feature?: Feature | null;
  incidentId?: string | null;
  status?: GenerationStatus | null;
}

interface GenerationRow {
  id: string;
  account_id: string;
  feature: Feature;
  status: GenerationStatus;
  input: unknown;
  output: unknown;
  text: string;
  chunk_lengths: number[];
  provider: string | null;
  model: string | null;
  prompt_version: string | null;
  usage: Usage | null;
  latency_ms: number | null;
  error: GenerationRecord['error'];
  grounding_issues: GroundingIssueRecord[];
  incident_id: string | null;
  idempotency_key: string | null;
  cache_hit: boolean;
  time_to_first_token_ms: number | null;
  attempts: Attempt[];
  injection_score?: number | null;
  created_at: Date;
  finished_at: Date | null;
}

function toRecord(row: GenerationRow): GenerationRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    feature: row.feature,
    status: row.status,
    input: row.input,
    output: row.output,
    text: row.text,
    chunkLengths: row.chunk_lengths,
    provider: row.provider,
    model: row.model,
    promptVersion: row.prompt_version,
    usage: row.usage,
    latencyMs: row.latency_ms,
    error: row.error,
    groundingIssues: row.grounding_issues,
    incidentId: row.incident_id,
    idempotencyKey: row.idempotency_key,
    cacheHit: row.cache_hit,
    timeToFirstTokenMs: row.time_to_first_token_ms,
    attempts: row.attempts,
    injectionScore: row.injection_score ?? null,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}

/** jsonb parameters travel as text: `pg` would otherwise turn JS arrays into PostgreSQL arrays. */
const json = (value: unknown) =>
  value === undefined || value === null ? null : JSON.stringify(value);

/** The types of the parameters of one row written by `insertBatch`, in order. */
const RUNNING_COLUMNS = ['uuid', 'text', 'text', 'jsonb', 'text', 'text', 'text', 'uuid'] as const;

/** A column an outcome writes: its name, its parameter's type, and the value it takes from the outcome. */
interface OutcomeColumn {
  name: keyof GenerationRow;
  type: 'text' | 'jsonb' | 'integer' | 'boolean' | 'float8';
  value: (outcome: GenerationOutcome) => unknown;
}

/**
 * The one order of an outcome's parameters: the statement's SET list and VALUES columns, the
 * parameters `finishBatch` sends and the record `finishedRecord` reads back all follow it.
 */
const OUTCOME_COLUMNS: readonly OutcomeColumn[] = [
  { name: 'status', type: 'text', value: (o) => o.status },
  { name: 'text', type: 'text', value: (o) => o.text },
  { name: 'chunk_lengths', type: 'jsonb', value: (o) => o.chunkLengths },
  { name: 'output', type: 'jsonb', value: (o) => o.output },
  { name: 'provider', type: 'text', value: (o) => o.provider },
  { name: 'model', type: 'text', value: (o) => o.model },
  { name: 'usage', type: 'jsonb', value: (o) => o.usage },
  { name: 'latency_ms', type: 'integer', value: (o) => o.latencyMs },
  { name: 'error', type: 'jsonb', value: (o) => o.error },
  { name: 'grounding_issues', type: 'jsonb', value: (o) => o.groundingIssues },
  { name: 'cache_hit', type: 'boolean', value: (o) => o.cacheHit },
  { name: 'time_to_first_token_ms', type: 'integer', value: (o) => o.timeToFirstTokenMs },
  { name: 'attempts', type: 'jsonb', value: (o) => o.attempts },
  { name: 'injection_score', type: 'float8', value: (o) => o.injectionScore ?? null },
];

/** The parameters of one outcome, in OUTCOME_COLUMNS order, each jsonb one serialised. */
function outcomeParams(outcome: GenerationOutcome): unknown[] {
  return OUTCOME_COLUMNS.map(({ type, value }) =>
    type === 'jsonb' ? json(value(outcome)) : value(outcome),
  );
}

/** `($1::uuid, $2::text), ($3::uuid, $4::text)`: `rows` rows of typed parameters for a VALUES list. */
function valueRows(rows: number, types: readonly string[]): string {
  return Array.from(
    { length: rows },
    (_, row) =>
      `(${types.map((type, column) => `$${row * types.length + column + 1}::${type}`).join(', ')})`,
  ).join(', ');
}

// created_at in whole milliseconds: the keyset cursor carries a JavaScript Date, and a
// microsecond the cursor cannot hold would make `list` skip rows of the same millisecond.
const insertRunningSql = textPerBatchSize(
  (rows) =>
    `INSERT INTO generations (id, account_id, feature, input, prompt_version, incident_id, idempotency_key, eval_run_id, status, created_at)
       SELECT *, 'RUNNING', date_trunc('milliseconds', now()) FROM (VALUES ${valueRows(rows, RUNNING_COLUMNS)}) AS r
       ON CONFLICT (account_id, idempotency_key) DO NOTHING
       RETURNING id, created_at`,
);

const finishSql = textPerBatchSize(
  (rows) =>
    `UPDATE generations AS g SET ${OUTCOME_COLUMNS.map(({ name }) => `${name} = o.${name}`).join(', ')}, finished_at = now()
       FROM (VALUES ${valueRows(rows, ['text', 'uuid', ...OUTCOME_COLUMNS.map(({ type }) => type)])})
         AS o(account_id, id, ${OUTCOME_COLUMNS.map(({ name }) => name).join(', ')})
       WHERE g.id = o.id AND g.account_id = o.account_id AND g.status = 'RUNNING'
       RETURNING ${STORED_PART}`,
);

/** A RUNNING row to insert, with its input serialised once, for the statement and the record alike. */
interface Running {
  generation: NewGeneration;
  input: string | null;
}

/** The record of a RUNNING row as `insertBatch` wrote it: its input as the jsonb column reads back. */
function runningRecord({ generation, input }: Running, createdAt: Date): GenerationRecord {
  return {
    id: generation.id,
    accountId: generation.accountId,
    feature: generation.feature,
    status: 'RUNNING',
    input: JSON.parse(input ?? 'null') as unknown,
    output: null,
    text: '',
    chunkLengths: [],
    provider: null,
    model: null,
    promptVersion: generation.promptVersion,
    usage: null,
    latencyMs: null,
    error: null,
    groundingIssues: [],
    incidentId: generation.incidentId,
    idempotencyKey: generation.idempotencyKey,
    cacheHit: false,
    timeToFirstTokenMs: null,
    attempts: [],
    injectionScore: null,
    createdAt,
    finishedAt: null,
  };
}

/** The columns of a finished row that its outcome does not carry (see `finishBatch`). */
const STORED_PART =
  'g.id, g.account_id, g.feature, g.input, g.prompt_version, g.incident_id, g.idempotency_key, g.created_at, g.finished_at';
type StoredPart = Pick<
  GenerationRow,
  | 'id'
  | 'account_id'
  | 'feature'
  | 'input'
  | 'prompt_version'
  | 'incident_id'
  | 'idempotency_key'
  | 'created_at'
  | 'finished_at'
>;

/** A jsonb parameter as its column reads back. */
const fromJson = (value: unknown): unknown => (value === null ? null : JSON.parse(value as string));

/**
 * The record of a row `finishBatch` wrote: its stored part, and the outcome as its parameters
 * wrote it (see `outcomeParams`), each jsonb one as the column reads back.
 */
function finishedRecord(row: StoredPart, params: readonly unknown[]): GenerationRecord {
  // A plain loop into one copy of the row: as fast as reading each parameter by name (a pairs
  // array for Object.fromEntries cost a quarter more per record).
  const written: Record<string, unknown> = { ...row };
  for (let index = 0; index < OUTCOME_COLUMNS.length; index++) {
    const { name, type } = OUTCOME_COLUMNS[index]!;
    written[name] = type === 'jsonb' ? fromJson(params[index]) : params[index];
  }
  return toRecord(written as unknown as GenerationRow);
}

export interface Page<T> {
  items: T[];
  hasNextPage: boolean;
}

/** An outcome to store, with the generation it belongs to. */
interface Finishing {
  accountId: string;
  id: string;
  outcome: GenerationOutcome;
}

export class GenerationRepository {
  /**
   * The two writes of every generation, group-committed: RUNNING rows and outcomes asked for by
   * concurrent generations are written by one statement each (see GroupCommit).
   */
  private readonly runningRows = new GroupCommit((batch: Running[]) => this.insertBatch(batch));
  private readonly outcomes = new GroupCommit((batch: Finishing[]) => this.finishBatch(batch));

  constructor(private readonly db: SqlDatabase) {}

  /**
   * Inserts a RUNNING generation, or, when the account already used `idempotencyKey`, returns the
   * first one. `sameInput` tells the caller whether the retry carried the same input.
   */
  async insertRunning(
    generation: NewGeneration,
  ): Promise<{ record: GenerationRecord; created: boolean; sameInput: boolean }> {
    const running: Running = { generation, input: generation.inputJson ?? json(generation.input) };
    const createdAt = await this.runningRows.push(running);
    if (createdAt)
      return { record: runningRecord(running, createdAt), created: true, sameInput: true };
    const [existing] = await this.db.query<GenerationRow & { same_input: boolean }>(
      `SELECT *, (input = $3::jsonb AND feature = $4) AS same_input FROM generations WHERE account_id = $1 AND idempotency_key = $2`,
      [generation.accountId, generation.idempotencyKey, running.input, generation.feature],
    );
    if (!existing) throw new Error('idempotency conflict without an existing row');
    return { record: toRecord(existing), created: false, sameInput: existing.same_input };
  }

  /**
   * Inserts RUNNING rows in one statement; for each, its creation time, or null when its account
   * already used its idempotency key (also within the batch: the first one wins). Only the
   * creation time comes back: the rest of the record is what was inserted.
   */
  private async insertBatch(batch: readonly Running[]): Promise<(Date | null)[]> {
    const params = batch.flatMap(({ generation, input }) => [
      generation.id,
      generation.accountId,
      generation.feature,
      input,
      generation.promptVersion,
      generation.incidentId,
      generation.idempotencyKey,
      generation.evalRunId ?? null,
    ]);
    const inserted = await this.db.query<{ id: string; created_at: Date }>(
      insertRunningSql(batch.length),
      params,
    );
    const createdAt = new Map(inserted.map((row) => [row.id, row.created_at]));
    return batch.map(({ generation }) => createdAt.get(generation.id) ?? null);
  }

  /** Records how a run ended. Returns null when it had already ended (a cancel won the race). */
  finish(
    accountId: string,
    id: string,
    outcome: GenerationOutcome,
  ): Promise<GenerationRecord | null> {
    return this.outcomes.push({ accountId, id, outcome });
  }

  /**
   * Stores outcomes in one statement. Of two outcomes for one generation, the first one pushed wins.
   * Only the columns the outcome does not carry come back: the rest of the record is the outcome as
   * its jsonb columns read back (the JSON it was written as), which spares the database sending,
   * and the driver parsing, the text and the output it was just given.
   */
  private async finishBatch(batch: readonly Finishing[]): Promise<(GenerationRecord | null)[]> {
    const first = new Map<string, { entry: Finishing; params: unknown[] }>();
    for (const entry of batch) {
      if (first.has(entry.id)) continue;
      first.set(entry.id, {
        entry,
        params: outcomeParams(entry.outcome),
      });
    }
    const finished = await this.db.query<StoredPart>(
      finishSql(first.size),
      [...first.values()].flatMap(({ entry, params }) => [entry.accountId, entry.id, ...params]),
    );
    const byId = new Map(
      finished.map((row) => [row.id, finishedRecord(row, first.get(row.id)!.params)]),
    );
    return batch.map((entry) =>
      first.get(entry.id)?.entry === entry ? (byId.get(entry.id) ?? null) : null,
    );
  }

  /** One statement for any number of ids (the DataLoader batch); order follows `ids`. */
  async findByIds(accountId: string, ids: readonly string[]): Promise<(GenerationRecord | null)[]> {
    const valid = ids.filter(isUuid);
    const rows =
      valid.length === 0
        ? []
        : await this.db.query<GenerationRow>(
            'SELECT * FROM generations WHERE account_id = $1 AND id = ANY($2::uuid[])',
            [accountId, valid],
          );
    const byId = new Map(rows.map((row) => [row.id, toRecord(row)]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  async findById(accountId: string, id: string): Promise<GenerationRecord | null> {
    const [record] = await this.findByIds(accountId, [id]);
    return record ?? null;
  }

  /** A generation's status and the shape of its stream; null when the account has no such generation. */
  async streamHead(accountId: string, id: string): Promise<StreamHead | null> {
    if (!isUuid(id)) return null;
    // The lengths count UTF-16 code units, PostgreSQL characters (one or two code units each): lengths
    // adding up to fewer than the characters cannot cover the text. Counting the characters beyond
    // U+FFFF too would take a regular expression over the text, ~300 ms for 120 KB on PGlite.
    const [row] = await this.db.query<{ status: GenerationStatus; deltas: number; match: boolean }>(
      `SELECT status, jsonb_array_length(chunk_lengths) AS deltas,
         coalesce(lengths.total, 0) >= char_length(text) AS match
       FROM generations
         CROSS JOIN LATERAL (SELECT sum(value::int) AS total FROM jsonb_array_elements_text(chunk_lengths)) AS lengths
       WHERE account_id = $1 AND id = $2`,
      [accountId, id],
    );
    return row ? { status: row.status, deltas: row.deltas, lengthsCoverText: row.match } : null;
  }

  /**
   * Deltas `fromSeq` to `fromSeq + count - 1` of a finished generation, and its text from character
   * `fromChar` (0-based, in PostgreSQL's characters) on: as many characters as those deltas have
   * code units, less the `held` code units the reader has already. A replay walks the text page by
   * page, never holding all of it.
   */
  async replayPage(
    accountId: string,
    id: string,
    page: { fromSeq: number; count: number; fromChar: number; held: number },
  ): Promise<ReplayPage | null> {
    const [row] = await this.db.query<ReplayPage>(
      `SELECT page.lengths, substr(g.text, $5::int + 1,
           greatest(0, (SELECT coalesce(sum(value::int), 0) FROM jsonb_array_elements_text(page.lengths)) - $6::int)::int) AS text
       FROM generations g,
         LATERAL (SELECT jsonb_path_query_array(g.chunk_lengths, '$[$from to $to]',
           jsonb_build_object('from', $3::int, 'to', $4::int)) AS lengths) page
       WHERE g.account_id = $1 AND g.id = $2`,
      [accountId, id, page.fromSeq, page.fromSeq + page.count - 1, page.fromChar, page.held],
    );
    return row ?? null;
  }

  /**
   * One page of drafts for each incident (newest first, `first` after the cursor, optionally one
   * feature) with each incident's whole count, in one statement for any number of incidents (the
   * Incident entity's DataLoader batch). The rows before the cursor stay in the count but out of
   * the page: they rank in a partition of their own.
   */
  async pageByIncidents(
    accountId: string,
    incidentIds: readonly string[],
    feature: Feature | null,
    first: number,
    after: { createdAt: Date; id: string } | null,
  ): Promise<Map<string, Page<GenerationRecord> & { totalCount: number }>> {
    const rows = await this.db.query<GenerationRow & { total: number; in_page: boolean }>(
      `SELECT * FROM (
         SELECT *,
           count(*) OVER (PARTITION BY incident_id)::int AS total,
           row_number() OVER (PARTITION BY incident_id, after_cursor ORDER BY created_at DESC, id DESC) AS rank
         FROM (
           SELECT *, ($4::timestamptz IS NULL OR (created_at, id) < ($4::timestamptz, $5::uuid)) AS after_cursor
           FROM generations
           WHERE account_id = $1 AND incident_id = ANY($2::text[]) AND ($3::text IS NULL OR feature = $3)
         ) filtered
       ) ranked
       -- An incident whose drafts all precede the cursor still sends one row, for its count.
       CROSS JOIN LATERAL (SELECT after_cursor AND rank <= $6 AS in_page) page
       WHERE in_page OR rank = 1
       ORDER BY created_at DESC, id DESC`,
      [accountId, incidentIds, feature, after?.createdAt ?? null, after?.id ?? null, first + 1],
    );
    const pages = new Map<string, Page<GenerationRecord> & { totalCount: number }>();
    const totals = new Map<string, number>();
    for (const row of rows) {
      const incidentId = row.incident_id!;
      totals.set(incidentId, row.total);
      const page = pages.get(incidentId) ?? { items: [], hasNextPage: false, totalCount: 0 };
      pages.set(incidentId, page);
      if (!row.in_page) continue;
      if (page.items.length < first) page.items.push(toRecord(row));
      else page.hasNextPage = true;
    }
    for (const [incidentId, page] of pages) page.totalCount = totals.get(incidentId)!;
    return pages;
  }

  /** How many generations `list` pages through with this filter, across all pages. */
  async count(accountId: string, filter: GenerationFilter): Promise<number> {
    const [row] = await this.db.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM generations
       WHERE account_id = $1
         AND ($2::text IS NULL OR feature = $2)
         AND ($3::text IS NULL OR incident_id = $3)
         AND ($4::text IS NULL OR status = $4)`,
      [accountId, filter.feature ?? null, filter.incidentId ?? null, filter.status ?? null],
    );
    return row!.count;
  }

  /** Newest first, keyset-paginated on (created_at, id) so pages stay stable while rows arrive. */
  async list(
    accountId: string,
    filter: GenerationFilter,
    first: number,
    after: { createdAt: Date; id: string } | null,
  ): Promise<Page<GenerationRecord>> {
    const rows = await this.db.query<GenerationRow>(
      `SELECT * FROM generations
       WHERE account_id = $1
         AND ($2::text IS NULL OR feature = $2)
         AND ($3::text IS NULL OR incident_id = $3)
         AND ($4::text IS NULL OR status = $4)
         AND ($5::timestamptz IS NULL OR (created_at, id) < ($5::timestamptz, $6::uuid))
       ORDER BY created_at DESC, id DESC
       LIMIT $7`,
      [
        accountId,
        filter.feature ?? null,
        filter.incidentId ?? null,
        filter.status ?? null,
        after?.createdAt ?? null,
        after?.id ?? null,
        first + 1,
      ],
    );
    return { items: rows.slice(0, first).map(toRecord), hasNextPage: rows.length > first };
  }

  /**
   * Marks every RUNNING generation INTERRUPTED. A single embedded process calls it at start-up:
   * whatever was running when it last stopped can no longer finish.
   */
  async interruptAllRunning(message: string): Promise<number> {
    const rows = await this.db.query(
      `UPDATE generations SET status = 'INTERRUPTED', finished_at = now(), error = $1::jsonb WHERE status = 'RUNNING' RETURNING id`,
      [json({ code: 'INTERRUPTED', message })],
    );
    return rows.length;
  }

  /**
   * Says the process driving these generations is alive: one statement however many it runs.
   * Replicas sharing PostgreSQL call it every heartbeat interval.
   */
  async heartbeat(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(
      `UPDATE generations SET heartbeat_at = now() WHERE id = ANY($1::uuid[]) AND status = 'RUNNING'`,
      [ids],
    );
  }

  /** RUNNING generations of any account whose heartbeat is older than `staleAfterMs`: their process died. */
  async findStale(staleAfterMs: number, limit: number): Promise<string[]> {
    const rows = await this.db.query<{ id: string }>(
      `SELECT id FROM generations WHERE status = 'RUNNING' AND heartbeat_at < now() - make_interval(secs => $1::float8 / 1000)
       ORDER BY heartbeat_at LIMIT $2`,
      [staleAfterMs, limit],
    );
    return rows.map((row) => row.id);
  }

  /**
   * Marks one stale generation INTERRUPTED with the partial text its subscribers saw. Conditional on
   * it still being RUNNING and stale, so of several replicas sweeping at once exactly one wins;
   * the others (and a producer that came back to life) get null.
   */
  async interruptStale(
    id: string,
    staleAfterMs: number,
    partial: { text: string; chunkLengths: number[] },
    error: { code: ErrorCode; message: string },
  ): Promise<GenerationRecord | null> {
    const rows = await this.db.query<GenerationRow>(
      `UPDATE generations SET status = 'INTERRUPTED', text = $3, chunk_lengths = $4::jsonb, error = $5::jsonb, finished_at = now(),
         latency_ms = round(extract(epoch FROM now() - created_at) * 1000)
       WHERE id = $1 AND status = 'RUNNING' AND heartbeat_at < now() - make_interval(secs => $2::float8 / 1000)
       RETURNING *`,
      [id, staleAfterMs, partial.text, json(partial.chunkLengths), json(error)],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else cannot exist, and must not reach a uuid cast as an SQL error. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
