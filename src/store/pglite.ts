import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { SqlDatabase, SqlExecutor } from './database.js';

function executorOf(connection: PGlite | Transaction): SqlExecutor {
  return {
    query: async <Row>(sql: string, params?: unknown[]) => (await connection.query<Row>(sql, params)).rows,
    execute: async (sql: string) => {
      await connection.exec(sql);
    },
  };
}

/** The embedded default: PostgreSQL compiled to WebAssembly, persisted in `dataDir`. */
export async function openEmbeddedDatabase(dataDir: string): Promise<SqlDatabase> {
  const pg = await PGlite.create(dataDir);
  return {
    kind: 'embedded',
    ...executorOf(pg),
    // PGlite has a single connection; its own transaction() serialises work for us.
    transaction: (work) => pg.transaction((tx) => work(executorOf(tx))),
    close: () => pg.close(),
  };
}
