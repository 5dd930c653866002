/**
 * The adversarial identity suite: who may call, with what scopes, and that no account can see or
 * touch another's objects — over HTTP and over graphql-ws.
 */
import { createClient } from 'graphql-ws';
import { SignJWT, exportSPKI, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildSchema } from '../../src/graphql/schema.js';
import { statusUpdateInput } from '../fixtures/status-update.js';
import { issueKeyIn } from '../support/keys.js';
import { spawnServer } from '../support/process.js';
import { runCli } from '../support/cli.js';
import {
  collectStream,
  startTestServer,
  storeEnvFor,
  temporaryDataDir,
  type TestServer,
} from '../support/server.js';
import { until } from '../support/until.js';

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const DRAFT =
  'mutation($input: DraftStatusUpdateInput!) { draftStatusUpdate(input: $input) { generation { id status } } }';

/** Opens a graphql-ws connection and reports how it ended: acknowledged, or closed with a code. */
function connect(
  url: string,
  connectionParams?: Record<string, unknown>,
): Promise<{ acknowledged: boolean; closeCode?: number }> {
  return new Promise((resolve) => {
    // The close is the answer here: not logged as an error (graphql-ws's default for a non-lazy client).
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => undefined,
      connectionParams,
      on: {
        connected: () => {
          resolve({ acknowledged: true });
          void client.dispose();
        },
        closed: (event) =>
          resolve({ acknowledged: false, closeCode: (event as { code: number }).code }),
      },
    });
  });
}

