/** Issues API keys straight into a data directory, as `npm run keys -- create` does, before a server opens it. */
import { issueApiKey } from '../../src/security/api-keys.js';
import { openStore } from '../../src/infra/store/index.js';
import { storeEnvFor } from './server.js';

/** Into the store a test server on `dataDir` will open: PGlite there, or its PostgreSQL database. */
export async function issueKeyIn(
  dataDir: string,
  accountId: string,
  scopes: string[],
  expiresAt: Date | null = null,
): Promise<string> {
  const { DATABASE_URL: databaseUrl } = await storeEnvFor(dataDir);
  const store = await openStore({ dataDir, databaseUrl, poolSize: 1 });
  try {
    return (await issueApiKey(store.apiKeys, { accountId, scopes, expiresAt })).key;
  } finally {
    await store.close();
  }
}
