/**
 * SIGTERM while a replica is busy: twenty non-streamed drafts are waiting on a model that takes a
 * second to answer. The process stops taking connections at once, lets every request in flight
 * finish with its whole answer, and exits 0.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DRAFT_STATUS_UPDATE,
  MODEL_STATUS_UPDATE,
  statusUpdateInput,
} from '../fixtures/status-update.js';
import { startOpenAiDouble, type OpenAiDouble } from '../support/openai-double.js';
import { temporaryDataDir } from '../support/server.js';
import { until } from '../support/until.js';
import { connectionRefused, spawnReplica, type GenerationShape, type Replica } from './replicas.js';

const IN_FLIGHT = 20;

describe('SIGTERM under load', { timeout: 120_000 }, () => {
  let double: OpenAiDouble;
  let replica: Replica;

  beforeAll(async () => {
    double = await startOpenAiDouble({
      defaultBehaviour: {
        kind: 'delay',
        ms: 1_000,
        then: { kind: 'text', text: MODEL_STATUS_UPDATE },
      },
    });
    replica = await spawnReplica({
      DATA_DIR: temporaryDataDir(),
      OPENAI_BASE_URL: double.url,
      OPENAI_API_KEY: 'test-key',
    });
  }, 120_000);
  afterAll(async () => {
    await replica?.stop();
    await double?.close();
  });

  it('answers every request in flight in full, refuses new connections, and exits 0', async () => {
    const responses = Array.from({ length: IN_FLIGHT }, () =>
      replica.graphql<{ draftStatusUpdate: { generation: GenerationShape } }>(DRAFT_STATUS_UPDATE, {
        input: statusUpdateInput(),
      }),
    );
    let finished = 0;
    for (const response of responses) void response.then(() => finished++);
    await until('every draft to reach the model', () => double.calls >= IN_FLIGHT);
    replica.process.child.kill('SIGTERM');

    // Refused while the drafts are still being written: the replica is out of rotation as it drains.
    await until('new connections to be refused', () => connectionRefused(replica.url), 5_000);
    expect(finished).toBe(0);
    const answered = await Promise.all(responses);
    for (const response of answered) {
      expect(response.status).toBe(200);
      expect(response.errors).toBeUndefined();
      expect(response.data!.draftStatusUpdate.generation).toMatchObject({
        status: 'SUCCEEDED',
        text: MODEL_STATUS_UPDATE,
      });
    }
    expect(double.abortedRequests).toHaveLength(0);
    expect(await replica.process.exited).toEqual({ code: 0, signal: null });
  });
});
