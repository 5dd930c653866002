/**
 * Several replicas sweep at once: an orphaned generation (its producer stopped heartbeating) is
 * interrupted exactly once, with the text its stream carried and one final event; a generation
 * whose replica still heartbeats is left alone. Real PostgreSQL and Redis, one bus per "replica".
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GenerationUpkeep } from '../../src/services/generation/generation-upkeep.js';
import { createLogger } from '../../src/infra/observability/logger.js';
import { openStore, type Store } from '../../src/infra/store/index.js';
import { RedisStreamBus } from '../../src/infra/streams/redis-bus.js';
import {
  createEmptyDatabase,
  startPostgresCluster,
  type PostgresCluster,
} from '../support/postgres.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { temporaryDataDir } from '../support/server.js';
import { scaleOutServersAvailable } from './replicas.js';

const STALE_AFTER_MS = 1_000;
const REPLICAS = 4;

describe.skipIf(!scaleOutServersAvailable())(
  'sweeping orphaned generations from several replicas at once',
  () => {
    let cluster: PostgresCluster;
    let redis: RedisServer;
    let store: Store;
    let buses: RedisStreamBus[];

    beforeAll(async () => {
      [cluster, redis] = await Promise.all([
        startPostgresCluster(),
        startRedis({ persistence: false }),
      ]);
      store = await openStore({
        dataDir: temporaryDataDir(),
        databaseUrl: await createEmptyDatabase(cluster.adminUrl),
        poolSize: 8,
      });
      buses = await Promise.all(
        Array.from({ length: REPLICAS }, () =>
          RedisStreamBus.connect({ url: redis.url, retentionMs: 60_000 }),
        ),
      );
    });
    afterAll(async () => {
      await Promise.all(buses?.map((bus) => bus.close()) ?? []);
      await store?.close();
      await Promise.all([redis?.dispose(), cluster?.stop()]);
    });

    async function runningGeneration(deltas: string[]): Promise<string> {
      const id = randomUUID();
      await store.generations.insertRunning({
        id,
        accountId: 'acme',
        feature: 'STATUS_UPDATE',
        input: {},
        promptVersion: 'v1',
        incidentId: null,
        idempotencyKey: null,
      });
      await buses[0]!.open(id);
      for (const [seq, text] of deltas.entries())
        await buses[0]!.append(id, { seq, type: 'delta', text });
      return id;
    }

    it('interrupts an orphan exactly once, with its streamed text and one final event, and spares a live one', async () => {
      const orphan = await runningGeneration(['Checkout ', 'errors ', 'in EU']);
      const alive = await runningGeneration(['Still ', 'going']);
      const logger = createLogger({ level: 'silent', pretty: false });
      const swept: string[] = [];
      const upkeeps = buses.map(
        (bus, i) =>
          new GenerationUpkeep({
            generations: store.generations,
            bus,
            // The first replica runs `alive` and heartbeats it.
            runner: {
              runningIds: i === 0 ? [alive] : [],
              checkRemoteWatchers: async () => undefined,
            },
            logger,
            intervalMs: 100,
            staleAfterMs: STALE_AFTER_MS,
            sharedStore: true,
            onSwept: (generation) => swept.push(generation.id),
          }),
      );
      const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
      // Half-way to stale, the first replica's heartbeat (nothing is stale yet); then the orphan goes stale.
      await sleep(STALE_AFTER_MS / 2);
      await upkeeps[0]!.runOnce();
      await sleep(STALE_AFTER_MS / 2 + 100);
      const counts = await Promise.all(upkeeps.map((upkeep) => upkeep.sweep()));

      expect(counts.reduce((sum, count) => sum + count, 0)).toBe(1);
      expect(swept).toEqual([orphan]);
      const [interrupted, running] = await store.generations.findByIds('acme', [orphan, alive]);
      expect(interrupted).toMatchObject({
        status: 'INTERRUPTED',
        text: 'Checkout errors in EU',
        chunkLengths: [9, 7, 5],
        error: { code: 'INTERRUPTED' },
      });
      expect(interrupted!.finishedAt).toBeInstanceOf(Date);
      expect(running!.status).toBe('RUNNING');
      expect(await buses[1]!.snapshot(orphan)).toEqual([
        { seq: 0, type: 'delta', text: 'Checkout ' },
        { seq: 1, type: 'delta', text: 'errors ' },
        { seq: 2, type: 'delta', text: 'in EU' },
        { seq: 3, type: 'end' },
      ]);
      expect((await buses[1]!.snapshot(alive)).map((event) => event.type)).toEqual([
        'delta',
        'delta',
      ]);
    });
  },
);
