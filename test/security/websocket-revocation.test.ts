/**
 * Credentials that stop being valid while a websocket is open end its subscriptions: a revoked key
 * within a second on the replica that revoked it and within a few seconds on the others, an API
 * key or a JWT as it expires. The subscriber gets a result whose error is UNAUTHENTICATED, then
 * completion, and no further events; a new connection with the same credentials is refused in-band.
 */
import { SignJWT, exportSPKI, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { statusUpdateInput } from '../fixtures/status-update.js';
import { issueKeyIn } from '../support/keys.js';
import { postgresBinDir, throwawayDatabase, type ThrowawayDatabase } from '../support/postgres.js';
import {
  collectStream,
  startTestServer,
  temporaryDataDir,
  type StreamEventShape,
  type TestServer,
} from '../support/server.js';

const bearer = (credential: string) => ({ authorization: `Bearer ${credential}` });
const DRAFT =
  'mutation($input: DraftStatusUpdateInput!) { draftStatusUpdate(input: $input) { generation { id } } }';
const STREAM =
  'subscription($id: ID!) { generationStream(id: $id) { seq ... on GenerationTextDelta { text } } }';
/** Slow enough that a draft's stream runs for several seconds. */
const SLOW_STREAM = { BUILTIN_STREAM_DELAY_MS: '100' };

interface Watched {
  /** Events received so far. */
  events: StreamEventShape[];
  /** Settles when the subscription ends: when, and with what errors. */
  ended: Promise<{ at: number; codes: unknown[] }>;
}

/** Starts a long streaming draft on `server` and watches it over a websocket. */
async function watchLongStream(server: TestServer, credential: string): Promise<Watched> {
  const started = await server.graphql<{ draftStatusUpdate: { generation: { id: string } } }>(
    DRAFT,
    { input: statusUpdateInput({ stream: true }) },
    bearer(credential),
  );
  expect(started.errors).toBeUndefined();
  const events: StreamEventShape[] = [];
  const ended = new Promise<{ at: number; codes: unknown[] }>((resolve) => {
    const codes = (errors: readonly { extensions?: { code?: unknown } }[]) =>
      errors.map((error) => error.extensions?.code);
    server.wsClient({ connectionParams: bearer(credential) }).subscribe<{
      generationStream: StreamEventShape;
    }>(
      { query: STREAM, variables: { id: started.data!.draftStatusUpdate.generation.id } },
      {
        next: (result) => {
          if (result.errors) resolve({ at: Date.now(), codes: codes(result.errors) });
          else events.push(result.data!.generationStream);
        },
        error: (error) =>
          resolve({ at: Date.now(), codes: Array.isArray(error) ? codes(error) : [error] }),
        complete: () => resolve({ at: Date.now(), codes: [] }),
      },
    );
  });
  await expect.poll(() => events.length, { timeout: 10_000 }).toBeGreaterThan(0);
  return { events, ended };
}

describe('a key revoked or expiring under an open websocket', () => {
  let server: TestServer;
  let admin: string;

  beforeAll(async () => {
    const dataDir = temporaryDataDir();
    admin = await issueKeyIn(dataDir, 'acme', ['admin']);
    server = await startTestServer({ NODE_ENV: 'production', DATA_DIR: dataDir, ...SLOW_STREAM });
  });
  afterAll(() => server?.stop());

  const createKey = async (expiresAt?: Date) => {
    const created = await server.graphql<{ createApiKey: { key: string } }>(
      'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key } }',
      { input: { accountId: 'acme', scopes: ['GENERATE'], expiresAt } },
      bearer(admin),
    );
    return created.data!.createApiKey.key;
  };

  it('ends the subscription with UNAUTHENTICATED within a second of revokeApiKey, and sends nothing after', async () => {
    const key = await createKey();
    const watched = await watchLongStream(server, key);
    const revokedAt = Date.now();
    await server.graphql(
      'mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { id } } }',
      { id: key.slice(0, 14) },
      bearer(admin),
    );
    const ended = await watched.ended;
    expect(ended.codes).toEqual(['UNAUTHENTICATED']);
    expect(ended.at - revokedAt).toBeLessThan(1_000);
    const eventsAtEnd = watched.events.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(watched.events).toHaveLength(eventsAtEnd);
  });

  it('ends the subscription of an API key that reaches its expiry within a few seconds', async () => {
    const key = await createKey(new Date(Date.now() + 2_500));
    const watched = await watchLongStream(server, key);
    const ended = await watched.ended;
    expect(ended.codes).toEqual(['UNAUTHENTICATED']);
  });
});

describe('a JWT expiring under an open websocket', () => {
  it('ends the subscription with UNAUTHENTICATED within a second of the exp claim', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const server = await startTestServer({
      NODE_ENV: 'production',
      JWT_ISSUER: 'https://router.example',
      JWT_AUDIENCE: 'ai-subgraph',
      JWT_PUBLIC_KEY: await exportSPKI(publicKey),
      ...SLOW_STREAM,
    });
    try {
      const exp = Math.floor(Date.now() / 1000) + 3;
      const token = await new SignJWT({ scope: 'generate' })
        .setProtectedHeader({ alg: 'RS256' })
        .setIssuer('https://router.example')
        .setAudience('ai-subgraph')
        .setSubject('acme')
        .setExpirationTime(exp)
        .sign(privateKey);
      const watched = await watchLongStream(server, token);
      const ended = await watched.ended;
      expect(ended.codes).toEqual(['UNAUTHENTICATED']);
      expect(ended.at - exp * 1000).toBeLessThan(1_000);
      // A new connection with the expired token is refused at once, in-band.
      const refused = await collectStream(
        server.wsClient({ connectionParams: bearer(token) }),
        'x',
      );
      expect(refused.errors).toMatchObject([{ extensions: { code: 'UNAUTHENTICATED' } }]);
    } finally {
      await server.stop();
    }
  });
});

const sharedPostgres = inject('postgresAdminUrl');
describe.skipIf(!sharedPostgres && postgresBinDir() === null)(
  'two replicas on one PostgreSQL',
  () => {
    let database: ThrowawayDatabase;
    let first: TestServer;
    let second: TestServer;
    beforeAll(async () => {
      database = await throwawayDatabase(sharedPostgres);
      const shared = { DATABASE_URL: database.url, ...SLOW_STREAM };
      [first, second] = await Promise.all([startTestServer(shared), startTestServer(shared)]);
    });
    afterAll(async () => {
      await Promise.all([first?.stop(), second?.stop()]);
      await database?.drop();
    });

    it('ends a websocket on the other replica within a few seconds of the revocation', async () => {
      // The development account (no key exists yet) creates the keys.
      const create = async (scopes: string[]) =>
        (
          await first.graphql<{ createApiKey: { key: string } }>(
            'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key } }',
            { input: { accountId: 'acme', scopes } },
          )
        ).data!.createApiKey.key;
      const admin = await create(['ADMIN']);
      const key = await create(['GENERATE']);
      // Drafted and watched on the second (streams cross replicas only through Redis), revoked on the first.
      const watched = await watchLongStream(second, key);
      const revokedAt = Date.now();
      await first.graphql(
        'mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { id } } }',
        { id: key.slice(0, 14) },
        bearer(admin),
      );
      const ended = await watched.ended;
      expect(ended.codes).toEqual(['UNAUTHENTICATED']);
      // One re-check interval (KEY_RECHECK_INTERVAL_MS, 2 s) and the query, with room for a busy machine.
      expect(ended.at - revokedAt).toBeLessThan(4_000);
    });
  },
);
