/**
 * Issue 14, item 3: slow readers must not pin memory without bound. A client that opens hundreds
 * of replays of a large finished generation on a websocket it never reads is cut off once its
 * unsent backlog passes WS_MAX_BUFFERED_BYTES, and the server's memory and open subscriptions go
 * back to where they were; open subscriptions are capped per socket and per account.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DRAFT_STATUS_UPDATE, statusUpdateInput } from '../fixtures/status-update.js';
import { MODEL_STATUS_UPDATE } from '../support/llm-config.js';
import { startOpenAiDouble, type OpenAiDouble } from '../support/openai-double.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { until } from '../support/until.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

const WATCH = `subscription($id: ID!) {
  generationStream(id: $id) { seq ... on GenerationTextDelta { text } ... on GenerationFinished { generation { id status text } } }
}`;

/** A gauge from /metrics. */
async function gauge(server: TestServer, name: string): Promise<number> {
  const metrics = await (await fetch(server.url.replace('/graphql', '/metrics'))).text();
  return Number(new RegExp(`^ai_subgraph_${name} (\\d+)$`, 'm').exec(metrics)?.[1]);
}
const openSubscriptions = (server: TestServer) => gauge(server, 'subscriptions_open');
const openConnections = (server: TestServer) => gauge(server, 'websocket_connections_open');

/** A status update padded to ~120 KB with timeline lines, as a long draft would be. */
const LONG_DRAFT = MODEL_STATUS_UPDATE.replace(
  '## What changed since the last update\n',
  `## What changed since the last update\n${'- 09:25 UTC: rollback of checkout-api started\n'.repeat(2600)}`,
);

let double: OpenAiDouble;
let server: TestServer;

beforeAll(async () => {
  double = await startOpenAiDouble({
    defaultBehaviour: { kind: 'text', text: LONG_DRAFT, chunks: 4 },
  });
  server = await startTestServer({
    OPENAI_BASE_URL: double.url,
    OPENAI_API_KEY: 'test-key',
    WS_MAX_SUBSCRIPTIONS_PER_SOCKET: '1000',
    MAX_SUBSCRIPTIONS_PER_ACCOUNT: '1000',
    WS_MAX_BUFFERED_BYTES: String(256 * 1024),
  });
});
afterAll(async () => {
  await server.stop();
  await double.close();
});

/** A raw graphql-transport-ws connection, acknowledged. */
async function rawConnection(): Promise<WebSocket> {
  const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
  await new Promise<void>((resolve) =>
    socket.once('message', (data) => {
      expect(JSON.parse(String(data))).toMatchObject({ type: 'connection_ack' });
      resolve();
    }),
  );
  return socket;
}

it('cuts off a websocket that stops reading, and its memory and subscriptions are freed', async () => {
  const drafted = await server.graphql<{
    draftStatusUpdate: { generation: { id: string; text: string } };
  }>(DRAFT_STATUS_UPDATE, { input: statusUpdateInput() });
  const { id, text } = drafted.data!.draftStatusUpdate.generation;
  expect(text.length).toBeGreaterThan(100_000);

  const idleHeap = heapAfterGc();
  const socket = await rawConnection();
  const opened = Date.now();
  const raw = (socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  // The client stops reading: what the server sends piles up in the kernel, then in the server.
  raw.pause();
  for (let n = 0; n < 150; n++)
    socket.send(
      JSON.stringify({
        id: String(n),
        type: 'subscribe',
        payload: { query: WATCH, variables: { id } },
      }),
    );
  // 150 replays of ~240 KB each would be 36 MB queued for this one client. The server cuts the
  // socket off once its backlog passes the bound, before graphql-ws's keep-alive could have: 24 s
  // in (a ping at 12 s, unanswered for 12 s). Under load the replays can start and be cut off
  // between two looks at /metrics, so the test waits for the socket to be gone, then for its
  // subscriptions.
  await until(
    'the socket cut off',
    async () => (await openConnections(server)) === 0,
    20_000 - (Date.now() - opened),
  );
  await until(
    'every subscription of the socket ended',
    async () => (await openSubscriptions(server)) === 0,
    5_000,
  );
  // Reading again, the client finds its connection cut without a close frame.
  const closed = new Promise<number>((resolve) => socket.once('close', resolve));
  raw.resume();
  expect(await closed).toBe(1006);
  await until(
    'memory back to its idle level',
    () => heapAfterGc() - idleHeap < 8 * 1024 * 1024,
    5_000,
  );
}, 60_000);

describe('open subscriptions', () => {
  let capped: TestServer;
  beforeAll(async () => {
    // Words 200 ms apart: subscriptions stay open while the test counts them.
    capped = await startTestServer({
      BUILTIN_STREAM_DELAY_MS: '200',
      WS_MAX_SUBSCRIPTIONS_PER_SOCKET: '2',
      MAX_SUBSCRIPTIONS_PER_ACCOUNT: '3',
    });
  });
  afterAll(() => capped.stop());

  /** Subscribes; resolves with the first result (an event or the refusal) and a way to leave. */
  function subscribe(client: Client, id: string) {
    let leave = () => undefined as void;
    const first = new Promise<{ errors?: { extensions?: Record<string, unknown> }[] }>(
      (resolve, reject) => {
        leave = client.subscribe(
          { query: WATCH, variables: { id } },
          {
            next: (result) => resolve(result as never),
            error: (error) => (Array.isArray(error) ? resolve({ errors: error }) : reject(error)),
            complete: () => undefined,
          },
        );
      },
    );
    return { first, leave: () => leave() };
  }

  it('are capped per socket and per account with RATE_LIMITED, and a place frees when one ends', async () => {
    const drafted = await capped.graphql<{ draftStatusUpdate: { generation: { id: string } } }>(
      DRAFT_STATUS_UPDATE,
      { input: statusUpdateInput({ stream: true }) },
    );
    const id = drafted.data!.draftStatusUpdate.generation.id;
    const one = capped.wsClient();
    const two = capped.wsClient();

    const a = [subscribe(one, id), subscribe(one, id)];
    for (const { first } of a) expect((await first).errors).toBeUndefined();
    expect((await subscribe(one, id).first).errors).toMatchObject([
      { extensions: { code: 'RATE_LIMITED', rule: 'subscriptionsPerSocket', limit: 2 } },
    ]);

    expect((await subscribe(two, id).first).errors).toBeUndefined();
    expect((await subscribe(two, id).first).errors).toMatchObject([
      { extensions: { code: 'RATE_LIMITED', rule: 'subscriptionsPerAccount', limit: 3 } },
    ]);

    a[0]!.leave();
    await until('a place freed', async () => (await openSubscriptions(capped)) === 2);
    expect((await subscribe(two, id).first).errors).toBeUndefined();
  });
});
