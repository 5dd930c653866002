/**
 * Bad input gets a clear BAD_USER_INPUT (a GraphQL error when the schema cannot take the value,
 * `userErrors` with the field's path when the draft refuses it), nothing is stored, and the server
 * keeps serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DRAFT_STATUS_UPDATE,
  checkoutIncident,
  statusUpdateInput,
} from '../fixtures/status-update.js';
import { expectBadUserInput } from '../support/generation-queries.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe('bad input', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  const cases: [string, Record<string, unknown>, RegExp][] = [
    [
      'a missing required field',
      { audience: 'INTERNAL', incident: { title: 'x', severity: 'SEV1' } },
      /status/,
    ],
    [
      'a 1 MB title',
      statusUpdateInput({ incident: { ...checkoutIncident, title: 'x'.repeat(1024 * 1024) } }),
      /incident\.title/,
    ],
    [
      'an invalid timestamp',
      statusUpdateInput({
        incident: { ...checkoutIncident, timeline: [{ at: 'yesterday at noon', message: 'x' }] },
      }),
      /DateTime/,
    ],
    [
      'a timestamp without a time zone',
      statusUpdateInput({
        incident: { ...checkoutIncident, timeline: [{ at: '2026-11-22T09:12:00', message: 'x' }] },
      }),
      /time zone/,
    ],
    ['a wrong enum value', statusUpdateInput({ audience: 'EVERYONE' }), /Audience/],
    [
      'an empty title',
      statusUpdateInput({ incident: { ...checkoutIncident, title: '   ' } }),
      /incident\.title/,
    ],
    [
      'too many timeline events',
      statusUpdateInput({
        incident: {
          ...checkoutIncident,
          timeline: Array.from({ length: 501 }, () => checkoutIncident.timeline[0]),
        },
      }),
      /incident\.timeline/,
    ],
    [
      'a next update out of range',
      statusUpdateInput({ nextUpdateInMinutes: 0 }),
      /nextUpdateInMinutes/,
    ],
    [
      'an overlong idempotency key',
      statusUpdateInput({ idempotencyKey: 'k'.repeat(201) }),
      /idempotencyKey/,
    ],
  ];

  it.each(cases)(
    'rejects %s with BAD_USER_INPUT and a message naming the field',
    async (_name, input, mentions) => {
      const before = await server.graphql<{ generations: { edges: unknown[] } }>(
        '{ generations(first: 100) { edges { cursor } } }',
      );
      await expectBadUserInput(server, DRAFT_STATUS_UPDATE, input, mentions);
      const after = await server.graphql<{ generations: { edges: unknown[] } }>(
        '{ generations(first: 100) { edges { cursor } } }',
      );
      expect(after.data!.generations.edges.length).toBe(before.data!.generations.edges.length);
    },
  );

  it('keeps serving, and keeps what was stored, after a run of bad requests', async () => {
    const good = await server.graphql<{
      draftStatusUpdate: { generation: { id: string; status: string } };
    }>(DRAFT_STATUS_UPDATE, { input: statusUpdateInput() });
    expect(good.data!.draftStatusUpdate.generation.status).toBe('SUCCEEDED');
    await Promise.all(cases.map(([, input]) => server.graphql(DRAFT_STATUS_UPDATE, { input })));
    const again = await server.graphql<{ generation: { status: string } }>(
      'query($id: ID!) { generation(id: $id) { status } }',
      { id: good.data!.draftStatusUpdate.generation.id },
    );
    expect(again.data!.generation.status).toBe('SUCCEEDED');
  });

  it('refuses a body over the limit with 413 and a BAD_REQUEST error', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: DRAFT_STATUS_UPDATE,
        variables: {
          input: statusUpdateInput({
            incident: { ...checkoutIncident, customerImpact: 'x'.repeat(9 * 1024 * 1024) },
          }),
        },
      }),
    });
    expect(response.status).toBe(413);
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('BAD_REQUEST');
  });

  it('answers malformed JSON with 400 BAD_REQUEST', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": ',
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('BAD_REQUEST');
  });

  it('rejects an unknown field before execution with GRAPHQL_VALIDATION_FAILED', async () => {
    const result = await server.graphql('{ generation(id: "x") { nonsense } }');
    expect(result.errors![0]!.extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('rejects a malformed cursor and an out-of-range page size', async () => {
    const cursor = await server.graphql('{ generations(after: "garbage") { edges { cursor } } }');
    expect(cursor.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    const size = await server.graphql('{ generations(first: 1000) { edges { cursor } } }');
    expect(size.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
  });
});
