/**
 * npm run keys -- create --account <name> --scopes <a,b> [--expires-in 30d] [--description text]
 * npm run keys -- list [--account <name>]
 * npm run keys -- revoke <id or prefix>
 *
 * Key management straight on the store (DATA_DIR or DATABASE_URL), for the operator who creates
 * the first key before anyone can call the API. `create` prints the new key alone on its last
 * line. With the embedded store, run it while the server is stopped (PGlite is single-process),
 * or use the `createApiKey` mutation with an admin key.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { issueApiKey } from '../security/api-keys.js';
import { openStore } from '../store/index.js';

const USAGE =
  'usage: npm run keys -- create --account <name> --scopes <generate,route,eval,admin> [--expires-in 30d] [--description text] | list [--account <name>] | revoke <id or prefix>';

function expiry(value: string | undefined): Date | null {
  if (!value) return null;
  const match = /^(\d+)([hd])$/.exec(value);
  if (!match) throw new Error('--expires-in takes hours or days, e.g. 12h or 30d');
  return new Date(Date.now() + Number(match[1]) * (match[2] === 'h' ? 3_600_000 : 86_400_000));
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: {
      account: { type: 'string' },
      scopes: { type: 'string' },
      'expires-in': { type: 'string' },
      description: { type: 'string' },
    },
    allowPositionals: true,
  });
  const [command, target] = positionals;
  if (!command || !['create', 'list', 'revoke'].includes(command)) {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig();
  const store = await openStore({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    poolSize: 1,
  });
  try {
    if (command === 'create') {
      if (!values.account || !values.scopes) {
        console.error(USAGE);
        return 2;
      }
      const { key, record } = await issueApiKey(store.apiKeys, {
        accountId: values.account,
        scopes: values.scopes.split(',').map((scope) => scope.trim()),
        description: values.description ?? null,
        expiresAt: expiry(values['expires-in']),
      });
      console.log(
        `created ${record.prefix} for account ${record.accountId} with scopes ${record.scopes.join(',')}${record.expiresAt ? `, expiring ${record.expiresAt.toISOString()}` : ''}`,
      );
      console.log('the key is shown once, on the next line:');
      console.log(key);
      return 0;
    }
    if (command === 'list') {
      for (const key of await store.apiKeys.list(values.account ?? null)) {
        const state = key.revokedAt
          ? 'revoked'
          : key.expiresAt && key.expiresAt < new Date()
            ? 'expired'
            : 'active';
        console.log(
          `${key.prefix}  ${key.accountId}  ${key.scopes.join(',')}  ${state}  created ${key.createdAt.toISOString()}`,
        );
      }
      return 0;
    }
    if (!target) {
      console.error(USAGE);
      return 2;
    }
    const revoked = await store.apiKeys.revoke(target, null);
    if (!revoked) {
      console.error(`no key with id or prefix ${target}`);
      return 1;
    }
    console.log(`revoked ${revoked.prefix} of account ${revoked.accountId}`);
    return 0;
  } finally {
    await store.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`keys: ${(error as Error).message}`);
    process.exit(2);
  },
);
