/**
 * The store contract on a real PostgreSQL server: the run's cluster when TEST_DATABASE=postgres,
 * else a cluster of its own when this machine has PostgreSQL's server binaries (CI installs
 * them; a developer without them gets these tests skipped). Each test gets a new empty database.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openPostgresDatabase } from '../../../src/infra/store/postgres.js';
import {
  createEmptyDatabase,
  postgresBinDir,
  startPostgresCluster,
  type PostgresCluster,
} from '../../support/postgres.js';
import { runStoreContract } from './store-contract.js';

const shared = inject('postgresAdminUrl');
const available = Boolean(shared) || postgresBinDir() !== null;
if (!available && process.env.CI)
  throw new Error('PostgreSQL server binaries are missing: apt-get install -y postgresql-15');

describe.skipIf(!available)('PostgreSQL', () => {
  let own: PostgresCluster | undefined;
  let adminUrl = shared;

  beforeAll(async () => {
    if (!adminUrl) {
      own = await startPostgresCluster();
      adminUrl = own.adminUrl;
    }
  });
  afterAll(async () => {
    await own?.stop();
  });

  const urls = new WeakMap<object, string>();
  runStoreContract('PostgreSQL', {
    async fresh() {
      const url = await createEmptyDatabase(adminUrl);
      const db = openPostgresDatabase({ connectionString: url, poolSize: 4 });
      urls.set(db, url);
      return db;
    },
    async secondPool(db) {
      return openPostgresDatabase({ connectionString: urls.get(db)!, poolSize: 4 });
    },
  });

  // Behind a pooler in transaction mode a prepared statement may reach another backend, which does
  // not know it: DATABASE_PREPARED_STATEMENTS=false sends every statement unnamed.
  it('prepares statements with parameters only when told to', async () => {
    for (const preparedStatements of [true, false]) {
      const db = openPostgresDatabase({
        connectionString: await createEmptyDatabase(adminUrl),
        poolSize: 1,
        preparedStatements,
      });
      try {
        expect(await db.query('SELECT $1::int + 1 AS two', [1])).toEqual([{ two: 2 }]);
        const [prepared] = await db.query<{ count: number }>(
          'SELECT count(*)::int AS count FROM pg_prepared_statements',
        );
        expect(prepared!.count, `preparedStatements: ${preparedStatements}`).toBe(
          preparedStatements ? 1 : 0,
        );
      } finally {
        await db.close();
      }
    }
  });

  // Statements with parameters are prepared once per connection (statement-names.ts): one whose
  // columns another replica's migration changed must still answer, with the new columns.
  it('answers a prepared statement again after a migration changed its columns', async () => {
    const db = openPostgresDatabase({
      connectionString: await createEmptyDatabase(adminUrl),
      poolSize: 1,
    });
    try {
      await db.execute('CREATE TABLE notes (id int PRIMARY KEY); INSERT INTO notes VALUES (1)');
      const read = () => db.query('SELECT * FROM notes WHERE id = $1', [1]);
      expect(await read()).toEqual([{ id: 1 }]);
      await db.execute("ALTER TABLE notes ADD COLUMN body text NOT NULL DEFAULT 'hello'");
      expect(await read()).toEqual([{ id: 1, body: 'hello' }]);
      expect(await read()).toEqual([{ id: 1, body: 'hello' }]);
    } finally {
      await db.close();
    }
  });
});
