/**
 * Bulk routing across replicas: two real subgraph processes share one PostgreSQL, so their
 * pg-boss workers drain the same backlog; one of them is killed (SIGKILL) mid-backlog and the
 * other finishes every chunk, including the one the dead replica had taken.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnReplica, type Replica } from '../../faults/replicas.js';
import { clincSubset } from '../../support/clinc.js';
import { routingThroughDouble } from '../../support/llm-config.js';
import { startOpenAiDouble, type OpenAiDouble } from '../../support/openai-double.js';
import {
  createEmptyDatabase,
  postgresBinDir,
  startPostgresCluster,
  type PostgresCluster,
} from '../../support/postgres.js';
import { temporaryDataDir } from '../../support/server.js';

const available = postgresBinDir() !== null;
if (!available && process.env.CI)
  throw new Error('backlog replica tests need PostgreSQL 15 (apt-get install -y postgresql-15)');

const INTENTS = ['card_declined', 'lost_luggage', 'pin_change', 'transfer'];
const BACKLOG = 'id status progress { total routed failed pending } workers { id chunks }';

interface Backlog {
  id: string;
  status: string;
  progress: { total: number; routed: number; failed: number; pending: number };
  workers: { id: string; chunks: number }[];
}

const tickets = (count: number, prefix: string) => {
  const rows = clincSubset('test', INTENTS);
  return Array.from({ length: count }, (_, index) => ({
    id: `${prefix}-${index}`,
    body: rows[index % rows.length]![0],
  }));
};

/** The replica's pid is part of its workers' names. */
const workedOn = (backlog: Backlog, replica: Replica) =>
  backlog.workers
    .filter((worker) => worker.id.split(':')[1] === String(replica.process.child.pid))
    .reduce((sum, worker) => sum + worker.chunks, 0);

