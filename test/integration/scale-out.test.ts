/**
 * Two replicas sharing one PostgreSQL database and one Redis, as in production: a generation
 * started on one is watched, live and with afterSeq, from the other, and subscribers on the other
 * keep it alive. And a replica whose Redis goes away for good mid-stream: the generation still
 * ends, stored, and the process lives on.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  DRAFT_STATUS_UPDATE,
  MODEL_STATUS_UPDATE,
  statusUpdateInput,
} from '../fixtures/status-update.js';
import { follow, GENERATION, type GenerationShape } from '../faults/replicas.js';
import { until } from '../support/until.js';
import { startOpenAiDouble, type OpenAiDouble } from '../support/openai-double.js';
import { postgresBinDir, throwawayDatabase, type ThrowawayDatabase } from '../support/postgres.js';
import { redisServerInstalled, startRedis, type RedisServer } from '../support/redis.js';
import { collectStream, startTestServer, type TestServer } from '../support/server.js';

const sharedPostgres = inject('postgresAdminUrl');
const available = redisServerInstalled() && (Boolean(sharedPostgres) || postgresBinDir() !== null);
if (!available && process.env.CI)
  throw new Error(
    'scale-out tests need redis-server and PostgreSQL 15 (apt-get install -y redis-server postgresql-15)',
  );

/** Call inside a describe: two replicas (with `env`) on a fresh Redis and a fresh PostgreSQL database, started together. */
function twoReplicas(env: () => Record<string, string> = () => ({})): {
  first: TestServer;
  second: TestServer;
} {
  const replicas = {} as { first: TestServer; second: TestServer };
  let redis: RedisServer | undefined;
  let database: ThrowawayDatabase | undefined;
  beforeAll(async () => {
    redis = await startRedis();
    database = await throwawayDatabase(sharedPostgres);
    const shared = { DATABASE_URL: database.url, REDIS_URL: redis.url, ...env() };
    // Started together, as replicas of a rollout are: the migration lock lets one migrate.
    [replicas.first, replicas.second] = await Promise.all([
      startTestServer(shared),
      startTestServer(shared),
    ]);
  });
  afterAll(async () => {
    await Promise.all([replicas.first?.stop(), replicas.second?.stop()]);
    await redis?.dispose();
    await database?.drop();
  });
  return replicas;
}

describe.skipIf(!available)('two replicas on one Redis and one PostgreSQL', () => {
  const replicas = twoReplicas(() => ({ BUILTIN_STREAM_DELAY_MS: '15', LOG_LEVEL: 'error' }));

  it('streams a generation running on one replica to subscribers of the other, live and resumed', async () => {
    const { first, second } = replicas;
    const started = await first.graphql<{
      draftStatusUpdate: { generation: { id: string; status: string } };
    }>(DRAFT_STATUS_UPDATE, { input: statusUpdateInput({ stream: true }) });
    expect(started.errors).toBeUndefined();
    const { id, status } = started.data!.draftStatusUpdate.generation;
    expect(status).toBe('RUNNING');

    const [local, remote, resumed] = await Promise.all([
      collectStream(first.wsClient(), id),
      collectStream(second.wsClient(), id),
      collectStream(second.wsClient(), id, 3),
    ]);
    expect(remote.errors).toBeUndefined();
    expect(remote.events).toEqual(local.events);
    const final = remote.events.at(-1)!;
    expect(final.generation).toMatchObject({ id, status: 'SUCCEEDED' });
    expect(
      remote.events
        .slice(0, -1)
        .map((event) => event.delta)
        .join(''),
    ).toBe(final.generation!.text);
    expect(remote.events.map((event) => event.seq)).toEqual(remote.events.map((_, seq) => seq));
    expect(resumed.events).toEqual(remote.events.filter((event) => event.seq > 3));
    // Both replicas read the same record.
    const found = await second.graphql<{ generation: { status: string; text: string } }>(
      `query($id: ID!) { generation(id: $id) { status text } }`,
      { id },
    );
    expect(found.data!.generation).toEqual({ status: 'SUCCEEDED', text: final.generation!.text });
  });
});