describe('production identity', () => {
  let server: TestServer;
  let admin: string;
  let generator: string;
  let router: string;

  beforeAll(async () => {
    const dataDir = temporaryDataDir();
    admin = await issueKeyIn(dataDir, 'ops', ['admin']);
    generator = await issueKeyIn(dataDir, 'acme', ['generate']);
    router = await issueKeyIn(dataDir, 'acme', ['route']);
    server = await startTestServer({ NODE_ENV: 'production', DATA_DIR: dataDir });
  });
  afterAll(() => server.stop());

  it('refuses requests without credentials, or with a malformed or unknown key, with 401 UNAUTHENTICATED', async () => {
    for (const headers of [
      {},
      { authorization: 'Basic abc' },
      bearer('ais_0000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'),
      bearer('not-a-key'),
    ]) {
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query: '{ taxonomies { nodes { id } } }' }),
      });
      expect(response.status).toBe(401);
      const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
      expect(body.errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
    }
  });

  it('answers introspection and _service to authenticated callers only', async () => {
    const anonymous = await server.graphql('{ _service { sdl } }');
    expect(anonymous.status).toBe(401);
    const authenticated = await server.graphql<{ _service: { sdl: string } }>(
      '{ _service { sdl } }',
      {},
      bearer(generator),
    );
    expect(authenticated.data!._service.sdl).toContain('draftStatusUpdate');
    const schema = await server.graphql<{ __schema: { queryType: { name: string } } }>(
      '{ __schema { queryType { name } } }',
      {},
      bearer(generator),
    );
    expect(schema.data!.__schema.queryType.name).toBe('Query');
  });

  it('lets a key do what its scopes allow, and answers FORBIDDEN for the rest', async () => {
    const drafted = await server.graphql<{ draftStatusUpdate: { generation: { status: string } } }>(
      DRAFT,
      { input: statusUpdateInput() },
      bearer(generator),
    );
    expect(drafted.data!.draftStatusUpdate.generation.status).toBe('SUCCEEDED');
    const routed = await server.graphql('{ taxonomies { nodes { id } } }', {}, bearer(generator));
    expect(routed.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    expect(routed.errors![0]!.message).toContain('Query.taxonomies needs the scope route');
    const noDraft = await server.graphql(DRAFT, { input: statusUpdateInput() }, bearer(router));
    expect(noDraft.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const keys = await server.graphql('{ apiKeys { totalCount } }', {}, bearer(generator));
    expect(keys.errors![0]!.extensions!.code).toBe('FORBIDDEN');
  });

  it('lets an admin create keys shown once, list them without secrets, and revoke them at once', async () => {
    const created = await server.graphql<{
      createApiKey: {
        key: string;
        apiKey: { id: string; prefix: string; scopes: string[] };
        userErrors: unknown[];
      };
    }>(
      'mutation { createApiKey(input: { accountId: "globex", scopes: [ROUTE] }) { key apiKey { id prefix scopes } userErrors { field code message } } }',
      {},
      bearer(admin),
    );
    const { key, apiKey, userErrors } = created.data!.createApiKey;
    expect(userErrors).toEqual([]);
    expect(apiKey.scopes).toEqual(['ROUTE']);
    expect(key.startsWith(`${apiKey.prefix}_`)).toBe(true);
    const listed = await server.graphql<{
      apiKeys: { nodes: Record<string, unknown>[]; totalCount: number };
    }>(
      'query { apiKeys(accountId: "globex") { nodes { id prefix scopes revokedAt } totalCount } }',
      {},
      bearer(admin),
    );
    expect(listed.data!.apiKeys).toEqual({
      nodes: [{ id: apiKey.id, prefix: apiKey.prefix, scopes: ['ROUTE'], revokedAt: null }],
      totalCount: 1,
    });
    expect(JSON.stringify(listed)).not.toContain(key.slice(16));

    expect((await server.graphql('{ taxonomies { nodes { id } } }', {}, bearer(key))).status).toBe(
      200,
    );
    const revokedKey = await server.graphql<{
      revokeApiKey: { apiKey: { id: string; revokedAt: string | null }; userErrors: unknown[] };
    }>(
      'mutation($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { apiKey { id revokedAt } userErrors { field } } }',
      { input: { id: apiKey.prefix } },
      bearer(admin),
    );
    expect(revokedKey.data!.revokeApiKey.apiKey.id).toBe(apiKey.id);
    expect(revokedKey.data!.revokeApiKey.apiKey.revokedAt).not.toBeNull();
    expect(revokedKey.data!.revokeApiKey.userErrors).toEqual([]);
    const revoked = await server.graphql('{ taxonomies { nodes { id } } }', {}, bearer(key));
    expect(revoked.status).toBe(401);
    expect(revoked.errors![0]!.message).toBe('this API key was revoked');
  });

  it('reports bad key requests and unknown keys as userErrors with the field path', async () => {
    const refused = await server.graphql<{ createApiKey: Record<string, unknown> }>(
      'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id } userErrors { field code message } } }',
      { input: { accountId: 'no spaces allowed', scopes: ['ROUTE'] } },
      bearer(admin),
    );
    expect(refused.errors).toBeUndefined();
    expect(refused.data!.createApiKey).toEqual({
      key: null,
      apiKey: null,
      userErrors: [
        {
          field: ['input', 'accountId'],
          code: 'BAD_USER_INPUT',
          message: '1 to 63 letters, digits, dots, dashes or underscores',
        },
      ],
    });
    const noScope = await server.graphql<{ createApiKey: { userErrors: { field: string[] }[] } }>(
      'mutation { createApiKey(input: { accountId: "globex", scopes: [] }) { key userErrors { field code } } }',
      {},
      bearer(admin),
    );
    expect(noScope.data!.createApiKey).toEqual({
      key: null,
      userErrors: [{ field: ['input', 'scopes'], code: 'BAD_USER_INPUT' }],
    });
    const unknown = await server.graphql<{ revokeApiKey: Record<string, unknown> }>(
      'mutation { revokeApiKey(input: { id: "ais_ffffffffff" }) { apiKey { id } userErrors { field code } } }',
      {},
      bearer(admin),
    );
    expect(unknown.data!.revokeApiKey).toEqual({
      apiKey: null,
      userErrors: [{ field: ['input', 'id'], code: 'NOT_FOUND' }],
    });
  });

  it('pages the keys as a connection, newest first, with the total on every page', async () => {
    const prefixes: string[] = [];
    for (let i = 0; i < 3; i++) {
      const created = await server.graphql<{ createApiKey: { apiKey: { prefix: string } } }>(
        'mutation { createApiKey(input: { accountId: "paged", scopes: [EVAL] }) { apiKey { prefix } } }',
        {},
        bearer(admin),
      );
      prefixes.unshift(created.data!.createApiKey.apiKey.prefix);
    }
    type Page = {
      apiKeys: {
        edges: { cursor: string; node: { prefix: string } }[];
        nodes: { prefix: string }[];
        pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
        totalCount: number;
      };
    };
    const PAGE =
      'query($after: String) { apiKeys(accountId: "paged", first: 2, after: $after) { edges { cursor node { prefix } } nodes { prefix } pageInfo { hasNextPage hasPreviousPage endCursor } totalCount } }';
    const first = (await server.graphql<Page>(PAGE, { after: null }, bearer(admin))).data!.apiKeys;
    expect(first.nodes.map((node) => node.prefix)).toEqual(prefixes.slice(0, 2));
    expect(first.edges.map((edge) => edge.node.prefix)).toEqual(prefixes.slice(0, 2));
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(first.pageInfo.endCursor).toBe(first.edges[1]!.cursor);
    expect(first.totalCount).toBe(3);
    const second = (
      await server.graphql<Page>(PAGE, { after: first.pageInfo.endCursor }, bearer(admin))
    ).data!.apiKeys;
    expect(second.nodes.map((node) => node.prefix)).toEqual(prefixes.slice(2));
    expect(second.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect(second.totalCount).toBe(3);
  });

  it('records when a key was last used, to the minute, without writing on every request', async () => {
    const created = await server.graphql<{ createApiKey: { key: string; apiKey: { id: string } } }>(
      'mutation { createApiKey(input: { accountId: "initech", scopes: [ROUTE] }) { key apiKey { id } } }',
      {},
      bearer(admin),
    );
    const { key, apiKey } = created.data!.createApiKey;
    const lastUsed = async () => {
      const listed = await server.graphql<{
        apiKeys: { nodes: { id: string; lastUsedAt: string | null }[] };
      }>('query { apiKeys(accountId: "initech") { nodes { id lastUsedAt } } }', {}, bearer(admin));
      return listed.data!.apiKeys.nodes.find((listedKey) => listedKey.id === apiKey.id)!.lastUsedAt;
    };
    expect(await lastUsed()).toBeNull();

    expect((await server.graphql('{ taxonomies { nodes { id } } }', {}, bearer(key))).status).toBe(
      200,
    );
    await until('the first use to be recorded', async () => (await lastUsed()) !== null, 5_000);
    const first = await lastUsed();
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (let i = 0; i < 3; i++)
      expect(
        (await server.graphql('{ taxonomies { nodes { id } } }', {}, bearer(key))).status,
      ).toBe(200);
    // Within the minute the later requests leave the recorded time as it was.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await lastUsed()).toBe(first);
  });

  it('refuses an expired key', async () => {
    const expiresAt = new Date(Date.now() + 1_200).toISOString();
    const created = await server.graphql<{ createApiKey: { key: string } }>(
      'mutation($at: DateTime) { createApiKey(input: { accountId: "acme", scopes: [ROUTE], expiresAt: $at }) { key } }',
      { at: expiresAt },
      bearer(admin),
    );
    const { key } = created.data!.createApiKey;
    expect((await server.graphql('{ taxonomies { nodes { id } } }', {}, bearer(key))).status).toBe(
      200,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_400));
    const expired = await server.graphql('{ taxonomies { nodes { id } } }', {}, bearer(key));
    expect(expired.errors![0]!).toMatchObject({
      message: 'this API key has expired',
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });

  it('authenticates websocket clients in connection_init, and refuses the operations of others with UNAUTHENTICATED', async () => {
    // Refused connections are acknowledged and each operation answered with the error, which a
    // graphql-ws client (or a gateway) reports at once instead of retrying a closed socket.
    for (const connectionParams of [
      undefined,
      { authorization: 'Bearer ais_0000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
    ]) {
      const started = Date.now();
      const refused = await collectStream(
        server.wsClient(connectionParams ? { connectionParams } : {}),
        'any',
      );
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(refused.events).toEqual([]);
      expect(refused.errors).toMatchObject([{ extensions: { code: 'UNAUTHENTICATED' } }]);
    }
    expect(await connect(server.wsUrl, bearer(generator))).toEqual({ acknowledged: true });

    const drafted = await server.graphql<{ draftStatusUpdate: { generation: { id: string } } }>(
      DRAFT,
      { input: statusUpdateInput({ stream: true }) },
      bearer(generator),
    );
    const withScope = await collectStream(
      server.wsClient({ connectionParams: bearer(generator) }),
      drafted.data!.draftStatusUpdate.generation.id,
    );
    expect(withScope.events.at(-1)!.generation!.status).toBe('SUCCEEDED');
    const withoutScope = await collectStream(
      server.wsClient({ connectionParams: bearer(router) }),
      drafted.data!.draftStatusUpdate.generation.id,
    );
    expect((withoutScope.errors as { extensions: { code: string } }[])[0]!.extensions.code).toBe(
      'FORBIDDEN',
    );
  });
});

describe('tenant isolation', () => {
  let server: TestServer;
  let alice: string;
  let bob: string;
  const owned: { generation?: string; taxonomy?: string; prediction?: string } = {};

  beforeAll(async () => {
    const dataDir = temporaryDataDir();
    alice = await issueKeyIn(dataDir, 'alice-co', ['generate', 'route']);
    bob = await issueKeyIn(dataDir, 'bob-co', ['generate', 'route']);
    server = await startTestServer({
      NODE_ENV: 'production',
      DATA_DIR: dataDir,
      BUILTIN_STREAM_DELAY_MS: '20',
    });
    const generation = await server.graphql<{ draftStatusUpdate: { generation: { id: string } } }>(
      DRAFT,
      { input: statusUpdateInput({ incidentId: 'INC-A', stream: true }) },
      bearer(alice),
    );
    owned.generation = generation.data!.draftStatusUpdate.generation.id;
    const taxonomy = await server.graphql<{ createTaxonomy: { taxonomy: { id: string } } }>(
      'mutation { createTaxonomy(input: { name: "alice", categories: [{ name: "billing", description: "money", examples: ["refund my invoice"] }, { name: "access", description: "login", examples: ["cannot log in"] }] }) { taxonomy { id } } }',
      {},
      bearer(alice),
    );
    owned.taxonomy = taxonomy.data!.createTaxonomy.taxonomy.id;
    const prediction = await server.graphql<{ routeTicket: { id: string } }>(
      'query($t: ID) { routeTicket(ticket: { id: "1", body: "refund please" }, taxonomyId: $t) { id } }',
      { t: owned.taxonomy },
      bearer(alice),
    );
    owned.prediction = prediction.data!.routeTicket.id;
  });
  afterAll(() => server.stop());

  it("answers every id-taking field on another account's objects as if they did not exist", async () => {
    const asBob = (query: string, variables: Record<string, unknown> = {}) =>
      server.graphql<Record<string, unknown>>(query, variables, bearer(bob));
    expect(
      (await asBob('query($id: ID!) { generation(id: $id) { id } }', { id: owned.generation }))
        .data!.generation,
    ).toBeNull();
    expect((await asBob('{ generations(first: 100) { edges { node { id } } } }')).data).toEqual({
      generations: { edges: [] },
    });
    /** A GraphQL error's code, else (a mutation's payload) its first user error's. */
    const code = async (query: string, variables: Record<string, unknown>) => {
      const { data, errors } = await asBob(query, variables);
      const payload = Object.values(data ?? {})[0] as { userErrors?: { code: string }[] } | null;
      return errors?.[0]?.extensions?.code ?? payload?.userErrors?.[0]?.code;
    };
    expect(
      await code(
        'mutation($id: ID!) { cancelGeneration(input: { id: $id }) { generation { id } userErrors { code } } }',
        { id: owned.generation },
      ),
    ).toBe('NOT_FOUND');
    expect(
      await code(
        'query($t: ID) { routeTicket(ticket: { id: "2", body: "x" }, taxonomyId: $t) { id } }',
        { t: owned.taxonomy },
      ),
    ).toBe('NOT_FOUND');
    expect(
      await code(
        'mutation($t: ID!) { importLabeledTickets(input: { taxonomyId: $t, examples: [{ body: "x", category: "billing" }] }) { imported userErrors { code } } }',
        { t: owned.taxonomy },
      ),
    ).toBe('NOT_FOUND');
    expect(
      await code(
        'mutation($t: ID!) { trainRouter(input: { taxonomyId: $t }) { model { id } userErrors { code } } }',
        { t: owned.taxonomy },
      ),
    ).toBe('NOT_FOUND');
    expect(
      await code(
        'mutation($t: ID!) { setDefaultTaxonomy(input: { id: $t }) { taxonomy { id } userErrors { code } } }',
        { t: owned.taxonomy },
      ),
    ).toBe('NOT_FOUND');
    expect(
      await code(
        'mutation($t: ID!) { updateTaxonomy(input: { id: $t, name: "alice", categories: [{ name: "a", description: "a" }, { name: "b", description: "b" }] }) { taxonomy { id } userErrors { code } } }',
        { t: owned.taxonomy },
      ),
    ).toBe('NOT_FOUND');
    expect(
      await code('query($t: ID) { reviewQueue(taxonomyId: $t) { nodes { id } } }', {
        t: owned.taxonomy,
      }),
    ).toBe('NOT_FOUND');
    expect(
      await code(
        'mutation($p: ID!) { reviewRouting(input: { predictionId: $p, category: "billing" }) { prediction { id } userErrors { code } } }',
        { p: owned.prediction },
      ),
    ).toBe('NOT_FOUND');
    // Another account's prediction is not there to read either.
    expect(
      (await asBob('query($p: ID!) { routingPrediction(id: $p) { id } }', { p: owned.prediction }))
        .data,
    ).toEqual({ routingPrediction: null });
    expect((await asBob('{ taxonomies { nodes { id } } }')).data).toEqual({
      taxonomies: { nodes: [] },
    });
    const entities = await asBob(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Incident { drafts { totalCount nodes { id } } } ... on Generation { id } } }',
      {
        r: [
          { __typename: 'Incident', id: 'INC-A' },
          { __typename: 'Generation', id: owned.generation },
        ],
      },
    );
    expect(entities.data).toEqual({
      _entities: [{ drafts: { totalCount: 0, nodes: [] } }, null],
    });
    const stream = await collectStream(
      server.wsClient({ connectionParams: bearer(bob) }),
      owned.generation!,
    );
    expect((stream.errors as { extensions: { code: string } }[])[0]!.extensions.code).toBe(
      'NOT_FOUND',
    );
    // Alice still has everything.
    const mine = await server.graphql<{ generation: { id: string } }>(
      'query($id: ID!) { generation(id: $id) { id } }',
      { id: owned.generation },
      bearer(alice),
    );
    expect(mine.data!.generation.id).toBe(owned.generation);
  });
});

// These tests start real child processes (tsx compiles on start): slow on a loaded machine.
describe('development defaults', { timeout: 90_000 }, () => {
  it('serves the dev account to loopback callers only while no key exists, and says so at start-up', async () => {
    const dataDir = temporaryDataDir();
    const dev = spawnServer({ NODE_ENV: 'development', DATA_DIR: dataDir });
    const url = await dev.ready;
    expect(dev.stdout()).toContain('serving the single \\"dev\\" account');
    const open = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ taxonomies { nodes { id } } }' }),
    });
    expect(open.status).toBe(200);
    dev.child.kill('SIGTERM');
    await dev.exited;

    // Once a key exists the development account is gone, even on loopback.
    await issueKeyIn(dataDir, 'acme', ['route']);
    const server = await startTestServer({ NODE_ENV: 'development', DATA_DIR: dataDir });
    try {
      expect((await server.graphql('{ taxonomies { nodes { id } } }')).status).toBe(401);
    } finally {
      await server.stop();
    }
  });

  it('refuses to start in production with no way to authenticate, in one line', async () => {
    const server = spawnServer({ NODE_ENV: 'production', DATA_DIR: temporaryDataDir() });
    const { code } = await server.exited;
    expect(code).toBe(1);
    expect(server.stderr().trim().split('\n')).toEqual([
      expect.stringMatching(
        /^ai-subgraph: invalid configuration: production needs a way to authenticate/,
      ),
    ]);
  });

  it('creates a key with the CLI, printed alone on the last line', async () => {
    const dataDir = temporaryDataDir();
    const output = await runCli(
      'keys',
      ['create', '--account', 'acme', '--scopes', 'generate,route'],
      { ...(await storeEnvFor(dataDir)), LOG_LEVEL: 'silent' },
    );
    expect(output.code).toBe(0);
    const key = output.stdout.trim().split('\n').at(-1)!;
    expect(key).toMatch(/^ais_[0-9a-f]{10}_[A-Za-z0-9_-]{43}$/);
    const server = await startTestServer({ NODE_ENV: 'production', DATA_DIR: dataDir });
    try {
      expect(
        (await server.graphql('{ taxonomies { nodes { id } } }', {}, bearer(key))).data,
      ).toEqual({
        taxonomies: { nodes: [] },
      });
    } finally {
      await server.stop();
    }
  });
});

