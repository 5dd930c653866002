/**
 * The GraphQL-over-HTTP audit suite of `graphql-http` against the real server: every MUST passes.
 * Three SHOULDs are knowingly not met, for clients that accept only the legacy
 * `application/json`: the spec recommends 200 for a document that fails to parse or validate or
 * whose variables do not coerce, and Apollo Server answers 400 (docs/scale-out.md, "GraphQL over HTTP").
 * They are pinned here so that no other warning can appear unnoticed.
 */
import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

const KNOWN_WARNINGS = [
  'SHOULD use 200 status code on document parsing failure when accepting application/json',
  'SHOULD use 200 status code on document validation failure when accepting application/json',
  'SHOULD use a status code of 200 on variable coercion failure when accepting application/json',
];

describe('GraphQL over HTTP audits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it('passes every MUST, and every SHOULD but the three documented ones', async () => {
    const results = [];
    for (const audit of serverAudits({ url: server.url })) results.push(await audit.fn());
    expect(results.length).toBeGreaterThan(40);
    expect(results.filter((result) => result.status === 'error')).toEqual([]);
    expect(
      results.filter((result) => result.status === 'warn').map((result) => result.name),
    ).toEqual(KNOWN_WARNINGS);
  });
});
