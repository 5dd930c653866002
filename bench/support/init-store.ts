/**
 * Child-process entry: creates and migrates the store (a PGlite data directory, whose initdb takes
 * seconds and leaves its memory in the process, or the PostgreSQL database at DATABASE_URL), so
 * that the subgraph then opens an existing one, as on every restart in production; and issues
 * the API key the benchmark's clients authenticate with (production accepts no anonymous caller).
 */
import { issueApiKey } from '../../src/security/api-keys.js';
import { SCOPES } from '../../src/security/scopes.js';
import { openStore } from '../../src/infra/store/index.js';
import { BENCH_ACCOUNT } from './fixtures.js';
import type { ChildMessage } from './ipc.js';

if (!process.send) throw new Error('init-store.ts runs as a forked child (see harness.ts)');
const dataDir = process.env['DATA_DIR'];
if (!dataDir) throw new Error('DATA_DIR is not set');
const store = await openStore({
  dataDir,
  databaseUrl: process.env['DATABASE_URL'] || undefined,
  poolSize: 1,
});
const { key } = await issueApiKey(store.apiKeys, { accountId: BENCH_ACCOUNT, scopes: SCOPES });
await store.close();
process.send({ type: 'ready', url: dataDir, apiKey: key } satisfies ChildMessage, () =>
  process.exit(0),
);
