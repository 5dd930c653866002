/**
 * A websocket's messages of one event-loop turn leave in one write (issue 19).
 *
 * ws writes every message at once: its frame header and payload in one `writev`, one system call
 * per message. A socket that carries many subscriptions (a gateway's link to this subgraph, a
 * dashboard following many generations) gets several events in the same turn of the event loop,
 * each of them a system call of its own; on loopback that call also runs the receiver's TCP
 * processing and was the largest single cost of a streamed call (14 % of the process's busy time
 * at 200 streams, `bench/peer.ts --profile`). Here the TCP socket is corked at a turn's first
 * message and uncorked once the turn's I/O callbacks have run (`setImmediate`), so Node writes
 * what accumulated in one `writev`. Nothing waits for a timer: a lone message still leaves in the
 * turn it was sent, before the loop polls again.
 */
import type { Writable } from 'node:stream';

const corked = new WeakSet<Writable>();

/** Corks `socket` until the end of this event-loop turn, unless it already is. */
export function corkForThisTurn(socket: Writable | undefined): void {
  if (!socket || corked.has(socket) || socket.writableEnded) return;
  corked.add(socket);
  socket.cork();
  setImmediate(() => {
    corked.delete(socket);
    socket.uncork();
  });
}

/**
 * Uncorks `socket` at once, before it is destroyed: a websocket cut off for not reading
 * (`terminate()`) while corked stayed connected in the server, and its client never saw the
 * connection end (test/security/slow-readers.test.ts).
 */
export function uncorkNow(socket: Writable | undefined): void {
  while (socket?.writableCorked) socket.uncork();
}
