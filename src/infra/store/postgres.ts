import pg from 'pg';
import { ErrorCode, ServiceError } from '../../errors.js';
import {
  refusedStatement,
  type NotificationListener,
  type SqlDatabase,
  type SqlExecutor,
} from './database.js';
import { StatementNames } from './statement-names.js';

export interface PostgresOptions {
  connectionString: string;
  poolSize: number;
  /** False behind a pooler that refuses named statements: every statement is sent unnamed. Default true. */
  preparedStatements?: boolean;
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

/**
 * Up to four rows of a generation's outcome (16 parameters a row) or of its RUNNING row (8) are
 * prepared; the few hundred named statements a process can send bound what each backend keeps.
 */
const STATEMENT_LIMITS = { maxParameters: 64, maxNames: 300 };

/**
 * A prepared statement whose result columns changed since it was prepared (a `SELECT *` after a
 * migration added a column) fails with this on every connection that prepared it.
 */
function planOutdated(error: unknown): boolean {
  return (
    error instanceof pg.DatabaseError &&
    error.code === '0A000' &&
    /cached plan must not change result type/.test(error.message)
  );
}

function executorOf(connection: pg.Pool | pg.PoolClient, names: StatementNames): SqlExecutor {
  return {
    query: async <Row>(sql: string, params?: unknown[]) => {
      const name = params ? names.nameOf(sql, params.length) : undefined;
      try {
        if (name === undefined) return (await connection.query(sql, params)).rows as Row[];
        try {
          return (await connection.query({ name, text: sql, values: params })).rows as Row[];
        } catch (error) {
          if (!planOutdated(error)) throw error;
          // Another replica's migration changed what the statement returns: unnamed from now on.
          names.unname(sql);
          return (await connection.query(sql, params)).rows as Row[];
        }
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

/** How long a dropped LISTEN connection waits before it connects again. */
const RELISTEN_MS = 1_000;

/**
 * LISTEN on a connection of its own (a pooled one goes back to other statements, and with it the
 * LISTEN). When that connection drops, the listener hears `lost` (what was sent meanwhile is gone)
 * and a new one is tried every RELISTEN_MS until it LISTENs again, when the listener hears
 * `listening`. Resolves after the first attempt, whether or not it connected.
 */
async function listenOn(
  connectionString: string,
  channel: string,
  listener: NotificationListener,
): Promise<() => Promise<void>> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
  let closed = false;
  let current: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    const client = new pg.Client({ connectionString, connectionTimeoutMillis: 5_000 });
    let dropped = false;
    const drop = () => {
      if (dropped || closed) return;
      dropped = true;
      if (current === client) current = undefined;
      client.end().catch(() => undefined);
      listener.lost();
      retry = setTimeout(() => void connect(), RELISTEN_MS).unref();
    };
    client.on('error', drop);
    client.on('end', drop);
    client.on('notification', (message) => {
      if (message.channel === channel) listener.notified(message.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${channel}`);
    } catch {
      drop();
      return;
    }
    if (closed) {
      await client.end().catch(() => undefined);
      return;
    }
    current = client;
    listener.listening();
  };
  await connect();
  return async () => {
    closed = true;
    clearTimeout(retry);
    await current?.end().catch(() => undefined);
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
  const listeners = new Set<() => Promise<void>>();
  const names = new StatementNames(
    options.preparedStatements !== false ? STATEMENT_LIMITS : { ...STATEMENT_LIMITS, maxNames: 0 },
  );
  return {
    kind: 'postgres',
    ...executorOf(pool, names),
    transaction: async (work) => {
      const client = await pool.connect().catch((error: unknown) => {
        throw asUnavailable(error);
      });
      const tx = executorOf(client, names);
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
    listen: async (channel, listener) => {
      const stop = await listenOn(options.connectionString, channel, listener);
      const unlisten = async () => {
        listeners.delete(unlisten);
        await stop();
      };
      listeners.add(unlisten);
      return unlisten;
    },
    close: async () => {
      await Promise.all([...listeners].map((unlisten) => unlisten()));
      await pool.end();
    },
  };
}
