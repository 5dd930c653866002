/**
 * `watchGeneration` (src/client) against the real server over graphql-ws: a whole stream, a
 * connection dropped mid-stream (resumed with `afterSeq`), graphql-ws's own resubscription (which
 * replays from the first `afterSeq`, deduplicated), a page that loaded a running generation's
 * `text` and `lastSeq` and subscribes for the rest, and a refused subscription.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import {
  watchGeneration,
  WatchGenerationError,
  type GenerationStreamEvent,
  type FinishedGeneration,
} from '../../src/client/watch-generation.js';
import { statusUpdateInput } from '../fixtures/status-update.js';
import { startTestServer, type TestServer } from '../support/server.js';

const DRAFT =
  'mutation($input: DraftStatusUpdateInput!) { draftStatusUpdate(input: $input) { generation { id } } }';
const LOADED = 'query($id: ID!) { generation(id: $id) { status text lastSeq } }';

interface Loaded {
  generation: { status: string; text: string; lastSeq: number | null };
}

type Event = GenerationStreamEvent<FinishedGeneration>;

/** The promises every watch keeps: seqs one by one from `from`, one final event, the text whole. */
function expectWhole(events: Event[], from: number, before = '') {
  expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => from + index));
  const last = events.at(-1)!;
  expect(last.__typename).toBe('GenerationFinished');
  expect(events.slice(0, -1).every((event) => event.__typename === 'GenerationTextDelta')).toBe(
    true,
  );
  const text = events.map((event) =>
    event.__typename === 'GenerationTextDelta' ? event.text : '',
  );
  if (last.__typename === 'GenerationFinished') {
    expect(last.generation.status).toBe('SUCCEEDED');
    expect(before + text.join('')).toBe(last.generation.text);
  }
}

