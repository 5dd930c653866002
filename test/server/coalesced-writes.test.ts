import { Writable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { corkForThisTurn } from '../../src/server/coalesced-writes.js';

/** A socket stand-in that records each write it is handed, as the chunks of that write. */
function recordingSocket() {
  const writes: string[][] = [];
  const socket = new Writable({
    write(chunk: Buffer, _encoding, done) {
      writes.push([chunk.toString()]);
      done();
    },
    writev(chunks, done) {
      writes.push(chunks.map(({ chunk }) => (chunk as Buffer).toString()));
      done();
    },
  });
  return { socket, writes };
}

describe('corkForThisTurn', () => {
  it('hands the messages of one event-loop turn to the socket as one write, in order', async () => {
    const { socket, writes } = recordingSocket();
    for (const message of ['a', 'b', 'c']) {
      corkForThisTurn(socket);
      socket.write(message);
    }
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual([['a', 'b', 'c']]);

    corkForThisTurn(socket);
    socket.write('d');
    await nextTurn();
    expect(writes).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('leaves a socket that has ended alone', async () => {
    const { socket, writes } = recordingSocket();
    socket.end('last');
    corkForThisTurn(socket);
    await nextTurn();
    expect(writes).toEqual([['last']]);
    expect(socket.writableCorked).toBe(0);
  });
});
