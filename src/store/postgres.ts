import pg from 'pg';
import type { SqlDatabase, SqlExecutor } from './database.js';

export interface PostgresOptions {
  connectionString: string;
  poolSize: number;
}

// PostgreSQL returns int8 (COUNT, SUM) as strings by default to avoid precision loss; our counts
// fit comfortably in a double, and PGlite returns numbers, so align the two.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

function executorOf(connection: pg.Pool | pg.PoolClient): SqlExecutor {
  return {
    query: async <Row>(sql: string, params?: unknown[]) => (await connection.query(sql, params)).rows as Row[],
    // Without parameters pg uses the simple protocol, which accepts several statements.
    execute: async (sql: string) => {
      await connection.query(sql);
    },
  };
}

/** The scale-out store: a real PostgreSQL server, shared by every replica. */
export function openPostgresDatabase(options: PostgresOptions): SqlDatabase {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize });
  // An idle client losing its server (a restart) must not crash the process; the next query
  // gets a fresh connection or a clear error.
  pool.on('error', () => undefined);
  return {
    kind: 'postgres',
    ...executorOf(pool),
    transaction: async (work) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(executorOf(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