describe.skipIf(!available)(
  'routing backlogs on two replicas sharing PostgreSQL',
  { timeout: 180_000 },
  () => {
    let cluster: PostgresCluster;
    let double: OpenAiDouble;
    let a: Replica;
    let b: Replica;
    let taxonomyId: string;

    const getBacklog = async (replica: Replica, id: string) =>
      (
        await replica.graphql<{ routingBacklog: Backlog }>(
          `query($id: ID!) { routingBacklog(id: $id) { ${BACKLOG} } }`,
          { id },
        )
      ).data!.routingBacklog;
    const start = async (replica: Replica, count: number, prefix: string) => {
      const started = await replica.graphql<{ routeBacklog: { backlog: Backlog } }>(
        `mutation($input: RouteBacklogInput!) { routeBacklog(input: $input) { backlog { ${BACKLOG} } } }`,
        { input: { taxonomyId, tickets: tickets(count, prefix) } },
      );
      expect(started.errors).toBeUndefined();
      return started.data!.routeBacklog.backlog.id;
    };

    beforeAll(async () => {
      [cluster, double] = await Promise.all([startPostgresCluster(), startOpenAiDouble()]);
      // Every LLM call takes 300 ms and calls every ticket of its batch a transfer (the prompt numbers
      // tickets by their place in the chunk, 0 to 99): a chunk of 100 takes a while.
      double.setDefault({
        kind: 'delay',
        ms: 300,
        then: {
          kind: 'json',
          value: {
            results: Array.from({ length: 100 }, (_, index) => ({
              id: String(index),
              category: 'transfer',
              confidence: 0.95,
              reason: 'sure',
            })),
          },
        },
      });
      const env = {
        DATABASE_URL: await createEmptyDatabase(cluster.adminUrl),
        DATA_DIR: temporaryDataDir(),
        LLM_CONFIG: routingThroughDouble(double.url),
        OPENAI_API_KEY: 'sk-test',
        LOG_LEVEL: 'info',
        BACKLOG_CONCURRENCY: '1',
        // A chunk taken by a replica that died is retried after 4 s, not five minutes.
        BACKLOG_CHUNK_TIMEOUT_SECONDS: '4',
        BACKLOG_RETRY_DELAY_SECONDS: '1',
        // 6,000 tickets through the LLM within two minutes: far beyond the default per-account token rate.
        RATE_LIMIT_TOKENS_PER_MINUTE: '0',
        RATE_LIMIT_REQUESTS_PER_MINUTE: '0',
      };
      [a, b] = await Promise.all([spawnReplica(env), spawnReplica(env)]);
      const created = await a.graphql<{ createTaxonomy: { taxonomy: { id: string } } }>(
        'mutation($input: CreateTaxonomyInput!) { createTaxonomy(input: $input) { taxonomy { id } } }',
        {
          // localThreshold 1: every ticket goes to the (slow) LLM.
          input: {
            name: 'support',
            categories: INTENTS.map((name) => ({ name, description: name })),
            localThreshold: 1,
          },
        },
      );
      taxonomyId = created.data!.createTaxonomy.taxonomy.id;
      const rows = clincSubset('train', INTENTS).map(([body, category]) => ({ body, category }));
      await a.graphql(
        'mutation($id: ID!, $rows: [LabeledTicketInput!]!) { importLabeledTickets(input: { taxonomyId: $id, examples: $rows }) { imported } }',
        { id: taxonomyId, rows },
      );
      const trained = await a.graphql(
        'mutation($id: ID!) { trainRouter(input: { taxonomyId: $id }) { model { trainedOn } } }',
        { id: taxonomyId },
      );
      expect(trained.errors).toBeUndefined();
    }, 180_000);
    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await Promise.all([double?.close(), cluster?.stop()]);
    });

    it('drains one backlog with the workers of both replicas', async () => {
      const id = await start(a, 3_000, 'both');
      await expect
        .poll(async () => (await getBacklog(b, id)).status, { timeout: 120_000, interval: 250 })
        .toBe('SUCCEEDED');
      const done = await getBacklog(b, id);
      expect(done.progress).toEqual({ total: 3_000, routed: 3_000, failed: 0, pending: 0 });
      expect(workedOn(done, a)).toBeGreaterThan(0);
      expect(workedOn(done, b)).toBeGreaterThan(0);
      expect(workedOn(done, a) + workedOn(done, b)).toBe(30);
    });

    it('loses no chunk when a replica is killed mid-backlog: the other finishes them', async () => {
      const id = await start(b, 3_000, 'killed');
      // A is routing chunks back to back (300 ms LLM calls): kill it once it has finished some.
      await expect
        .poll(async () => workedOn(await getBacklog(b, id), a), { timeout: 60_000, interval: 100 })
        .toBeGreaterThan(1);
      a.process.child.kill('SIGKILL');
      expect((await a.process.exited).signal).toBe('SIGKILL');
      const doneByA = workedOn(await getBacklog(b, id), a);

      await expect
        .poll(async () => (await getBacklog(b, id)).status, { timeout: 120_000, interval: 250 })
        .toBe('SUCCEEDED');
      const done = await getBacklog(b, id);
      expect(done.progress).toEqual({ total: 3_000, routed: 3_000, failed: 0, pending: 0 });
      expect(workedOn(done, a)).toBe(doneByA);
      expect(workedOn(done, b)).toBe(30 - doneByA);

      // Every ticket has exactly one result with its prediction.
      const positions: number[] = [];
      let after: string | null = null;
      do {
        const page: {
          data?: {
            routingBacklog: {
              results: {
                edges: { node: { position: number; prediction: { category: string } | null } }[];
                pageInfo: { hasNextPage: boolean; endCursor: string };
              };
            };
          };
        } = await b.graphql(
          'query($id: ID!, $after: String) { routingBacklog(id: $id) { results(first: 500, after: $after) { edges { node { position prediction { category } } } pageInfo { hasNextPage endCursor } } } }',
          { id, after },
        );
        const results = page.data!.routingBacklog.results;
        for (const { node } of results.edges) {
          expect(node.prediction).toEqual({ category: 'transfer' });
          positions.push(node.position);
        }
        after = results.pageInfo.hasNextPage ? results.pageInfo.endCursor : null;
      } while (after);
      expect(positions).toEqual(Array.from({ length: 3_000 }, (_, index) => index));
    });
  },
);
