/**
 * Redis restarts in the middle of a streamed generation. Two real replicas share one PostgreSQL
 * and one Redis (append-only file, fsynced on every write, as production should run it): the
 * producer's appends wait for Redis, both replicas reconnect, a subscriber that stayed gets every
 * delta exactly once, and one that left resumes with afterSeq on the other replica, missing nothing.
 */
import { describe, expect, it } from 'vitest';
import {
  DRAFT_STATUS_UPDATE,
  MODEL_STATUS_UPDATE,
  statusUpdateInput,
} from '../fixtures/status-update.js';
import type { StreamEventShape } from '../support/server.js';
import { until } from '../support/until.js';
import { follow, scaleOutServersAvailable, twoReplicas, type GenerationShape } from './replicas.js';

/** Each seq once, from 0 up, ending with the final event. */
function expectWholeStream(events: StreamEventShape[]): void {
  expect(events.map((event) => event.seq)).toEqual(events.map((_, seq) => seq));
  const final = events.at(-1)!;
  expect(final.generation).toMatchObject({ status: 'SUCCEEDED', text: MODEL_STATUS_UPDATE });
  expect(
    events
      .slice(0, -1)
      .map((event) => event.delta)
      .join(''),
  ).toBe(MODEL_STATUS_UPDATE);
}

describe.skipIf(!scaleOutServersAvailable())(
  'Redis restarted mid-stream',
  { timeout: 120_000 },
  () => {
    const replicas = twoReplicas();

    it('reconnects both replicas; subscribers get every delta exactly once, resumed with afterSeq included', async () => {
      const { a, b, redis, double } = replicas;
      // Forty deltas, 100 ms apart: about four seconds of streaming, Redis restarting in the middle.
      double.enqueue({ kind: 'text', text: MODEL_STATUS_UPDATE, chunks: 40, chunkDelayMs: 100 });
      const started = await a.graphql<{ draftStatusUpdate: { generation: GenerationShape } }>(
        DRAFT_STATUS_UPDATE,
        {
          input: statusUpdateInput({ stream: true }),
        },
      );
      const { id } = started.data!.draftStatusUpdate.generation;
      const staying = follow(b.wsClient(), id);
      const leaving = follow(b.wsClient(), id);
      await until('five deltas', () => leaving.events.length >= 5);
      leaving.leave();
      const before = [...leaving.events];

      await redis.restart();
      const deltasAtRestart = staying.events.length;
      const resumed = follow(a.wsClient(), id, before.at(-1)!.seq);

      expect(await staying.done).toEqual({});
      expect(await resumed.done).toEqual({});
      // The restart really was mid-stream.
      expect(deltasAtRestart).toBeLessThan(40);
      expectWholeStream(staying.events);
      expectWholeStream([...before, ...resumed.events]);
    });
  },
);
