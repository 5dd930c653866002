/**
 * The final event of a running generation's stream carries the generation as the runner stored
 * it. Every subscriber gets the finished record from the runner rather than reading the row back:
 * with thousands of open streams, one read per subscriber at the end is a statement per stream.
 */
import { describe, expect, it, vi } from 'vitest';
import { DRAFT_STATUS_UPDATE, statusUpdateInput } from '../fixtures/status-update.js';
import { serverWithBuiltinProvider } from '../support/generation-queries.js';
import { collectStream } from '../support/server.js';

interface Drafted {
  draftStatusUpdate: { id: string; status: string };
}

describe('the end of a running stream', () => {
  // Words 20 ms apart: the generation is still running when its subscribers arrive.
  const builtin = serverWithBuiltinProvider({ BUILTIN_STREAM_DELAY_MS: '20' });

  it('gives every subscriber the stored outcome, reading the store only when each subscribes', async () => {
    const { server } = builtin;
    const drafted = await server.graphql<Drafted>(DRAFT_STATUS_UPDATE, { input: statusUpdateInput({ stream: true }) });
    const { id, status } = drafted.data!.draftStatusUpdate;
    expect(status).toBe('RUNNING');

    const reads = vi.spyOn(server.app.services.store.generations, 'findById');
    const client = server.wsClient();
    const streams = await Promise.all([0, 1, 2].map(() => collectStream(client, id)));
    const readsOfThis = reads.mock.calls.filter(([, readId]) => readId === id).length;
    reads.mockRestore();

    const stored = await server.graphql<{ generation: { status: string; text: string } }>('query($id: ID!) { generation(id: $id) { status text } }', { id });
    for (const { events, errors } of streams) {
      expect(errors).toBeUndefined();
      const last = events.at(-1)!;
      expect(last.delta).toBeNull();
      expect(last.generation).toMatchObject({ id, status: 'SUCCEEDED', text: stored.data!.generation.text });
      expect(events.filter((event) => event.delta !== null).map((event) => event.delta).join('')).toBe(last.generation!.text);
    }
    expect(stored.data!.generation.status).toBe('SUCCEEDED');
    // One read per subscriber, when it subscribes (that it may watch this generation); none at the end.
    expect(readsOfThis).toBe(3);
  });
});
