import { PGlite, messages, type Transaction } from '@electric-sql/pglite';
import { lockDataDir } from './data-dir-lock.js';
import { refusedStatement, type SqlDatabase, type SqlExecutor } from './database.js';

/** PGlite's DatabaseError holds the statement's parameters (`params`): it never leaves here. */
function refused(error: unknown, sql: string): unknown {
  return error instanceof messages.DatabaseError ? refusedStatement(error, sql) : error;
}

function executorOf(connection: PGlite | Transaction): SqlExecutor {
  return {
    query: async <Row>(sql: string, params?: unknown[]) => {
      try {
        return (await connection.query<Row>(sql, params)).rows;
      } catch (error) {
        throw refused(error, sql);
      }
    },
    execute: async (sql: string) => {
      await connection.exec(sql).catch((error: unknown) => {
        throw refused(error, sql);
      });
    },
  };
}

/**
 * PostgreSQL's default 128 MB of shared buffers live in the WebAssembly memory and stay resident
 * once touched (about 120 MB of RSS measured); one embedded process with a small working set
 * needs far less. The WAL buffers would shrink with them (1/32 of shared_buffers): kept at their
 * former 4 MB, so that WAL is not written out (synchronously, on the event loop) more often.
 * The rest are PGlite's own defaults (single-user mode, no parallel workers).
 */
const START_PARAMS = [
  ...PGlite.defaultStartParams,
  '-c',
  'shared_buffers=16MB',
  '-c',
  'wal_buffers=4MB',
];

/**
 * The embedded default: PostgreSQL compiled to WebAssembly, persisted in `dataDir`, which this
 * process owns until it closes the database (DataDirLockedError if another process has it).
 */
export async function openEmbeddedDatabase(dataDir: string): Promise<SqlDatabase> {
  const lock = lockDataDir(dataDir);
  let pg: PGlite;
  try {
    pg = await PGlite.create({ dataDir, startParams: START_PARAMS });
  } catch (error) {
    lock.release();
    throw error;
  }
  return {
    kind: 'embedded',
    ...executorOf(pg),
    // PGlite has a single connection; its own transaction() serialises work for us.
    // Statements inside `work` throw StatementErrors already; this catches a refused COMMIT.
    transaction: (work) =>
      pg
        .transaction((tx) => work(executorOf(tx)))
        .catch((error: unknown) => {
          throw refused(error, 'COMMIT');
        }),
    close: async () => {
      await pg.close();
      lock.release();
    },
  };
}
