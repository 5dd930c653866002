/**
 * The cache of verified API keys: a key is read from the store once, then verified from memory;
 * a revocation empties its entry at once, on the replica that revoked it before the revocation
 * returns, and on every other replica sharing PostgreSQL as soon as the NOTIFY arrives; while
 * those announcements cannot arrive, nothing is kept.
 */
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { issueApiKey, verifyApiKey } from '../../src/security/api-keys.js';
import { VerifiedKeyCache } from '../../src/security/verified-keys.js';
import type { ApiKeyRecord, RevocationListener } from '../../src/infra/store/api-keys.js';
import { openStore, type Store } from '../../src/infra/store/index.js';
import { postgresBinDir, throwawayDatabase, type ThrowawayDatabase } from '../support/postgres.js';
import { startTestServer, temporaryDataDir } from '../support/server.js';
import { issueKeyIn } from '../support/keys.js';

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('the verified-key cache on one store', () => {
  let store: Store;
  let cache: VerifiedKeyCache;
  beforeAll(async () => {
    store = await openStore({ dataDir: temporaryDataDir(), poolSize: 1 });
    cache = new VerifiedKeyCache(store.apiKeys);
    await cache.open();
  });
  afterAll(async () => {
    await cache?.close();
    await store?.close();
  });

  it('reads a key from the store once, then verifies it from memory', async () => {
    const { key } = await issueApiKey(store.apiKeys, { accountId: 'acme', scopes: ['route'] });
    const reads = vi.spyOn(store.apiKeys, 'findByPrefix');
    for (let i = 0; i < 5; i++)
      expect(await verifyApiKey(cache, key)).toMatchObject({ ok: true, accountId: 'acme' });
    expect(reads).toHaveBeenCalledTimes(1);
    reads.mockRestore();
    // The secret is still checked on a hit: the right prefix with another secret is refused.
    const forged = `${key.slice(0, 15)}${'A'.repeat(43)}`;
    expect(await verifyApiKey(cache, forged)).toEqual({ ok: false, reason: 'unknown' });
  });

  it('refuses a revoked key on the very next verification', async () => {
    const { key, record } = await issueApiKey(store.apiKeys, {
      accountId: 'acme',
      scopes: ['route'],
    });
    expect(await verifyApiKey(cache, key)).toMatchObject({ ok: true });
    expect(await verifyApiKey(cache, key)).toMatchObject({ ok: true });
    await store.apiKeys.revoke(record.prefix, null);
    expect(await verifyApiKey(cache, key)).toEqual({ ok: false, reason: 'revoked' });
  });

  it('still refuses a cached key once it expires', async () => {
    const { key } = await issueApiKey(store.apiKeys, {
      accountId: 'acme',
      scopes: ['route'],
      expiresAt: new Date(Date.now() + 200),
    });
    expect(await verifyApiKey(cache, key)).toMatchObject({ ok: true });
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await verifyApiKey(cache, key)).toEqual({ ok: false, reason: 'expired' });
  });
});

describe('the verified-key cache around its announcements', () => {
  const record = (prefix: string): ApiKeyRecord => ({
    id: '00000000-0000-0000-0000-000000000001',
    accountId: 'acme',
    prefix,
    hash: '00',
    scopes: ['route'],
    description: null,
    createdAt: new Date(),
    expiresAt: null,
    revokedAt: null,
    lastUsedAt: null,
  });
  /** A store whose reads the test answers, and whose announcements it sends. */
  function fakeStore() {
    let listener: RevocationListener | undefined;
    const pending: ((record: ApiKeyRecord) => void)[] = [];
    const keys = {
      findByPrefix: vi.fn(
        (_prefix: string) => new Promise<ApiKeyRecord | null>((resolve) => pending.push(resolve)),
      ),
      followRevocations: (follower: RevocationListener) => {
        listener = follower;
        follower.listening();
        return Promise.resolve(async () => undefined);
      },
    };
    return { keys, pending, announce: () => listener! };
  }

  it('does not keep a row read while a revocation of it was announced', async () => {
    const { keys, pending, announce } = fakeStore();
    const cache = new VerifiedKeyCache(keys);
    await cache.open();
    const lookup = cache.findByPrefix('ais_0123456789');
    announce().revoked('ais_0123456789');
    pending.shift()!(record('ais_0123456789')); // read before the revocation committed
    await lookup;
    const again = cache.findByPrefix('ais_0123456789');
    expect(keys.findByPrefix).toHaveBeenCalledTimes(2);
    pending.shift()!(record('ais_0123456789'));
    await again;
  });

  it('keeps nothing while the announcements are lost, and starts again once they are back', async () => {
    const { keys, pending, announce } = fakeStore();
    const cache = new VerifiedKeyCache(keys);
    await cache.open();
    const read = async () => {
      const lookup = cache.findByPrefix('ais_0123456789');
      pending.shift()?.(record('ais_0123456789'));
      await lookup;
    };
    await read();
    await read();
    expect(keys.findByPrefix).toHaveBeenCalledTimes(1);
    announce().lost();
    await read();
    await read();
    expect(keys.findByPrefix).toHaveBeenCalledTimes(3);
    announce().listening();
    await read();
    await read();
    expect(keys.findByPrefix).toHaveBeenCalledTimes(4);
  });
});

