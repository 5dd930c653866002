/** Issues API keys straight into a data directory, as `npm run keys -- create` does, before a server opens it. */
import { issueApiKey } from '../../src/security/api-keys.js';
import { openStore } from '../../src/store/index.js';

export async function issueKeyIn(dataDir: string, accountId: string, scopes: string[], expiresAt: Date | null = null): Promise<string> {
  const store = await openStore({ dataDir, poolSize: 1 });
  try {
    return (await issueApiKey(store.apiKeys, { accountId, scopes, expiresAt })).key;
  } finally {
    await store.close();
  }
}
