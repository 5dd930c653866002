import pg from 'pg';
import { ErrorCode, ServiceError } from '../../errors.js';
import { refusedStatement, type SqlDatabase, type SqlExecutor } from './database.js';

export interface PostgresOptions {
  connectionString: string;
  poolSize: number;
}

// PostgreSQL returns int8 (COUNT, SUM) as strings by default to avoid precision loss; our counts
// fit comfortably in a double, and PGlite returns numbers, so align the two.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/** Socket errors of a server that is down, restarting or unreachable. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * Whether `error` says the server cannot be reached now (it will answer again after a restart),
 * rather than that a statement was wrong: SQLSTATE class 08 (connection exception), 57P01-57P03
 * (shutting down, crashed, not yet accepting connections), a socket error, or `pg` reporting a
 * connection that ended or could not be made in time.
 */
function isUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (
    typeof code === 'string' &&
    (code.startsWith('08') || /^57P0[123]$/.test(code) || UNREACHABLE.has(code))
  )
    return true;
  return (
    error instanceof Error &&
    /^Connection terminated|timeout exceeded when trying to connect|connection error/i.test(
      error.message,
    )
  );
}

/** A database that cannot be reached is the client's SERVICE_UNAVAILABLE (retry later), not an internal error. */
function asUnavailable(error: unknown): unknown {
  if (!isUnreachable(error)) return error;
  return new ServiceError(
    ErrorCode.SERVICE_UNAVAILABLE,
    'the database is unavailable right now; try again shortly',
    {},
    { cause: error },
  );
}

/** pg's DatabaseError quotes values (`detail`, `where`, its message): the statement's code and name replace it. */
function refused(error: unknown, sql: string): unknown {
  return asUnavailable(error instanceof pg.DatabaseError ? refusedStatement(error, sql) : error);
}

function executorOf(connection: pg.Pool | pg.PoolClient): SqlExecutor {
  return {
    query: async <Row>(sql: string, params?: unknown[]) => {
      try {
        return (await connection.query(sql, params)).rows as Row[];
      } catch (error) {
        throw refused(error, sql);
      }
    },
    // Without parameters pg uses the simple protocol, which accepts several statements.
    execute: async (sql: string) => {
      await connection.query(sql).catch((error: unknown) => {
        throw refused(error, sql);
      });
    },
  };
}

/** The scale-out store: a real PostgreSQL server, shared by every replica. */
export function openPostgresDatabase(options: PostgresOptions): SqlDatabase {
  // A server that does not answer at all (a network partition) fails a request after 5 s rather than holding it.
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize,
    connectionTimeoutMillis: 5_000,
  });
  // An idle client losing its server (a restart) must not crash the process; the next query
  // gets a fresh connection or a clear error.
  pool.on('error', () => undefined);
  return {
    kind: 'postgres',
    ...executorOf(pool),
    transaction: async (work) => {
      const client = await pool.connect().catch((error: unknown) => {
        throw asUnavailable(error);
      });
      const tx = executorOf(client);
      try {
        await tx.query('BEGIN');
        const result = await work(tx);
        await tx.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw asUnavailable(error);
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
