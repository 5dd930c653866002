/**
 * npm run keys -- create --account <name> --scopes <a,b> [--expires-in 30d] [--description text]
 * npm run keys -- list [--account <name>]
 * npm run keys -- revoke <id or prefix>
 *
 * Key management for the operator, who creates the first key before anyone can call the API. It
 * works whether or not the server runs: when a server holds the embedded DATA_DIR (its lock file
 * names the URL it serves), the keys go through that server's API (createApiKey and friends), so
 * that the server sees them at once and nothing is written behind its back; otherwise straight
 * into the store (DATA_DIR, or DATABASE_URL, which many processes may share). `create` prints the
 * new key alone on its last line.
 */
import { parseArgs } from 'node:util';
import { openApiKeys, type OpenedApiKeys } from '../app/api-keys.js';
import { loadConfig } from '../config.js';
import { dataDirHolder } from '../infra/store/data-dir-lock.js';
import { printedHelp, runCommand } from './command.js';
import { GraphQLRequestError, clientFor, graphql, type ClientOptions } from './graphql-client.js';

const USAGE = [
  'usage: npm run keys -- create --account <name> --scopes <generate,route,eval,admin> [--expires-in 30d] [--description text]',
  '       npm run keys -- list [--account <name>]',
  '       npm run keys -- revoke <id or prefix>',
  '       common: [--url http://host:4000/graphql] [--key ADMIN_KEY]: go through a running server',
  '       (the default when one holds DATA_DIR; it needs an admin key once the first key exists)',
].join('\n');

