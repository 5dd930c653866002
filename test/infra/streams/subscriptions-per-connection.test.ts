/**
 * A graphql-ws connection carries subscription after subscription (a client watching one draft
 * after another): each finished subscription leaves nothing behind on the connection. Each used
 * to leave its listener on the connection's abort signal until the socket closed (Node warns of
 * a possible leak once they outnumber the subscriptions a socket may hold).
 */
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DRAFT_STATUS_UPDATE, statusUpdateInput } from '../../fixtures/status-update.js';
import { collectStream, startTestServer, type TestServer } from '../../support/server.js';

describe('one connection, many subscriptions in turn', () => {
  let server: TestServer;
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  beforeAll(async () => {
    // Node warns once a signal holds more listeners than the socket may hold subscriptions.
    server = await startTestServer({
      BUILTIN_STREAM_DELAY_MS: '0',
      WS_MAX_SUBSCRIPTIONS_PER_SOCKET: '5',
    });
    process.on('warning', onWarning);
  });
  afterAll(async () => {
    process.off('warning', onWarning);
    await server?.stop();
  });

  it('leaves no listener behind per finished subscription', async () => {
    // Not lazy: the one socket stays open between subscriptions, as a long-lived client's does.
    const client = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, lazy: false });
    for (let i = 0; i < 15; i++) {
      const started = await server.graphql<{ draftStatusUpdate: { generation: { id: string } } }>(
        DRAFT_STATUS_UPDATE,
        { input: statusUpdateInput({ stream: true }) },
      );
      const watched = await collectStream(client, started.data!.draftStatusUpdate.generation.id);
      expect(watched.errors).toBeUndefined();
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual(
      [],
    );
    await client.dispose();
  });
});
