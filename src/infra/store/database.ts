/**
 * The narrow SQL surface the repositories use. PGlite (embedded) and PostgreSQL (`pg`) both speak
 * it with the same SQL and `$1` placeholders, so every repository runs unchanged on either.
 */
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { TRACER_NAME } from '../observability/tracing.js';

export interface SqlDatabase {
  /** `embedded` (PGlite in DATA_DIR) or `postgres` (DATABASE_URL): shown at start-up and in /readyz. */
  readonly kind: 'embedded' | 'postgres';
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs a script of several statements with no parameters (migrations). */
  execute(sql: string): Promise<void>;
  /** Runs `work` on one connection inside BEGIN/COMMIT, rolling back if it throws. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /**
   * Follows `NOTIFY channel` sent by any process sharing the database (PostgreSQL only: PGlite is
   * one process, so whoever changes something there can say so in process). Absent when the
   * database has no other clients to hear from.
   */
  listen?(channel: string, listener: NotificationListener): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/**
 * What a `listen` caller is told. `listening` when notifications start to reach it (first, and
 * after every reconnection), `lost` when they may not (the connection dropped): notifications sent
 * in between are gone, so whatever was kept on their strength must be dropped at `lost`.
 */
export interface NotificationListener {
  notified(payload: string): void;
  listening(): void;
  lost(): void;
}

export type SqlExecutor = Pick<SqlDatabase, 'query' | 'execute'>;

/**
 * The same database with a span around every statement, for OpenTelemetry tracing (installed only
 * when tracing is on). Only statements run inside a traced operation get one, so start-up
 * migrations and background sweeps do not each open a trace. A span names the statement by its
 * first words (`SELECT generations`), never by its parameters, which can hold personal data.
 */
export function withStatementSpans(db: SqlDatabase): SqlDatabase {
  const tracer = trace.getTracer(TRACER_NAME);
  const traced = (executor: SqlExecutor): SqlExecutor => ({
    query: <Row>(sql: string, params?: unknown[]) => {
      if (!trace.getActiveSpan()) return executor.query<Row>(sql, params);
      const summary = statementSummary(sql);
      return tracer.startActiveSpan(
        summary,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'db.system.name': 'postgresql',
            'db.query.summary': summary,
            'ai_subgraph.store': db.kind,
          },
        },
        (span) =>
          executor.query<Row>(sql, params).then(
            (rows) => {
              span.end();
              return rows;
            },
            (error: unknown) => {
              span.setStatus({
                code: SpanStatusCode.ERROR,
                message: (error as { code?: string }).code ?? 'query failed',
              });
              span.end();
              throw error;
            },
          ),
      );
    },
    execute: (sql) => executor.execute(sql),
  });
  return { ...db, ...traced(db), transaction: (work) => db.transaction((tx) => work(traced(tx))) };
}

/** `SELECT generations`, `INSERT predictions`, `BEGIN`: the statement's verb and its first table. */
export function statementSummary(sql: string): string {
  const head = sql.slice(0, 400);
  const verb = /^\s*(\w+)/.exec(head)?.[1]?.toUpperCase() ?? 'SQL';
  const table = /\b(?:FROM|INTO|UPDATE|TABLE)\s+("?[\w.]+"?)/i.exec(head)?.[1]?.replaceAll('"', '');
  return table ? `${verb} ${table}` : verb;
}

/**
 * What the store throws when the database refuses a statement: its SQLSTATE and the statement's
 * summary, nothing more. The drivers' own errors carry what the statement was given (PGlite's
 * `params` hold every ticket of a batch) or quote it (`detail`, `where`, and messages such as
 * `invalid input syntax for type uuid: "…"`); an error is logged whole, so none of that may
 * travel with it. `code` keeps its meaning, for callers that retry on a deadlock (40P01).
 */
export class StatementError extends Error {
  override readonly name = 'StatementError';

  constructor(
    readonly code: string,
    readonly statement: string,
  ) {
    super(`the database refused ${statement} (SQLSTATE ${code})`);
  }
}

/** The StatementError for a database error (the driver's own class, which each adapter knows) raised by `sql`. */
export function refusedStatement(error: { code?: string }, sql: string): StatementError {
  return new StatementError(error.code ?? 'XX000', statementSummary(sql));
}
