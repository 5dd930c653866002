/**
 * The foundation's vertical slice, through the public interfaces only: draft a status update over
 * HTTP, watch it stream over graphql-ws, resume with afterSeq, find it again after a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DRAFT_STATUS_UPDATE,
  checkoutIncident,
  statusUpdateInput,
} from '../fixtures/status-update.js';
import {
  collectStream,
  startTestServer,
  temporaryDataDir,
  type TestServer,
} from '../support/server.js';

interface Drafted {
  draftStatusUpdate: {
    generation: {
      id: string;
      status: string;
      text: string;
      provider: string;
      model: string;
      output: {
        __typename: string;
        headline: string;
        affectedServices: string[];
        changesSinceLastUpdate: string[];
        nextUpdateAt: string | null;
        audience: string;
      } | null;
      groundingIssues: unknown[];
      usage: { inputTokens: number; outputTokens: number; costUsd: number } | null;
    };
  };
}

describe('draftStatusUpdate, end to end', () => {
  let server: TestServer;

  beforeAll(async () => {
    // A small pause per word makes the stream observable while it is still running.
    server = await startTestServer({ BUILTIN_STREAM_DELAY_MS: '2' });
  });
  afterAll(() => server.stop());

  it('drafts a grounded status update with the builtin provider', async () => {
    const result = await server.graphql<Drafted>(DRAFT_STATUS_UPDATE, {
      input: statusUpdateInput(),
    });
    expect(result.errors).toBeUndefined();
    const generation = result.data!.draftStatusUpdate.generation;
    expect(generation.status).toBe('SUCCEEDED');
    expect(generation.provider).toBe('builtin');
    expect(generation.model).toBe('builtin');
    expect(generation.usage!.costUsd).toBe(0);
    expect(generation.groundingIssues).toEqual([]);
    const output = generation.output!;
    expect(output.__typename).toBe('StatusUpdateOutput');
    expect(output.headline).toContain(checkoutIncident.title);
    expect(output.affectedServices).toEqual(['checkout-api', 'payments-gateway']);
    // Internal updates list every event with its time and author, from the input only.
    expect(output.changesSinceLastUpdate).toHaveLength(3);
    expect(output.changesSinceLastUpdate[2]).toContain('09:25 UTC');
    expect(output.changesSinceLastUpdate[2]).toContain('Ravi Menon');
    expect(new Date(output.nextUpdateAt!).getTime()).toBeGreaterThan(Date.now());
  });

  it('writes for the audience: customers get no authors and no severity code', async () => {
    const result = await server.graphql<Drafted>(DRAFT_STATUS_UPDATE, {
      input: statusUpdateInput({ audience: 'CUSTOMER', tone: 'EMPATHETIC' }),
    });
    const { text, output } = result.data!.draftStatusUpdate.generation;
    expect(output!.audience).toBe('CUSTOMER');
    expect(text).not.toContain('Ravi Menon');
    expect(text).not.toContain('SEV2');
    expect(text).toMatch(/sorry/i);
  });

  it('lists only events after the previous update, and promises no next update once resolved', async () => {
    const result = await server.graphql<Drafted>(DRAFT_STATUS_UPDATE, {
      input: statusUpdateInput({
        previousUpdateAt: '2026-11-22T09:20:00Z',
        incident: { ...checkoutIncident, status: 'RESOLVED' },
      }),
    });
    const output = result.data!.draftStatusUpdate.generation.output!;
    expect(output.changesSinceLastUpdate).toHaveLength(1);
    expect(output.changesSinceLastUpdate[0]).toContain('rollback started');
    expect(output.nextUpdateAt).toBeNull();
  });

  it('streams every delta in order, then the finished generation, then completes', async () => {
    const started = await server.graphql<Drafted>(DRAFT_STATUS_UPDATE, {
      input: statusUpdateInput({ stream: true }),
    });
    const { id, status } = started.data!.draftStatusUpdate.generation;
    expect(status).toBe('RUNNING');

    const { events, errors } = await collectStream(server.wsClient(), id);
    expect(errors).toBeUndefined();
    const deltas = events.filter((event) => event.delta !== null);
    expect(deltas.length).toBeGreaterThan(10);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index));
    const final = events.at(-1)!;
    expect(final.delta).toBeNull();
    expect(final.generation!.status).toBe('SUCCEEDED');
    expect(deltas.map((event) => event.delta).join('')).toBe(final.generation!.text);
    expect(events.filter((event) => event.generation !== null)).toHaveLength(1);
  });

  it('resumes after afterSeq with exactly the missed events, while running and after it finished', async () => {
    const started = await server.graphql<Drafted>(DRAFT_STATUS_UPDATE, {
      input: statusUpdateInput({ stream: true }),
    });
    const { id } = started.data!.draftStatusUpdate.generation;
    const client = server.wsClient();
    const [full, resumed] = await Promise.all([
      collectStream(client, id),
      collectStream(client, id, 4),
    ]);
    expect(resumed.events[0]!.seq).toBe(5);
    expect(resumed.events).toEqual(full.events.slice(5));

    // The same replay once the generation is finished and served from the store.
    const late = await collectStream(server.wsClient(), id, 9);
    expect(late.events).toEqual(full.events.slice(10));
    const none = await collectStream(server.wsClient(), id, full.events.at(-1)!.seq);
    expect(none.events).toEqual([]);
  });

  it('returns the first generation for a repeated idempotency key, and refuses the key with other input', async () => {
    const input = statusUpdateInput({ idempotencyKey: 'checkout-update-1' });
    const first = await server.graphql<Drafted>(DRAFT_STATUS_UPDATE, { input });
    const second = await server.graphql<Drafted>(DRAFT_STATUS_UPDATE, { input });
    expect(second.data!.draftStatusUpdate.generation.id).toBe(
      first.data!.draftStatusUpdate.generation.id,
    );
    const list = await server.graphql<{ generations: { edges: { node: { id: string } }[] } }>(
      `{ generations(first: 100) { edges { node { id } } } }`,
    );
    expect(
      list.data!.generations.edges.filter(
        (edge) => edge.node.id === first.data!.draftStatusUpdate.generation.id,
      ),
    ).toHaveLength(1);

    // The same key with another input: a CONFLICT on the key, and nothing drafted.
    const conflicting = await server.graphql<{
      draftStatusUpdate: { generation: unknown; userErrors: unknown[] };
    }>(DRAFT_STATUS_UPDATE, { input: { ...input, audience: 'EXECUTIVE' } });
    expect(conflicting.errors).toBeUndefined();
    expect(conflicting.data!.draftStatusUpdate).toEqual({
      generation: null,
      userErrors: [
        {
          field: ['input', 'idempotencyKey'],
          code: 'CONFLICT',
          message: 'this idempotencyKey was already used with a different input',
        },
      ],
    });
  });

  it('answers NOT_FOUND for a stream or generation that does not exist', async () => {
    const missing = await collectStream(server.wsClient(), '00000000-0000-4000-8000-000000000000');
    expect((missing.errors as { extensions: { code: string } }[])[0]!.extensions.code).toBe(
      'NOT_FOUND',
    );
    const malformed = await collectStream(server.wsClient(), 'not-an-id');
    expect((malformed.errors as { extensions: { code: string } }[])[0]!.extensions.code).toBe(
      'NOT_FOUND',
    );
    const query = await server.graphql<{ generation: unknown }>(
      `query { generation(id: "00000000-0000-4000-8000-000000000000") { id } }`,
    );
    expect(query.data!.generation).toBeNull();
  });

  it('cancels a running generation: status CANCELLED, partial text kept, subscribers told', async () => {
    const slow = await startTestServer({ BUILTIN_STREAM_DELAY_MS: '50' });
    try {
      const started = await slow.graphql<Drafted>(DRAFT_STATUS_UPDATE, {
        input: statusUpdateInput({ stream: true }),
      });
      const { id } = started.data!.draftStatusUpdate.generation;
      const watching = collectStream(slow.wsClient(), id);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const cancelled = await slow.graphql<{
        cancelGeneration: { generation: { status: string; text: string; error: { code: string } } };
      }>(
        `mutation($id: ID!) { cancelGeneration(input: { id: $id }) { generation { status text error { code } } } }`,
        { id },
      );
      expect(cancelled.data!.cancelGeneration.generation.status).toBe('CANCELLED');
      expect(cancelled.data!.cancelGeneration.generation.error.code).toBe('CANCELLED');
      const { events } = await watching;
      const final = events.at(-1)!;
      expect(final.generation!.status).toBe('CANCELLED');
      expect(final.generation!.text.length).toBeGreaterThan(0);
      expect(
        events
          .slice(0, -1)
          .map((event) => event.delta)
          .join(''),
      ).toBe(final.generation!.text);
    } finally {
      await slow.stop();
    }
  });
});

describe('restart', () => {
  it('finds a generation, and replays its stream exactly, after a restart on the same data directory', async () => {
    const first = await startTestServer({ DATA_DIR: temporaryDataDir() });
    const started = await first.graphql<Drafted>(DRAFT_STATUS_UPDATE, {
      input: statusUpdateInput({ stream: true }),
    });
    const { id } = started.data!.draftStatusUpdate.generation;
    const before = await collectStream(first.wsClient(), id);
    await first.stop();

    const second = await startTestServer({ DATA_DIR: first.dataDir });
    try {
      const found = await second.graphql<{
        generation: { id: string; status: string; text: string };
      }>(`query($id: ID!) { generation(id: $id) { id status text } }`, { id });
      expect(found.data!.generation).toMatchObject({ id, status: 'SUCCEEDED' });
      expect(found.data!.generation.text).toBe(before.events.at(-1)!.generation!.text);
      const after = await collectStream(second.wsClient(), id);
      expect(after.events).toEqual(before.events);
    } finally {
      await second.stop();
    }
  });
});
