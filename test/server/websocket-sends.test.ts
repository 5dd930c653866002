/**
 * A subscription's messages that are ready together leave together (issue 19): a replay's events
 * and its completion, a final event and its completion. graphql-ws sends a subscription's next
 * message once the previous one is sent; counted as sent only once it had left the process, each
 * message waited for the next turn of the event loop, and on a busy server the end of a streamed
 * call waited for it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DRAFT_STATUS_UPDATE, statusUpdateInput } from '../fixtures/status-update.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { until } from '../support/until.js';

const WATCH = `subscription($id: ID!) {
  generationStream(id: $id) { seq ... on GenerationTextDelta { text } ... on GenerationFinished { generation { status } } }
}`;

let server: TestServer;

beforeAll(async () => {
  // The builtin provider streams word by word, and each word is an event (no frame).
  server = await startTestServer();
});
afterAll(() => server.stop());

/** A raw graphql-transport-ws connection, acknowledged, and every chunk its TCP socket reads. */
async function rawConnection(): Promise<{ socket: WebSocket; reads: Buffer[] }> {
  const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
  await new Promise<void>((resolve) => socket.once('message', () => resolve()));
  const reads: Buffer[] = [];
  (socket as unknown as { _socket: NodeJS.EventEmitter })._socket.on('data', (chunk: Buffer) =>
    reads.push(chunk),
  );
  return { socket, reads };
}

it("sends a replay's events and its completion in a few writes, not one per event", async () => {
  const drafted = await server.graphql<{
    draftStatusUpdate: { generation: { id: string } };
  }>(DRAFT_STATUS_UPDATE, { input: statusUpdateInput({ stream: true }) });
  const { id } = drafted.data!.draftStatusUpdate.generation;
  await until('the draft finished', async () => {
    const read = await server.graphql<{ generation: { status: string } }>(
      'query($id: ID!) { generation(id: $id) { status } }',
      { id },
    );
    return read.data!.generation.status === 'SUCCEEDED';
  });

  const { socket, reads } = await rawConnection();
  const messages: { type: string; payload?: { data?: { generationStream: { seq: number } } } }[] =
    [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  socket.send(
    JSON.stringify({ id: '1', type: 'subscribe', payload: { query: WATCH, variables: { id } } }),
  );
  await until('the subscription completed', async () => messages.at(-1)?.type === 'complete');
  socket.close();

  const events = messages.filter((message) => message.type === 'next');
  expect(events.length).toBeGreaterThan(20);
  expect(events.map((event) => event.payload!.data!.generationStream.seq)).toEqual(
    events.map((_, seq) => seq),
  );
  // The deltas (one page read from the store), the final event (one read of the row) and the
  // completion: a write after each read, where it was one write per message.
  expect(reads.length).toBeLessThanOrEqual(4);
});