describe('a key revoked through the API', () => {
  it('is refused on the very next request, after being accepted from the cache', async () => {
    const dataDir = temporaryDataDir();
    const admin = await issueKeyIn(dataDir, 'acme', ['admin']);
    const server = await startTestServer({ NODE_ENV: 'production', DATA_DIR: dataDir });
    try {
      const created = await server.graphql<{ createApiKey: { key: string } }>(
        'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key } }',
        { input: { accountId: 'acme', scopes: ['ROUTE'] } },
        bearer(admin),
      );
      const key = created.data!.createApiKey.key;
      for (let i = 0; i < 3; i++)
        expect(
          (await server.graphql('{ taxonomies { nodes { id } } }', {}, bearer(key))).status,
        ).toBe(200);
      await server.graphql(
        'mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { id } } }',
        { id: key.slice(0, 14) },
        bearer(admin),
      );
      const refused = await server.graphql('{ taxonomies { nodes { id } } }', {}, bearer(key));
      expect(refused.status).toBe(401);
      expect(refused.errors![0]!.message).toBe('this API key was revoked');
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
    let first: Store;
    let second: Store;
    let firstCache: VerifiedKeyCache;
    let secondCache: VerifiedKeyCache;
    /** Revocations the second replica heard of (what ends its websockets at once). */
    const heardOnSecond: string[] = [];
    beforeAll(async () => {
      database = await throwawayDatabase(sharedPostgres);
      const open = () =>
        openStore({ dataDir: temporaryDataDir(), databaseUrl: database.url, poolSize: 2 });
      [first, second] = await Promise.all([open(), open()]);
      firstCache = new VerifiedKeyCache(first.apiKeys);
      secondCache = new VerifiedKeyCache(second.apiKeys, {
        onRevoked: (prefix) => heardOnSecond.push(prefix),
      });
      await Promise.all([firstCache.open(), secondCache.open()]);
    });
    afterAll(async () => {
      await Promise.all([firstCache?.close(), secondCache?.close()]);
      await Promise.all([first?.close(), second?.close()]);
      await database?.drop();
    });

    it('a revocation on one replica empties the other replica’s entry as soon as the NOTIFY arrives', async () => {
      const { key, record } = await issueApiKey(first.apiKeys, {
        accountId: 'acme',
        scopes: ['route'],
      });
      for (const cache of [firstCache, secondCache]) {
        expect(await verifyApiKey(cache, key)).toMatchObject({ ok: true });
        expect(await verifyApiKey(cache, key)).toMatchObject({ ok: true });
      }
      const hits = secondCache.counts.hits;
      expect(hits).toBeGreaterThan(0);
      const revokedAt = Date.now();
      await first.apiKeys.revoke(record.prefix, null);
      expect(await verifyApiKey(firstCache, key)).toEqual({ ok: false, reason: 'revoked' });
      await expect
        .poll(async () => (await verifyApiKey(secondCache, key)).ok, { interval: 1 })
        .toBe(false);
      // A NOTIFY arrives in milliseconds; the bound leaves room for a busy machine.
      expect(Date.now() - revokedAt).toBeLessThan(1_000);
      expect(heardOnSecond).toContain(record.prefix);
    });

    it('keeps nothing while its LISTEN connection is gone, and follows again once it is back', async () => {
      const { key } = await issueApiKey(first.apiKeys, { accountId: 'acme', scopes: ['route'] });
      await verifyApiKey(secondCache, key);
      // Ends every LISTEN connection on the server: the second replica's among them.
      await first.db.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`,
      );
      await expect
        .poll(async () => {
          const misses = secondCache.counts.misses;
          await verifyApiKey(secondCache, key);
          return secondCache.counts.misses - misses;
        })
        .toBe(1);
      const misses = secondCache.counts.misses;
      await verifyApiKey(secondCache, key);
      await verifyApiKey(secondCache, key);
      // While LISTEN is down (about a second) every lookup reads the store; then none does.
      await expect
        .poll(
          async () => {
            const before = secondCache.counts.misses;
            await verifyApiKey(secondCache, key);
            await verifyApiKey(secondCache, key);
            return secondCache.counts.misses - before;
          },
          { timeout: 5_000 },
        )
        .toBeLessThanOrEqual(1);
      expect(secondCache.counts.misses).toBeGreaterThan(misses);
    });
  },
);
