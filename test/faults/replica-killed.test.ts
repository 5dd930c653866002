/**
 * A replica dies (SIGKILL) in the middle of a streamed generation. Two real replicas share one
 * PostgreSQL and one Redis; the client watches from the replica that survives. The survivor's
 * sweep finds the generation's heartbeat stale, stores the partial text that reached the stream,
 * and ends the stream with INTERRUPTED; what had already succeeded is untouched.
 */
import { describe, expect, it } from 'vitest';
import {
  DRAFT_STATUS_UPDATE,
  MODEL_STATUS_UPDATE,
  statusUpdateInput,
} from '../fixtures/status-update.js';
import { until } from '../support/until.js';
import {
  follow,
  GENERATION,
  scaleOutServersAvailable,
  twoReplicas,
  type GenerationShape,
} from './replicas.js';

describe.skipIf(!scaleOutServersAvailable())(
  'a replica killed mid-stream',
  { timeout: 120_000 },
  () => {
    // Orphans are found a second after their replica's last heartbeat, not fifteen.
    const replicas = twoReplicas({
      GENERATION_HEARTBEAT_MS: '200',
      GENERATION_STALE_AFTER_MS: '1000',
    });

    it("ends the survivor's subscription INTERRUPTED, stores the partial text, and keeps what had succeeded", async () => {
      const { a, b, double } = replicas;
      const earlier = await a.graphql<{ draftStatusUpdate: { generation: GenerationShape } }>(
        DRAFT_STATUS_UPDATE,
        {
          input: statusUpdateInput(),
        },
      );
      expect(earlier.data?.draftStatusUpdate.generation).toMatchObject({
        status: 'SUCCEEDED',
        text: MODEL_STATUS_UPDATE,
      });

      // Sixty deltas, 100 ms apart: about six seconds of streaming.
      double.enqueue({ kind: 'text', text: MODEL_STATUS_UPDATE, chunks: 60, chunkDelayMs: 100 });
      const started = await a.graphql<{ draftStatusUpdate: { generation: GenerationShape } }>(
        DRAFT_STATUS_UPDATE,
        {
          input: statusUpdateInput({ stream: true }),
        },
      );
      const { id } = started.data!.draftStatusUpdate.generation;
      const watching = follow(b.wsClient(), id);
      await until('five deltas on the other replica', () => watching.events.length >= 5);
      a.process.child.kill('SIGKILL');
      expect((await a.process.exited).signal).toBe('SIGKILL');

      expect(await watching.done).toEqual({});
      const final = watching.events.at(-1)!;
      expect(final.generation).toMatchObject({
        id,
        status: 'INTERRUPTED',
        error: { code: 'INTERRUPTED' },
      });
      const deltas = watching.events.slice(0, -1);
      expect(deltas.map((event) => event.seq)).toEqual(deltas.map((_, seq) => seq));
      const seen = deltas.map((event) => event.delta).join('');
      expect(seen.length).toBeGreaterThan(0);
      expect(MODEL_STATUS_UPDATE.startsWith(seen) && seen.length < MODEL_STATUS_UPDATE.length).toBe(
        true,
      );
      // The final event carries the stored partial text: exactly what subscribers saw.
      expect(final.generation!.text).toBe(seen);

      const stored = await b.graphql<{ generation: GenerationShape }>(GENERATION, { id });
      expect(stored.data!.generation).toMatchObject({
        status: 'INTERRUPTED',
        text: seen,
        error: { code: 'INTERRUPTED' },
      });
      const kept = await b.graphql<{ generation: GenerationShape }>(GENERATION, {
        id: earlier.data!.draftStatusUpdate.generation.id,
      });
      expect(kept.data!.generation).toMatchObject({
        status: 'SUCCEEDED',
        text: MODEL_STATUS_UPDATE,
        error: null,
      });
    });
  },
);