interface KeyListing {
  prefix: string;
  accountId: string;
  scopes: string[];
  expiresAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

interface NewKey {
  accountId: string;
  scopes: string[];
  description: string | null;
  expiresAt: Date | null;
}

/** Where keys are kept: the store itself, or a running server in front of it. */
interface KeyAdmin {
  /** The key and whether it is the first usable one (which ends the anonymous "dev" account). */
  create(request: NewKey): Promise<{ key: string; listing: KeyListing; first: boolean }>;
  list(accountId: string | null): Promise<KeyListing[]>;
  revoke(target: string): Promise<KeyListing | null>;
  close(): Promise<void>;
}

function storeAdmin({ apiKeys, close }: OpenedApiKeys): KeyAdmin {
  return {
    async create(request) {
      const first = !(await apiKeys.anyUsable());
      const { key, record } = await apiKeys.issue(request);
      return { key, listing: record, first };
    },
    list: (accountId) => apiKeys.list(accountId),
    revoke: (target) => apiKeys.revoke(target, null),
    close,
  };
}

const KEY_FIELDS = 'prefix accountId scopes expiresAt revokedAt createdAt';

interface WireKey extends Omit<KeyListing, 'expiresAt' | 'revokedAt' | 'createdAt'> {
  expiresAt: string | null;
  revokedAt: string | null;
  createdAt: string;
}

const fromWire = (key: WireKey): KeyListing => ({
  ...key,
  // The schema spells scopes as an enum (`GENERATE`); keys and tokens carry `generate`.
  scopes: key.scopes.map((scope) => scope.toLowerCase()),
  expiresAt: key.expiresAt ? new Date(key.expiresAt) : null,
  revokedAt: key.revokedAt ? new Date(key.revokedAt) : null,
  createdAt: new Date(key.createdAt),
});

interface WireKeyPage {
  nodes: WireKey[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

interface UserError {
  field: string[] | null;
  code: string;
  message: string;
}

/** A payload's `userErrors` as the one error the CLI prints (the first one's code kept). */
function refuseOn(userErrors: UserError[]): void {
  if (userErrors.length === 0) return;
  throw new GraphQLRequestError(
    userErrors
      .map((error) => (error.field ? `${error.field.join('.')}: ${error.message}` : error.message))
      .join('; '),
    userErrors[0]!.code,
  );
}

const USER_ERRORS = 'userErrors { field code message }';

function serverAdmin(client: ClientOptions): KeyAdmin {
  // The server answers for the store it holds; without an admin key it says who may ask.
  async function call<T>(query: string, variables: Record<string, unknown>): Promise<T> {
    try {
      return await graphql<T>(client, query, variables);
    } catch (error) {
      if (
        error instanceof GraphQLRequestError &&
        (error.code === 'UNAUTHENTICATED' || error.code === 'FORBIDDEN')
      )
        throw new Error(
          `${client.url} refused: ${error.message}. Keys exist already: pass an admin key with --key or AI_SUBGRAPH_KEY, or stop the server and run this again`,
          { cause: error },
        );
      throw error;
    }
  }
  return {
    async create(request) {
      const { createApiKey } = await call<{
        createApiKey: { key: string | null; apiKey: WireKey | null; userErrors: UserError[] };
      }>(
        `mutation CreateApiKey($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { ${KEY_FIELDS} } ${USER_ERRORS} } }`,
        {
          input: {
            ...request,
            scopes: request.scopes.map((scope) => scope.toUpperCase()),
            expiresAt: request.expiresAt?.toISOString() ?? null,
          },
        },
      );
      refuseOn(createApiKey.userErrors);
      // Anonymous calls are served only while no key exists: this one was the first.
      return {
        key: createApiKey.key!,
        listing: fromWire(createApiKey.apiKey!),
        first: !client.key,
      };
    },
    async list(accountId) {
      // Every page of the connection, newest first.
      const keys: KeyListing[] = [];
      let after: string | null = null;
      for (;;) {
        const { apiKeys }: { apiKeys: WireKeyPage } = await call<{ apiKeys: WireKeyPage }>(
          `query ApiKeys($accountId: String, $after: String) { apiKeys(accountId: $accountId, first: 100, after: $after) { nodes { ${KEY_FIELDS} } pageInfo { hasNextPage endCursor } } }`,
          { accountId, after },
        );
        keys.push(...apiKeys.nodes.map(fromWire));
        if (!apiKeys.pageInfo.hasNextPage) return keys;
        after = apiKeys.pageInfo.endCursor;
      }
    },
    async revoke(target) {
      const { revokeApiKey } = await call<{
        revokeApiKey: { apiKey: WireKey | null; userErrors: UserError[] };
      }>(
        `mutation RevokeApiKey($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { apiKey { ${KEY_FIELDS} } ${USER_ERRORS} } }`,
        { input: { id: target } },
      );
      if (revokeApiKey.userErrors.some((error) => error.code === 'NOT_FOUND')) return null;
      refuseOn(revokeApiKey.userErrors);
      return fromWire(revokeApiKey.apiKey!);
    },
    close: async () => undefined,
  };
}

/** Through the server named by --url or holding DATA_DIR, else straight into the store. */
async function openKeyAdmin(flags: { url?: string; key?: string }): Promise<KeyAdmin> {
  const config = loadConfig();
  const holder = config.databaseUrl ? null : dataDirHolder(config.dataDir);
  const url = flags.url ?? holder?.url;
  if (url) {
    if (holder) console.error(`DATA_DIR ${config.dataDir} is held by process ${holder.pid}`);
    return serverAdmin(clientFor({ ...flags, url }));
  }
  console.error(
    `store: ${config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded, in ${config.dataDir}`}`,
  );
  // A DATA_DIR held by a process that serves no URL (another CLI) stops here, naming it.
  return storeAdmin(await openApiKeys(config));
}

function expiry(value: string | undefined): Date | null {
  if (!value) return null;
  const match = /^(\d+)([hd])$/.exec(value);
  if (!match) throw new Error('--expires-in takes hours or days, e.g. 12h or 30d');
  return new Date(Date.now() + Number(match[1]) * (match[2] === 'h' ? 3_600_000 : 86_400_000));
}

const FIRST_KEY_NOTICE = [
  'this is the first API key: anonymous access from loopback (the "dev" account) is now off.',
  'Every caller (Sandbox, the explorer, the CLIs) must now send Authorization: Bearer <key>',
  '(CLIs: --key or AI_SUBGRAPH_KEY). To get anonymous loopback access back, revoke every key:',
  'npm run keys -- list, then npm run keys -- revoke <prefix>.',
].join('\n');

async function main(): Promise<number> {
  if (printedHelp(USAGE)) return 0;
  const { values, positionals } = parseArgs({
    options: {
      account: { type: 'string' },
      scopes: { type: 'string' },
      'expires-in': { type: 'string' },
      description: { type: 'string' },
      url: { type: 'string' },
      key: { type: 'string' },
    },
    allowPositionals: true,
  });
  const [command, target] = positionals;
  const valid =
    (command === 'create' && values.account && values.scopes) ||
    command === 'list' ||
    (command === 'revoke' && target);
  if (!valid) {
    console.error(USAGE);
    return 2;
  }
  const admin = await openKeyAdmin(values);
  try {
    if (command === 'create') {
      const { key, listing, first } = await admin.create({
        accountId: values.account!,
        scopes: values.scopes!.split(',').map((scope) => scope.trim()),
        description: values.description ?? null,
        expiresAt: expiry(values['expires-in']),
      });
      console.log(
        `created ${listing.prefix} for account ${listing.accountId} with scopes ${listing.scopes.join(',')}${listing.expiresAt ? `, expiring ${listing.expiresAt.toISOString()}` : ''}`,
      );
      if (first) console.log(FIRST_KEY_NOTICE);
      console.log('the key is shown once, on the next line:');
      console.log(key);
      return 0;
    }
    if (command === 'list') {
      for (const key of await admin.list(values.account ?? null)) {
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
    const revoked = await admin.revoke(target!);
    if (!revoked) {
      console.error(`no key with id or prefix ${target}`);
      return 1;
    }
    console.log(`revoked ${revoked.prefix} of account ${revoked.accountId}`);
    return 0;
  } finally {
    await admin.close();
  }
}

runCommand(import.meta.url, 'keys', main);
