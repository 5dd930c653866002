/**
 * A generation running in this process is watched without reading its row: whose it is comes from
 * the runner when a subscriber arrives, and the final event carries the generation as the runner
 * stored it. With thousands of open streams, a read per subscriber is a statement per stream.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DRAFT_STATUS_UPDATE, statusUpdateInput } from '../../fixtures/status-update.js';
import { serverWithBuiltinProvider } from '../../support/generation-queries.js';
import { issueKeyIn } from '../../support/keys.js';
import {
  collectStream,
  startTestServer,
  temporaryDataDir,
  type TestServer,
} from '../../support/server.js';

interface Drafted {
  draftStatusUpdate: { generation: { id: string; status: string } };
}

describe('the end of a running stream', () => {
  // Words 20 ms apart: the generation is still running when its subscribers arrive.
  const builtin = serverWithBuiltinProvider({ BUILTIN_STREAM_DELAY_MS: '20' });

  it('gives every subscriber the stored outcome, reading no row of it', async () => {
    const { server } = builtin;
    const drafted = await server.graphql<Drafted>(DRAFT_STATUS_UPDATE, {
      input: statusUpdateInput({ stream: true }),
    });
    const { id, status } = drafted.data!.draftStatusUpdate.generation;
    expect(status).toBe('RUNNING');

    const reads = vi.spyOn(server.app.store.generations, 'findById');
    const client = server.wsClient();
    const streams = await Promise.all([0, 1, 2].map(() => collectStream(client, id)));
    const readsOfThis = reads.mock.calls.filter(([, readId]) => readId === id).length;
    reads.mockRestore();

    const stored = await server.graphql<{ generation: { status: string; text: string } }>(
      'query($id: ID!) { generation(id: $id) { status text } }',
      { id },
    );
    for (const { events, errors } of streams) {
      expect(errors).toBeUndefined();
      const last = events.at(-1)!;
      expect(last.delta).toBeNull();
      expect(last.generation).toMatchObject({
        id,
        status: 'SUCCEEDED',
        text: stored.data!.generation.text,
      });
      expect(
        events
          .filter((event) => event.delta !== null)
          .map((event) => event.delta)
          .join(''),
      ).toBe(last.generation!.text);
    }
    expect(stored.data!.generation.status).toBe('SUCCEEDED');
    // Neither when they subscribe (the runner knows whose it is) nor at the end (it has the outcome).
    expect(readsOfThis).toBe(0);
  });
});

describe("another account's running generation", () => {
  let server: TestServer;
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    const dataDir = temporaryDataDir();
    alice = await issueKeyIn(dataDir, 'alice-co', ['generate']);
    bob = await issueKeyIn(dataDir, 'bob-co', ['generate']);
    server = await startTestServer({
      NODE_ENV: 'production',
      DATA_DIR: dataDir,
      BUILTIN_STREAM_DELAY_MS: '20',
    });
  });
  afterAll(() => server.stop());

  it('is NOT_FOUND to a subscriber of another account while it runs, and streams to its own', async () => {
    const drafted = await server.graphql<Drafted>(
      DRAFT_STATUS_UPDATE,
      { input: statusUpdateInput({ stream: true }) },
      { authorization: `Bearer ${alice}` },
    );
    const { id, status } = drafted.data!.draftStatusUpdate.generation;
    expect(status).toBe('RUNNING');

    const asBob = await collectStream(
      server.wsClient({ connectionParams: { authorization: `Bearer ${bob}` } }),
      id,
    );
    expect(asBob.events).toEqual([]);
    expect(asBob.errors).toMatchObject([{ extensions: { code: 'NOT_FOUND' } }]);

    const asAlice = await collectStream(
      server.wsClient({ connectionParams: { authorization: `Bearer ${alice}` } }),
      id,
    );
    expect(asAlice.errors).toBeUndefined();
    expect(asAlice.events.at(-1)!.generation).toMatchObject({ id, status: 'SUCCEEDED' });
  });
});
