/**
 * Issue 19: the work per stream event is paid once per generation, not once per subscriber.
 * Subscribers of one generation with the same document, variables and caller get identical
 * frames, and each event is executed once for all of them, also for a subscriber that resumed
 * from its own `afterSeq`; a subscriber whose result could differ (other variables) gets its own
 * execution. A text delta's result is built without executing it, and is what execution gives.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRAFT_STATUS_UPDATE, statusUpdateInput } from '../../fixtures/status-update.js';
import { collectStream, startTestServer, type TestServer } from '../../support/server.js';

/** Every result a subscriber of `query` gets for generation `id`, as sent (JSON), until complete. */
function framesOf(server: TestServer, query: string, id: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const received: string[] = [];
    server.wsClient().subscribe(
      { query, variables: { id } },
      {
        next: (result) => received.push(JSON.stringify(result)),
        error: reject,
        complete: () => resolve(received),
      },
    );
  });
}

describe('a generation watched by several subscribers', () => {
  let server: TestServer;
  beforeAll(async () => {
    // The builtin provider, slow enough that both subscribers are open before the first event.
    server = await startTestServer({ BUILTIN_STREAM_DELAY_MS: '40' });
  });
  afterAll(() => server?.stop());

  it('sends every subscriber identical frames, each event executed once', async () => {
    const started = await server.graphql<{ draftStatusUpdate: { generation: { id: string } } }>(
      DRAFT_STATUS_UPDATE,
      { input: statusUpdateInput({ stream: true }) },
    );
    expect(started.errors).toBeUndefined();
    const id = started.data!.draftStatusUpdate.generation.id;
    const before = { ...server.app.streamEvents };
    const [first, second] = await Promise.all([
      collectStream(server.wsClient(), id),
      collectStream(server.wsClient(), id),
    ]);
    expect(first.errors).toBeUndefined();
    expect(first.events.length).toBeGreaterThan(2);
    expect(second).toEqual(first);
    expect(JSON.stringify(second.events)).toBe(JSON.stringify(first.events));
    expect(server.app.streamEvents.executed - before.executed).toBe(first.events.length);
    expect(server.app.streamEvents.shared - before.shared).toBe(first.events.length);
  });

  it('shares the events a subscriber resuming from its own afterSeq has in common with the others', async () => {
    const started = await server.graphql<{ draftStatusUpdate: { generation: { id: string } } }>(
      DRAFT_STATUS_UPDATE,
      { input: statusUpdateInput({ stream: true }) },
    );
    const id = started.data!.draftStatusUpdate.generation.id;
    const before = { ...server.app.streamEvents };
    const [whole, resumed] = await Promise.all([
      collectStream(server.wsClient(), id),
      collectStream(server.wsClient(), id, 0),
    ]);
    expect(resumed.events).toEqual(whole.events.slice(1));
    // afterSeq decides where a subscriber starts, not what an event gives: every event after
    // seq 0 was executed once for both.
    expect(server.app.streamEvents.executed - before.executed).toBe(whole.events.length);
    expect(server.app.streamEvents.shared - before.shared).toBe(resumed.events.length);
  });

  it('executes apart for a subscriber whose variables change the result', async () => {
    const started = await server.graphql<{ draftStatusUpdate: { generation: { id: string } } }>(
      DRAFT_STATUS_UPDATE,
      { input: statusUpdateInput({ stream: true }) },
    );
    const id = started.data!.draftStatusUpdate.generation.id;
    const query = `subscription($id: ID!, $withText: Boolean!) {
      generationStream(id: $id) { seq ... on GenerationTextDelta { text @include(if: $withText) } }
    }`;
    const watch = (withText: boolean) =>
      new Promise<{ seq: number; text?: string }[]>((resolve, reject) => {
        const events: { seq: number; text?: string }[] = [];
        server.wsClient().subscribe<{ generationStream: { seq: number; text?: string } }>(
          { query, variables: { id, withText } },
          {
            next: (result) => events.push(result.data!.generationStream),
            error: reject,
            complete: () => resolve(events),
          },
        );
      });
    const before = { ...server.app.streamEvents };
    const [withText, without] = await Promise.all([watch(true), watch(false)]);
    expect(withText.some((event) => typeof event.text === 'string')).toBe(true);
    expect(without.every((event) => event.text === undefined)).toBe(true);
    expect(server.app.streamEvents.shared - before.shared).toBe(0);
    expect(server.app.streamEvents.executed - before.executed).toBe(
      withText.length + without.length,
    );
  });

  it("builds a text delta's result without executing it, frame for frame what execution gives", async () => {
    const started = await server.graphql<{ draftStatusUpdate: { generation: { id: string } } }>(
      DRAFT_STATUS_UPDATE,
      { input: statusUpdateInput({ stream: true }) },
    );
    const id = started.data!.draftStatusUpdate.generation.id;
    // Aliases, fragments on the interface and on both kinds, a key selected twice; a directive
    // (even one that changes nothing) makes a document executed as usual.
    const document = (directive: string) => `subscription($id: ID!) {
      stream: generationStream(id: $id) {
        kind: __typename
        seq
        ... on GenerationEvent { position: seq }
        ... on GenerationTextDelta { text seq }
        ... on GenerationFinished { generation { status } }
        __typename${directive}
      }
    }`;
    const frames = (query: string) => framesOf(server, query, id);
    const before = { ...server.app.streamEvents };
    const [projected, executed] = await Promise.all([
      frames(document('')),
      frames(document(' @include(if: true)')),
    ]);
    expect(projected).toEqual(executed);
    const deltas = projected.length - 1;
    expect(deltas).toBeGreaterThan(2);
    expect(JSON.parse(projected[0]!)).toEqual({
      data: {
        stream: {
          kind: 'GenerationTextDelta',
          seq: 0,
          position: 0,
          text: expect.any(String),
          __typename: 'GenerationTextDelta',
        },
      },
    });
    // The first delta is executed, to check the projection against; the others are projected.
    expect(server.app.streamEvents.projected - before.projected).toBe(deltas - 1);
    expect(server.app.streamEvents.executed - before.executed).toBe(2 * projected.length);
  });

  it('checks a projection against execution once, not again on every stream it watches', async () => {
    // A document of this test alone: its projection has not been checked yet.
    const query = `subscription OnlyHere($id: ID!) {
      generationStream(id: $id) { seq ... on GenerationTextDelta { text } ... on GenerationFinished { generation { status } } }
    }`;
    const watched = async () => {
      const started = await server.graphql<{ draftStatusUpdate: { generation: { id: string } } }>(
        DRAFT_STATUS_UPDATE,
        { input: statusUpdateInput({ stream: true }) },
      );
      const id = started.data!.draftStatusUpdate.generation.id;
      const before = { ...server.app.streamEvents };
      const frames = await framesOf(server, query, id);
      return {
        deltas: frames.length - 1,
        projected: server.app.streamEvents.projected - before.projected,
        final: JSON.parse(frames.at(-1)!) as unknown,
      };
    };
    const first = await watched();
    expect(first.deltas).toBeGreaterThan(2);
    // The first stream's first delta is executed, to check the projection against.
    expect(first.projected).toBe(first.deltas - 1);
    const second = await watched();
    expect(second.projected).toBe(second.deltas);
    expect(second.final).toEqual({
      data: { generationStream: { seq: second.deltas, generation: { status: 'SUCCEEDED' } } },
    });
  });
});
