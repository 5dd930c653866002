/**
 * The narrow SQL surface the repositories use. PGlite (embedded) and PostgreSQL (`pg`) both speak
 * it with the same SQL and `$1` placeholders, so every repository runs unchanged on either.
 */
export interface SqlDatabase {
  /** `embedded` (PGlite in DATA_DIR) or `postgres` (DATABASE_URL): shown at start-up and in /readyz. */
  readonly kind: 'embedded' | 'postgres';
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs a script of several statements with no parameters (migrations). */
  execute(sql: string): Promise<void>;
  /** Runs `work` on one connection inside BEGIN/COMMIT, rolling back if it throws. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export type SqlExecutor = Pick<SqlDatabase, 'query' | 'execute'>;
