/**
 * The store contract on PGlite. One embedded database (copied from the run's migrated template,
 * since PGlite's initdb takes seconds) gives each test a fresh, empty schema to migrate.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import type { SqlDatabase } from '../../../src/infra/store/database.js';
import { openEmbeddedDatabase } from '../../../src/infra/store/pglite.js';
import { temporaryDataDir } from '../../support/server.js';
import { runStoreContract } from './store-contract.js';

let embedded: SqlDatabase;
let dataDir: string;

beforeAll(async () => {
  dataDir = temporaryDataDir();
  embedded = await openEmbeddedDatabase(dataDir);
});

afterAll(async () => {
  await embedded?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

runStoreContract('PGlite', {
  async fresh() {
    // PGlite has one connection, so the search path set here holds for everything after it.
    const schema = `t_${randomBytes(6).toString('hex')}`;
    await embedded.execute(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}`);
    return { ...embedded, close: async () => undefined };
  },
});
