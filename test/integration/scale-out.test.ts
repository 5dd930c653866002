/**
 * Two replicas sharing one PostgreSQL database and one Redis, as in production: a generation
 * started on one is watched, live and with afterSeq, from the other. And a replica whose Redis
 * goes away for good mid-stream: the generation still ends, stored, and the process lives on.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DRAFT_STATUS_UPDATE, statusUpdateInput } from '../fixtures/status-update.js';
import { createEmptyDatabase, postgresBinDir, startPostgresCluster, type PostgresCluster } from '../support/postgres.js';
import { redisServerInstalled, startRedis, type RedisServer } from '../support/redis.js';
import { collectStream, startTestServer, type TestServer } from '../support/server.js';

const sharedPostgres = inject('postgresAdminUrl');
const available = redisServerInstalled() && (Boolean(sharedPostgres) || postgresBinDir() !== null);
if (!available && process.env.CI) throw new Error('scale-out tests need redis-server and PostgreSQL 15 (apt-get install -y redis-server postgresql-15)');

describe.skipIf(!available)('two replicas on one Redis and one PostgreSQL', () => {
  let redis: RedisServer;
  let cluster: PostgresCluster | undefined;
  let first: TestServer;
  let second: TestServer;

  beforeAll(async () => {
    redis = await startRedis();
    let adminUrl = sharedPostgres;
    if (!adminUrl) {
      cluster = await startPostgresCluster();
      adminUrl = cluster.adminUrl;
    }
    const DATABASE_URL = await createEmptyDatabase(adminUrl);
    const env = { DATABASE_URL, REDIS_URL: redis.url, BUILTIN_STREAM_DELAY_MS: '15' };
    // Started together, as replicas of a rollout are: the migration lock lets one migrate.
    [first, second] = await Promise.all([startTestServer(env), startTestServer(env)]);
  });
  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
    await redis?.dispose();
    await cluster?.stop();
  });

  it('streams a generation running on one replica to subscribers of the other, live and resumed', async () => {
    const started = await first.graphql<{ draftStatusUpdate: { id: string; status: string } }>(DRAFT_STATUS_UPDATE, { input: statusUpdateInput({ stream: true }) });
    expect(started.errors).toBeUndefined();
    const { id, status } = started.data!.draftStatusUpdate;
    expect(status).toBe('RUNNING');

    const [local, remote, resumed] = await Promise.all([collectStream(first.wsClient(), id), collectStream(second.wsClient(), id), collectStream(second.wsClient(), id, 3)]);
    expect(remote.errors).toBeUndefined();
    expect(remote.events).toEqual(local.events);
    const final = remote.events.at(-1)!;
    expect(final.generation).toMatchObject({ id, status: 'SUCCEEDED' });
    expect(remote.events.slice(0, -1).map((event) => event.delta).join('')).toBe(final.generation!.text);
    expect(remote.events.map((event) => event.seq)).toEqual(remote.events.map((_, seq) => seq));
    expect(resumed.events).toEqual(remote.events.filter((event) => event.seq > 3));
    // Both replicas read the same record.
    const found = await second.graphql<{ generation: { status: string; text: string } }>(`query($id: ID!) { generation(id: $id) { status text } }`, { id });
    expect(found.data!.generation).toEqual({ status: 'SUCCEEDED', text: final.generation!.text });
  });
});

describe.skipIf(!redisServerInstalled())('a replica whose Redis goes away mid-stream', () => {
  it('stores the generation as failed and keeps serving, without an unhandled rejection', async () => {
    const redis = await startRedis({ persistence: false });
    const server = await startTestServer({ REDIS_URL: redis.url, BUILTIN_STREAM_DELAY_MS: '20' });
    try {
      const started = await server.graphql<{ draftStatusUpdate: { id: string } }>(DRAFT_STATUS_UPDATE, { input: statusUpdateInput({ stream: true }) });
      const { id } = started.data!.draftStatusUpdate;
      await new Promise((resolve) => setTimeout(resolve, 100));
      await redis.kill();
      // Appends wait for Redis up to 10 s, then the run fails; its outcome is stored all the same.
      const deadline = Date.now() + 25_000;
      let status = 'RUNNING';
      while (status === 'RUNNING' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        const found = await server.graphql<{ generation: { status: string } }>(`query($id: ID!) { generation(id: $id) { status } }`, { id });
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
