/**
 * PostgreSQL restarts under a running replica. While it is down, requests fail with a GraphQL
 * error whose code says to retry (SERVICE_UNAVAILABLE) and /readyz takes the replica out of
 * rotation; once it is back, the same process serves again, without a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRAFT_STATUS_UPDATE, statusUpdateInput } from '../fixtures/status-update.js';
import {
  createEmptyDatabase,
  postgresBinDir,
  startPostgresCluster,
  type PostgresCluster,
} from '../support/postgres.js';
import { until } from '../support/until.js';
import { spawnReplica, type GenerationShape, type Replica } from './replicas.js';

const available = postgresBinDir() !== null;
if (!available && process.env.CI)
  throw new Error('fault tests need PostgreSQL 15 (apt-get install -y postgresql-15)');

const LATEST = `query { generations(first: 1) { edges { node { id status } } } }`;

describe.skipIf(!available)(
  'PostgreSQL restarted under a running replica',
  { timeout: 120_000 },
  () => {
    let cluster: PostgresCluster;
    let replica: Replica;

    beforeAll(async () => {
      cluster = await startPostgresCluster();
      replica = await spawnReplica({ DATABASE_URL: await createEmptyDatabase(cluster.adminUrl) });
    }, 120_000);
    afterAll(async () => {
      await replica?.stop();
      await cluster?.stop();
    });

    it('fails requests with SERVICE_UNAVAILABLE while it is down and serves them again once it is back', async () => {
      const first = await replica.graphql<{ draftStatusUpdate: { generation: GenerationShape } }>(
        DRAFT_STATUS_UPDATE,
        { input: statusUpdateInput() },
      );
      expect(first.data?.draftStatusUpdate.generation.status).toBe('SUCCEEDED');
      expect((await replica.get('/readyz')).status).toBe(200);

      await cluster.stopServer();
      for (const request of [
        () => replica.graphql(LATEST),
        () => replica.graphql(DRAFT_STATUS_UPDATE, { input: statusUpdateInput() }),
      ]) {
        const failed = await request();
        expect(failed.errors?.map((error) => error.extensions?.code)).toEqual([
          'SERVICE_UNAVAILABLE',
        ]);
        expect(failed.errors?.[0]?.message).toMatch(/database is unavailable/);
      }
      const notReady = await replica.get('/readyz');
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toMatchObject({ status: 'unavailable', store: 'unreachable' });
      expect((await replica.get('/healthz')).status).toBe(200);

      await cluster.startServer();
      await until(
        'the replica to be ready again',
        async () => (await replica.get('/readyz')).status === 200,
      );
      const again = await replica.graphql<{ draftStatusUpdate: { generation: GenerationShape } }>(
        DRAFT_STATUS_UPDATE,
        { input: statusUpdateInput() },
      );
      expect(again.errors).toBeUndefined();
      expect(again.data!.draftStatusUpdate.generation.status).toBe('SUCCEEDED');
      const latest = await replica.graphql<{ generations: { edges: { node: { id: string } }[] } }>(
        LATEST,
      );
      expect(latest.data!.generations.edges[0]!.node.id).toBe(
        again.data!.draftStatusUpdate.generation.id,
      );
      expect(replica.process.child.exitCode).toBeNull();
    });
  },
);
