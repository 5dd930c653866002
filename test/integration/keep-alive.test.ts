/**
 * A gateway or load balancer keeps idle connections to the subgraph in a pool and reuses them.
 * If the subgraph closes an idle connection first (Node's default after 5 s), a request sent on it
 * at that moment fails with ECONNRESET: the CLIs met it on a busy machine. The subgraph keeps idle
 * connections for HTTP_KEEP_ALIVE_TIMEOUT_MS (65 s) and says so in `Keep-Alive`.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

/** Sends a GET on the socket and resolves with the raw response head once it has arrived. */
function get(socket: Socket, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = '';
    const onData = (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.includes('\r\n\r\n')) {
        socket.off('data', onData);
        resolve(received);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n`);
  });
}

describe('idle keep-alive connections', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it('stay open longer than a gateway keeps them idle, and say for how long', async () => {
    const url = new URL(server.url);
    const socket = connect(Number(url.port), url.hostname);
    let closed = false;
    socket.on('close', () => (closed = true));
    const first = await get(socket, '/healthz');
    expect(first).toMatch(/^HTTP\/1\.1 200/);
    expect(first).toMatch(/\r\nkeep-alive: timeout=65\r\n/i);

    // Past Node's default of 5 s, the same connection still serves the next request.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    expect(closed).toBe(false);
    expect(await get(socket, '/healthz')).toMatch(/^HTTP\/1\.1 200/);
    socket.destroy();
  }, 20_000);
});
