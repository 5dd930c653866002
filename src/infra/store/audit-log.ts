/**
 * The audit log of provider calls (DESIGN.md, Security): one row per call that reached a provider
 * (each retry and fallback its own row), plus one per call refused before any provider saw it.
 * Who, when, which feature, provider and model, outcome, tokens, cost, latency, what was redacted
 * and the injection score. Never the raw text: `rawText` holds the prompt and answer only when
 * AUDIT_RAW_TEXT is on, and then with personal data already replaced by placeholders.
 */
import type { Feature } from '../../domain.js';
import { textPerBatchSize } from './batch-text.js';
import type { SqlDatabase } from './database.js';

/** How a call ended, as the audit log records it. */
export type AuditOutcome = 'ok' | 'failed' | 'cache-hit' | 'blocked' | 'canary-leak';

export interface AuditRawText {
  /** The messages as sent, personal data replaced by placeholders. */
  prompt: { role: string; content: string }[];
  /** The answer as received (placeholders, not the restored values); null when none came. */
  answer: string | null;
}

export interface NewAuditEntry {
  accountId: string;
  feature: Feature;
  /** The provider instance and model called; empty when the call was refused before any provider. */
  provider: string;
  model: string;
  outcome: AuditOutcome;
  errorCode: string | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  latencyMs: number;
  /** Occurrences redacted per kind in what was sent (`{ EMAIL: 2 }`); empty when nothing was. */
  redactions: Record<string, number>;
  /** The untrusted text's prompt-injection score (0 to 1); null when the call carried none. */
  injectionScore: number | null;
  requestId: string | null;
  rawText: AuditRawText | null;
}

export interface AuditRecord extends NewAuditEntry {
  /** Increasing with insertion: the keyset of the listing. */
  id: string;
  at: Date;
}

interface Row {
  id: string;
  account_id: string;
  at: Date;
  feature: Feature;
  provider: string;
  model: string;
  outcome: AuditOutcome;
  error_code: string | null;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  latency_ms: number;
  redactions: Record<string, number>;
  injection_score: number | null;
  request_id: string | null;
  raw_text: AuditRawText | null;
}

const toRecord = (row: Row): AuditRecord => ({
  id: String(row.id),
  accountId: row.account_id,
  at: row.at,
  feature: row.feature,
  provider: row.provider,
  model: row.model,
  outcome: row.outcome,
  errorCode: row.error_code,
  inputTokens: row.input_tokens,
  outputTokens: row.output_tokens,
  costUsd: Number(row.cost_usd),
  latencyMs: row.latency_ms,
  redactions: row.redactions ?? {},
  injectionScore: row.injection_score === null ? null : Number(row.injection_score),
  requestId: row.request_id,
  rawText: row.raw_text,
});

const COLUMNS = 14;

const insertSql = textPerBatchSize((rows) => {
  const tuples = Array.from({ length: rows }, (_, index) => {
    const at = index * COLUMNS;
    const p = (n: number) => `$${at + n}`;
    return `(${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}, ${p(8)}, ${p(9)}, ${p(10)}, ${p(11)}::jsonb, ${p(12)}, ${p(13)}, ${p(14)}::jsonb)`;
  });
  return `INSERT INTO audit_log (account_id, feature, provider, model, outcome, error_code, input_tokens, output_tokens, cost_usd, latency_ms, redactions, injection_score, request_id, raw_text)
       VALUES ${tuples.join(', ')}`;
});

export class AuditLogRepository {
  constructor(private readonly db: SqlDatabase) {}

  /** Writes the rows of one gateway call in one statement. */
  async insertMany(entries: readonly NewAuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const params: unknown[] = [];
    for (const entry of entries)
      params.push(
        entry.accountId,
        entry.feature,
        entry.provider,
        entry.model,
        entry.outcome,
        entry.errorCode,
        Math.round(entry.inputTokens),
        Math.round(entry.outputTokens),
        entry.costUsd,
        Math.round(entry.latencyMs),
        JSON.stringify(entry.redactions),
        entry.injectionScore,
        entry.requestId,
        entry.rawText === null ? null : JSON.stringify(entry.rawText),
      );
    await this.db.query(insertSql(entries.length), params);
  }

  /** How many entries `list` pages through with the same filter. */
  async count(filter: { accountId?: string | null }): Promise<number> {
    const [row] = await this.db.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM audit_log WHERE ($1::text IS NULL OR account_id = $1)',
      [filter.accountId ?? null],
    );
    return row?.count ?? 0;
  }

  /**
   * Newest first, keyset-paginated on the id; of one account when `accountId` is given, of every
   * account otherwise (operators).
   */
  async list(
    filter: { accountId?: string | null },
    first: number,
    afterId: string | null,
  ): Promise<{ items: AuditRecord[]; hasNextPage: boolean }> {
    const rows = await this.db.query<Row>(
      `SELECT id::text AS id, account_id, at, feature, provider, model, outcome, error_code, input_tokens, output_tokens, cost_usd, latency_ms,
              redactions, injection_score, request_id, raw_text
       FROM audit_log
       WHERE ($1::text IS NULL OR account_id = $1) AND ($2::bigint IS NULL OR id < $2::bigint)
       ORDER BY audit_log.id DESC
       LIMIT $3`,
      [filter.accountId ?? null, afterId, first + 1],
    );
    return { items: rows.slice(0, first).map(toRecord), hasNextPage: rows.length > first };
  }
}
