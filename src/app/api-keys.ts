/**
 * API key management straight on the store a configuration names, for `npm run keys` when no
 * server holds it: the operator creates the first key before anything can call the API.
 */
import type { Config } from '../config.js';
import { ApiKeyService } from '../security/api-key-service.js';
import { KeyRevocationWatch } from '../security/api-keys.js';
import { openStore } from '../infra/store/index.js';

export interface OpenedApiKeys {
  apiKeys: ApiKeyService;
  close(): Promise<void>;
}

export async function openApiKeys(config: Config): Promise<OpenedApiKeys> {
  // One connection: a CLI does one thing at a time.
  const store = await openStore({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    poolSize: 1,
  });
  return {
    apiKeys: new ApiKeyService(store.apiKeys, new KeyRevocationWatch(store.apiKeys)),
    close: () => store.close(),
  };
}