describe('JWT from the router', () => {
  it('accepts a token signed by the configured key with the right issuer and audience; scopes from its claim', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const pem = await exportSPKI(publicKey);
    const server = await startTestServer({
      NODE_ENV: 'production',
      JWT_ISSUER: 'https://router.example',
      JWT_AUDIENCE: 'ai-subgraph',
      JWT_PUBLIC_KEY: pem,
    });
    const token = (claims: Record<string, unknown>, audience = 'ai-subgraph') =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256' })
        .setIssuer('https://router.example')
        .setAudience(audience)
        .setSubject('acme')
        .setExpirationTime('5m')
        .sign(privateKey);
    try {
      expect(
        (
          await server.graphql(
            '{ taxonomies { nodes { id } } }',
            {},
            bearer(await token({ scope: 'route generate' })),
          )
        ).data,
      ).toEqual({ taxonomies: { nodes: [] } });
      const noScope = await server.graphql(
        '{ taxonomies { nodes { id } } }',
        {},
        bearer(await token({ scope: 'generate' })),
      );
      expect(noScope.errors![0]!.extensions!.code).toBe('FORBIDDEN');
      const wrongAudience = await server.graphql(
        '{ taxonomies { nodes { id } } }',
        {},
        bearer(await token({ scope: 'route' }, 'someone-else')),
      );
      expect(wrongAudience.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    } finally {
      await server.stop();
    }
  });
});

describe('the schema declares a scope on every field that reaches data', () => {
  it('has @requiresScopes on every root field but the federation ones', () => {
    const schema = buildSchema();
    const unguarded = [
      schema.getQueryType(),
      schema.getMutationType(),
      schema.getSubscriptionType(),
    ].flatMap((type) =>
      Object.values(type?.getFields() ?? {})
        .filter(
          (field) =>
            !field.name.startsWith('_') &&
            !field.astNode?.directives?.some(
              (directive) => directive.name.value === 'requiresScopes',
            ),
        )
        .map((field) => `${type!.name}.${field.name}`),
    );
    expect(unguarded).toEqual([]);
  });
});
