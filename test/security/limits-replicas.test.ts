/**
 * Per-account limits hold across replicas: two real subgraph processes sharing one PostgreSQL
 * database and one Redis. An account's requests per minute are counted once for both (N + k
 * requests spread over the two admit exactly N), its streams at once too, and each replica's
 * /metrics counts the rejections it made, by limit.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { issueApiKey } from '../../src/security/api-keys.js';
import { openStore } from '../../src/infra/store/index.js';
import { DRAFT_STATUS_UPDATE, statusUpdateInput } from '../fixtures/status-update.js';
import { postgresBinDir, throwawayDatabase, type ThrowawayDatabase } from '../support/postgres.js';
import { spawnServer, type ServerProcess } from '../support/process.js';
import { redisServerInstalled, startRedis, type RedisServer } from '../support/redis.js';

const sharedPostgres = inject('postgresAdminUrl');
const available = redisServerInstalled() && (Boolean(sharedPostgres) || postgresBinDir() !== null);
if (!available && process.env.CI)
  throw new Error(
    'these tests need redis-server and PostgreSQL 15 (apt-get install -y redis-server postgresql-15)',
  );

const REQUESTS_PER_MINUTE = 10;

interface Answer {
  status: number;
  retryAfter: string | null;
  body: {
    data?: Record<string, { generation: { id: string; status: string } | null }> | null;
    errors?: { extensions: Record<string, unknown> }[];
  };
}

describe.skipIf(!available)(
  'account limits across two replicas on one Redis and one PostgreSQL',
  () => {
    let redis: RedisServer;
    let database: ThrowawayDatabase | undefined;
    const replicas: ServerProcess[] = [];
    const urls: string[] = [];
    const keys: Record<'burst' | 'streamer', string> = { burst: '', streamer: '' };

    beforeAll(async () => {
      redis = await startRedis();
      database = await throwawayDatabase(sharedPostgres);
      const DATABASE_URL = database.url;
      // Opening the store migrates the database; the keys are issued as `npm run keys` would.
      const store = await openStore({ databaseUrl: DATABASE_URL, dataDir: '', poolSize: 1 });
      try {
        for (const accountId of ['burst', 'streamer'] as const)
          keys[accountId] = (
            await issueApiKey(store.apiKeys, { accountId, scopes: ['generate'], expiresAt: null })
          ).key;
      } finally {
        await store.close();
      }
      const env = {
        DATABASE_URL,
        REDIS_URL: redis.url,
        RATE_LIMIT_REQUESTS_PER_MINUTE: String(REQUESTS_PER_MINUTE),
        MAX_CONCURRENT_STREAMS: '2',
        BUILTIN_STREAM_DELAY_MS: '200',
      };
      replicas.push(spawnServer(env), spawnServer(env));
      urls.push(...(await Promise.all(replicas.map((replica) => replica.ready))));
    }, 120_000);
    afterAll(async () => {
      for (const replica of replicas) replica.child.kill('SIGTERM');
      await Promise.all(replicas.map((replica) => replica.exited));
      await redis?.dispose();
      await database?.drop();
    });

    async function post(
      replica: number,
      account: keyof typeof keys,
      query: string,
      variables: Record<string, unknown> = {},
    ): Promise<Answer> {
      const response = await fetch(urls[replica]!, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${keys[account]}` },
        body: JSON.stringify({ query, variables }),
      });
      return {
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        body: (await response.json()) as Answer['body'],
      };
    }

    /** The replica's rate_limit_rejections_total for `rule`, read from /metrics. */
    async function rejections(replica: number, rule: string): Promise<number> {
      const text = await (await fetch(urls[replica]!.replace(/\/graphql$/, '/metrics'))).text();
      const line = text
        .split('\n')
        .find((candidate) =>
          candidate.startsWith(`ai_subgraph_rate_limit_rejections_total{rule="${rule}"}`),
        );
      return line ? Number(line.split(' ').at(-1)) : 0;
    }

    it(`admits exactly ${REQUESTS_PER_MINUTE} of ${REQUESTS_PER_MINUTE + 6} requests a minute spread over both replicas`, async () => {
      // All at once: the next token is six seconds away, far longer than these take.
      const answers = await Promise.all(
        Array.from({ length: REQUESTS_PER_MINUTE + 6 }, (_, i) =>
          post(i % 2, 'burst', '{ __typename }'),
        ),
      );
      const admitted = answers.filter((answer) => answer.status === 200);
      const refused = answers.filter((answer) => answer.status === 429);
      expect(admitted).toHaveLength(REQUESTS_PER_MINUTE);
      expect(refused).toHaveLength(6);
      for (const answer of refused) {
        expect(answer.body.errors![0]!.extensions).toMatchObject({
          code: 'RATE_LIMITED',
          rule: 'requestsPerMinute',
          limit: REQUESTS_PER_MINUTE,
        });
        const retryAfterSeconds = answer.body.errors![0]!.extensions.retryAfterSeconds as number;
        expect(retryAfterSeconds).toBeGreaterThan(0);
        expect(retryAfterSeconds).toBeLessThanOrEqual(6);
        expect(answer.retryAfter).toBe(String(retryAfterSeconds));
      }
      // Each replica counted its own refusals; together, all of them.
      const counted = await Promise.all([
        rejections(0, 'requestsPerMinute'),
        rejections(1, 'requestsPerMinute'),
      ]);
      expect(counted[0]! + counted[1]!).toBe(6);
      // Another account is not affected.
      expect((await post(1, 'streamer', '{ __typename }')).status).toBe(200);
    });

    it('bounds the streams an account runs at once across both replicas', async () => {
      const startStreamed = (replica: number, audience: string) =>
        post(replica, 'streamer', DRAFT_STATUS_UPDATE, {
          input: statusUpdateInput({ stream: true, audience }),
        });
      const onFirst = await startStreamed(0, 'INTERNAL');
      const onSecond = await startStreamed(1, 'CUSTOMER');
      expect([
        onFirst.body.data?.draftStatusUpdate?.generation?.status,
        onSecond.body.data?.draftStatusUpdate?.generation?.status,
      ]).toEqual(['RUNNING', 'RUNNING']);

      // Either replica refuses a third: both slots are taken, one on each.
      const third = await startStreamed(0, 'INTERNAL');
      expect(third.body.errors![0]!.extensions).toMatchObject({
        code: 'RATE_LIMITED',
        rule: 'maxConcurrentStreams',
        limit: 2,
      });
      expect(await rejections(0, 'maxConcurrentStreams')).toBe(1);

      // The second replica's generation ends: its slot is free for the first replica.
      const cancelled = await post(
        1,
        'streamer',
        'mutation($id: ID!) { cancelGeneration(input: { id: $id }) { generation { id status } } }',
        { id: onSecond.body.data!.draftStatusUpdate!.generation!.id },
      );
      expect(cancelled.body.data?.cancelGeneration?.generation?.status).toBe('CANCELLED');
      let fourth = await startStreamed(0, 'CUSTOMER');
      // The slot is released as the run winds down, just after the cancellation answers.
      for (let attempt = 0; attempt < 3 && fourth.body.errors; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        fourth = await startStreamed(0, 'CUSTOMER');
      }
      expect(fourth.body.data?.draftStatusUpdate?.generation?.status).toBe('RUNNING');
    });
  },
);
