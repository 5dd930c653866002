/** The port's other doors: health, readiness, the Sandbox landing page, GET queries. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueKeyIn } from '../support/keys.js';
import { startTestServer, temporaryDataDir, type TestServer } from '../support/server.js';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('HTTP surface (development defaults)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ NODE_ENV: 'development' });
  });
  afterAll(() => server.stop());

  it('serves Apollo Sandbox with an example operation to a browser at /graphql', async () => {
    const response = await fetch(server.url, { headers: { accept: BROWSER_ACCEPT } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    const html = await response.text();
    expect(html).toMatch(/sandbox/i);
    expect(html).toContain('draftStatusUpdate');
  });

  it('answers GET queries (with the CSRF-safe header) and refuses them without it', async () => {
    const query = encodeURIComponent('{ generations(first: 1) { pageInfo { hasNextPage } } }');
    const ok = await fetch(`${server.url}?query=${query}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { data: unknown }).data).toBeDefined();
    const blocked = await fetch(`${server.url}?query=${query}`);
    expect(blocked.status).toBe(400);
  });

  it("marks every GraphQL answer not to be stored: each holds one account's data", async () => {
    const query = encodeURIComponent('{ generations(first: 1) { pageInfo { hasNextPage } } }');
    const get = await fetch(`${server.url}?query=${query}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    const post = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ generations(first: 1) { pageInfo { hasNextPage } } }' }),
    });
    const refused = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ nope }' }),
    });
    for (const response of [get, post, refused]) {
      expect(response.headers.get('cache-control')).toBe('no-store');
      await response.body?.cancel();
    }
  });

  it('reports health and readiness', async () => {
    const health = await fetch(server.url.replace('/graphql', '/healthz'));
    expect(health.status).toBe(200);
    const ready = await fetch(server.url.replace('/graphql', '/readyz'));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', store: 'ok' });
  });

  it('answers 404 elsewhere', async () => {
    const response = await fetch(server.url.replace('/graphql', '/nope'));
    expect(response.status).toBe(404);
  });
});

describe('HTTP surface (production defaults)', () => {
  it('has no landing page unless SANDBOX turns it on', async () => {
    // Production refuses to start without a way to authenticate: give each server a key.
    const dirs = [temporaryDataDir(), temporaryDataDir()];
    await Promise.all(dirs.map((dir) => issueKeyIn(dir, 'acme', ['generate'])));
    const off = await startTestServer({ NODE_ENV: 'production', DATA_DIR: dirs[0]! });
    const on = await startTestServer({
      NODE_ENV: 'production',
      SANDBOX: 'true',
      DATA_DIR: dirs[1]!,
    });
    try {
      const closed = await fetch(off.url, { headers: { accept: BROWSER_ACCEPT } });
      expect(closed.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
      const open = await fetch(on.url, { headers: { accept: BROWSER_ACCEPT } });
      expect(open.headers.get('content-type')).toMatch(/text\/html/);
    } finally {
      await Promise.all([off.stop(), on.stop()]);
    }
  });
});