describe('watchGeneration', () => {
  let server: TestServer;
  const clients: Client[] = [];

  /** A graphql-ws client as a frontend would make one, on the server's URL. */
  const client = (options: { retryAttempts?: number } = {}) => {
    const made = createClient({
      url: server.wsUrl,
      webSocketImpl: WebSocket,
      lazy: true,
      retryAttempts: 0,
      retryWait: async () => new Promise((resolve) => setTimeout(resolve, 50)),
      ...options,
    });
    clients.push(made);
    return made;
  };

  const startStreamedDraft = async () => {
    const started = await server.graphql<{ draftStatusUpdate: { generation: { id: string } } }>(
      DRAFT,
      {
        input: statusUpdateInput({ stream: true }),
      },
    );
    expect(started.errors).toBeUndefined();
    return started.data!.draftStatusUpdate.generation.id;
  };

  beforeAll(async () => {
    // Tokens 10 ms apart: a draft streams for a second or more, long enough to drop mid-stream.
    server = await startTestServer({ BUILTIN_STREAM_DELAY_MS: '10' });
  });
  afterAll(async () => {
    await Promise.all(clients.map((made) => made.dispose()));
    await server.stop();
  });

  it('yields every event once, in order, and ends with the finished generation', async () => {
    const id = await startStreamedDraft();
    const events: Event[] = [];
    for await (const event of watchGeneration(client(), { id })) events.push(event);
    expect(events.length).toBeGreaterThan(10);
    expectWhole(events, 0);
  });

  it('resumes with afterSeq after the connection drops mid-stream, repeating nothing', async () => {
    const id = await startStreamedDraft();
    const ws = client();
    const iterate = vi.spyOn(ws, 'iterate');
    const events: Event[] = [];
    for await (const event of watchGeneration(ws, { id, retryDelayMs: () => 10 })) {
      events.push(event);
      // The socket dies under the third event, as a network drop would kill it.
      if (events.length === 3) ws.terminate();
    }
    expectWhole(events, 0);
    // Subscribed again once, from the last event it had yielded.
    expect(iterate.mock.calls.map(([payload]) => payload.variables!['afterSeq'])).toEqual([
      null,
      2,
    ]);
  });

  it('resumes after the network cuts the connection (a proxy that drops every socket)', async () => {
    const id = await startStreamedDraft();
    const proxy = await startProxy(Number(new URL(server.url).port));
    try {
      const ws = createClient({
        url: `ws://127.0.0.1:${proxy.port}/graphql`,
        webSocketImpl: WebSocket,
        lazy: true,
        retryAttempts: 0,
      });
      clients.push(ws);
      const events: Event[] = [];
      // How many events had been yielded when each subscription began.
      const yieldedAtSubscribe: number[] = [];
      const subscribe = ws.iterate.bind(ws);
      const iterate = vi.spyOn(ws, 'iterate').mockImplementation((payload) => {
        yieldedAtSubscribe.push(events.length);
        return subscribe(payload);
      });
      for await (const event of watchGeneration(ws, { id, retryDelayMs: () => 10 })) {
        events.push(event);
        if (events.length === 4) proxy.cut();
      }
      expectWhole(events, 0);
      // Subscribed again once, from the last event it had yielded: the fourth, or a later one when
      // frames already on their way arrived in the same read as it (the server writes a turn's
      // frames in one write) and were yielded before the cut was noticed.
      const afterSeqs = iterate.mock.calls.map(([payload]) => payload.variables!['afterSeq']);
      expect(afterSeqs).toHaveLength(2);
      expect(afterSeqs[0]).toBeNull();
      expect(yieldedAtSubscribe[1]).toBeGreaterThanOrEqual(4);
      expect(afterSeqs[1]).toBe(events[yieldedAtSubscribe[1]! - 1]!.seq);
    } finally {
      await proxy.close();
    }
  });

  it("never yields twice what graphql-ws's own retry replays from the first afterSeq", async () => {
    const id = await startStreamedDraft();
    const ws = client({ retryAttempts: 5 });
    const iterate = vi.spyOn(ws, 'iterate');
    const events: Event[] = [];
    for await (const event of watchGeneration(ws, { id })) {
      events.push(event);
      if (events.length === 5) ws.terminate();
    }
    expectWhole(events, 0);
    // graphql-ws resubscribed by itself (afterSeq null: the server replayed from 0).
    expect(iterate).toHaveBeenCalledTimes(1);
  });

  it('continues a running generation a page loaded, from its lastSeq, missing nothing', async () => {
    const id = await startStreamedDraft();
    // A page loads the generation once some text has come.
    let loaded: Loaded['generation'] | undefined;
    await expect
      .poll(
        async () => {
          loaded = (await server.graphql<Loaded>(LOADED, { id })).data!.generation;
          return loaded.lastSeq ?? -1;
        },
        { timeout: 20_000, interval: 20 },
      )
      .toBeGreaterThanOrEqual(2);
    expect(loaded!.status).toBe('RUNNING');
    const events: Event[] = [];
    for await (const event of watchGeneration(client(), { id, afterSeq: loaded!.lastSeq }))
      events.push(event);
    expectWhole(events, loaded!.lastSeq! + 1, loaded!.text);

    // Finished, the generation reads the final event's seq: nothing after it, the final event at it.
    const done = (await server.graphql<Loaded>(LOADED, { id })).data!.generation;
    expect(done.lastSeq).toBe(events.at(-1)!.seq);
    const after: Event[] = [];
    for await (const event of watchGeneration(client(), { id, afterSeq: done.lastSeq }))
      after.push(event);
    expect(after).toEqual([]);
    const last: Event[] = [];
    for await (const event of watchGeneration(client(), { id, afterSeq: done.lastSeq! - 1 }))
      last.push(event);
    expect(last.map((event) => [event.__typename, event.seq])).toEqual([
      ['GenerationFinished', done.lastSeq],
    ]);
  });

  it("reads a running generation's text and lastSeq together: the text is the deltas up to lastSeq", async () => {
    // Whatever instant it is read at, the text is exactly the deltas up to lastSeq.
    const id = await startStreamedDraft();
    const reads: Loaded['generation'][] = [];
    const watched: Event[] = [];
    const watching = (async () => {
      for await (const event of watchGeneration(client(), { id })) watched.push(event);
    })();
    while (watched.at(-1)?.__typename !== 'GenerationFinished') {
      reads.push((await server.graphql<Loaded>(LOADED, { id })).data!.generation);
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    await watching;
    const deltas = watched.flatMap((event) =>
      event.__typename === 'GenerationTextDelta' ? [event.text] : [],
    );
    for (const read of reads) {
      if (read.status !== 'RUNNING') continue;
      expect(read.text).toBe(deltas.slice(0, (read.lastSeq ?? -1) + 1).join(''));
    }
    expect(reads.some((read) => read.status === 'RUNNING' && read.lastSeq !== null)).toBe(true);
  });

  it('throws the refusal of a generation that does not exist, without retrying', async () => {
    const ws = client();
    const iterate = vi.spyOn(ws, 'iterate');
    const watching = watchGeneration(ws, { id: '00000000-0000-4000-8000-000000000000' });
    const refused = await watching.next().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(WatchGenerationError);
    expect((refused as WatchGenerationError).errors[0]!.extensions!['code']).toBe('NOT_FOUND');
    expect(iterate).toHaveBeenCalledTimes(1);
  });
});

/** A TCP proxy to `port` whose `cut()` destroys every connection through it, as a network drop does. */
async function startProxy(
  port: number,
): Promise<{ port: number; cut(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const proxy: Server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    port: (proxy.address() as { port: number }).port,
    cut: () => sockets.forEach((socket) => socket.destroy()),
    close: () =>
      new Promise((resolve) => {
        sockets.forEach((socket) => socket.destroy());
        proxy.close(() => resolve());
      }),
  };
}