describe.skipIf(!available)(
  'subscribers on another replica keep a streamed generation alive',
  () => {
    let double: OpenAiDouble;
    beforeAll(async () => {
      double = await startOpenAiDouble();
    });
    afterAll(() => double?.close());
    // Abandoned one second after the last subscriber left; replicas look for remote subscribers every 100 ms.
    const replicas = twoReplicas(() => ({
      OPENAI_BASE_URL: double.url,
      OPENAI_API_KEY: 'test-key',
      STREAM_ABANDON_MS: '1000',
      GENERATION_HEARTBEAT_MS: '100',
      GENERATION_STALE_AFTER_MS: '1000',
    }));

    it(
      'is not abandoned while the other replica has a subscriber, and is once that one leaves too',
      { timeout: 60_000 },
      async () => {
        const { first, second } = replicas;
        // Two generations streaming for about ten seconds each, unless abandoned.
        const slow = {
          kind: 'text',
          text: MODEL_STATUS_UPDATE,
          chunks: 200,
          chunkDelayMs: 50,
        } as const;
        double.enqueue(slow, slow);
        const start = async () =>
          (
            await first.graphql<{ draftStatusUpdate: { generation: GenerationShape } }>(
              DRAFT_STATUS_UPDATE,
              {
                input: statusUpdateInput({ stream: true }),
              },
            )
          ).data!.draftStatusUpdate.generation.id;
        const [watchedBoth, watchedRemotely] = [await start(), await start()];
        // One watched on both replicas, whose local subscriber leaves first; one only ever watched from the other replica.
        const local = follow(first.wsClient(), watchedBoth);
        const remote = [
          follow(second.wsClient(), watchedBoth),
          follow(second.wsClient(), watchedRemotely),
        ];
        await until('deltas on the other replica', () =>
          remote.every((stream) => stream.events.length >= 2),
        );
        local.leave();

        // Twice the abandon delay later, both still stream to the remote subscribers.
        const counts = remote.map((stream) => stream.events.length);
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        remote.forEach((stream, i) => expect(stream.events.length).toBeGreaterThan(counts[i]!));
        expect(double.abortedRequests).toHaveLength(0);
        for (const id of [watchedBoth, watchedRemotely])
          expect(
            (await first.graphql<{ generation: GenerationShape }>(GENERATION, { id })).data!
              .generation.status,
          ).toBe('RUNNING');

        for (const stream of remote) stream.leave();
        for (const id of [watchedBoth, watchedRemotely]) {
          let generation: GenerationShape | undefined;
          await until(
            `generation ${id} to be abandoned`,
            async () => {
              generation = (
                await second.graphql<{ generation: GenerationShape }>(GENERATION, { id })
              ).data!.generation;
              return generation.status !== 'RUNNING';
              // About 1.2 s when the machine is quiet (a heartbeat, then STREAM_ABANDON_MS); CI machines are not.
            },
            15_000,
          );
          expect(generation).toMatchObject({
            status: 'CANCELLED',
            error: { code: 'CANCELLED', message: 'every subscriber left the stream' },
          });
        }
        expect(double.abortedRequests).toHaveLength(2);
      },
    );
  },
);

describe.skipIf(!redisServerInstalled())('a replica whose Redis goes away mid-stream', () => {
  it('stores the generation as failed and keeps serving, without an unhandled rejection', async () => {
    const redis = await startRedis({ persistence: false });
    const server = await startTestServer({ REDIS_URL: redis.url, BUILTIN_STREAM_DELAY_MS: '20' });
    try {
      const started = await server.graphql<{ draftStatusUpdate: { generation: { id: string } } }>(
        DRAFT_STATUS_UPDATE,
        { input: statusUpdateInput({ stream: true }) },
      );
      const { id } = started.data!.draftStatusUpdate.generation;
      await new Promise((resolve) => setTimeout(resolve, 100));
      await redis.kill();
      // Appends wait for Redis up to 10 s, then the run fails; its outcome is stored all the same.
      const deadline = Date.now() + 25_000;
      let status = 'RUNNING';
      while (status === 'RUNNING' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        const found = await server.graphql<{ generation: { status: string } }>(
          `query($id: ID!) { generation(id: $id) { status } }`,
          { id },
        );
        status = found.data!.generation.status;
      }
      expect(status).toBe('FAILED');
      const health = await fetch(server.url.replace(/\/graphql$/, '/healthz'));
      expect(health.status).toBe(200);
    } finally {
      await server.stop();
      await redis.dispose();
    }
  }, 60_000);
});
