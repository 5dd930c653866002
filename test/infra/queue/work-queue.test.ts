/**
 * The backlog queue's contract, run against both implementations: the in-process queue and
 * pg-boss on a real PostgreSQL server (skipped where PostgreSQL is not installed).
 */
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { MemoryWorkQueue } from '../../../src/infra/queue/memory-queue.js';
import { PgBossWorkQueue } from '../../../src/infra/queue/pg-boss-queue.js';
import type {
  QueueItem,
  QueueSettings,
  WorkHandlers,
  WorkQueue,
} from '../../../src/infra/queue/work-queue.js';
import {
  createEmptyDatabase,
  postgresBinDir,
  startPostgresCluster,
  type PostgresCluster,
} from '../../support/postgres.js';

interface Job {
  n: number;
}

const SETTINGS: QueueSettings = {
  concurrency: 2,
  attempts: 3,
  retryDelayMs: 1_000,
  timeoutMs: 1_500,
};

/** Collects what the queue did, and resolves `settled` once every item succeeded or was given up. */
function recorder(
  expected: number,
  behaviour: (item: QueueItem<Job>, signal: AbortSignal) => Promise<void> = async () => undefined,
) {
  const runs: { n: number; attempt: number; at: number }[] = [];
  const succeeded: number[] = [];
  const givenUp: { n: number; error: string }[] = [];
  let running = 0;
  let maxRunning = 0;
  let resolve!: () => void;
  const settled = new Promise<void>((done) => (resolve = done));
  const check = () => {
    if (succeeded.length + givenUp.length >= expected) resolve();
  };
  const handlers: WorkHandlers<Job> = {
    run: async (item, signal) => {
      runs.push({ n: item.data.n, attempt: item.attempt, at: Date.now() });
      running++;
      maxRunning = Math.max(maxRunning, running);
      try {
        await behaviour(item, signal);
        succeeded.push(item.data.n);
        check();
      } finally {
        running--;
      }
    },
    giveUp: async (data, error) => {
      givenUp.push({ n: data.n, error });
      check();
    },
  };
  return { handlers, runs, succeeded, givenUp, settled, maxRunning: () => maxRunning };
}

function queueContract(name: string, open: () => Promise<WorkQueue<Job>>) {
  describe(`${name} queue`, () => {
    let queue: WorkQueue<Job> | undefined;
    afterEach(async () => {
      await queue?.stop(1_000);
      queue = undefined;
    });

    it('runs every item once when all succeed, at most `concurrency` at a time, and ends empty', async () => {
      queue = await open();
      const seen = recorder(20, () => new Promise((resolve) => setTimeout(resolve, 20)));
      await queue.start(seen.handlers);
      await queue.enqueue(Array.from({ length: 20 }, (_, n) => ({ n })));
      await seen.settled;
      expect(seen.succeeded.toSorted((a, b) => a - b)).toEqual(
        Array.from({ length: 20 }, (_, n) => n),
      );
      expect(seen.runs.every((run) => run.attempt === 1)).toBe(true);
      expect(seen.maxRunning()).toBeLessThanOrEqual(SETTINGS.concurrency);
      expect(seen.givenUp).toEqual([]);
      await expect
        .poll(() => queue!.depth(), { timeout: 5_000 })
        .toEqual({ waiting: 0, running: 0 });
    });

    it('retries a failed item after a backoff, with the attempt number, until it succeeds', async () => {
      queue = await open();
      const seen = recorder(1, async (item) => {
        if (item.attempt < 3) throw new Error(`failure ${item.attempt}`);
      });
      await queue.start(seen.handlers);
      await queue.enqueue([{ n: 7 }]);
      await seen.settled;
      expect(seen.runs.map((run) => run.attempt)).toEqual([1, 2, 3]);
      expect(seen.succeeded).toEqual([7]);
      // Backoff: at least the retry delay before the first retry, and longer before the second.
      expect(seen.runs[1]!.at - seen.runs[0]!.at).toBeGreaterThanOrEqual(
        SETTINGS.retryDelayMs - 50,
      );
      expect(seen.runs[2]!.at - seen.runs[1]!.at).toBeGreaterThanOrEqual(
        SETTINGS.retryDelayMs - 50,
      );
    }, 30_000);

    it('gives an item up once, with the last error, after its last attempt fails', async () => {
      queue = await open();
      const seen = recorder(2, async (item) => {
        if (item.data.n === 1) throw new Error(`still broken (attempt ${item.attempt})`);
      });
      await queue.start(seen.handlers);
      await queue.enqueue([{ n: 1 }, { n: 2 }]);
      await seen.settled;
      expect(seen.succeeded).toEqual([2]);
      expect(seen.givenUp).toEqual([{ n: 1, error: 'still broken (attempt 3)' }]);
      expect(seen.runs.filter((run) => run.n === 1)).toHaveLength(SETTINGS.attempts);
      // Nothing more arrives later.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(seen.givenUp).toHaveLength(1);
    }, 30_000);

    it('aborts an attempt that outlives the timeout and retries it', async () => {
      queue = await open();
      let aborted = false;
      const seen = recorder(1, (item, signal) => {
        if (item.attempt > 1) return Promise.resolve();
        // The first attempt hangs until the queue gives up on it.
        return new Promise((_, reject) =>
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(signal.reason as Error);
          }),
        );
      });
      await queue.start(seen.handlers);
      await queue.enqueue([{ n: 3 }]);
      await seen.settled;
      expect(aborted).toBe(true);
      expect(seen.runs.map((run) => run.attempt)).toEqual([1, 2]);
    }, 30_000);

    it('reports depth: items waiting and running', async () => {
      queue = await open();
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const seen = recorder(5, () => gate);
      await queue.start(seen.handlers);
      await queue.enqueue(Array.from({ length: 5 }, (_, n) => ({ n })));
      await expect
        .poll(() => queue!.depth(), { timeout: 10_000 })
        .toEqual({ waiting: 3, running: 2 });
      release();
      await seen.settled;
      await expect
        .poll(() => queue!.depth(), { timeout: 5_000 })
        .toEqual({ waiting: 0, running: 0 });
    }, 30_000);
  });
}

queueContract(
  'in-process',
  async () => new MemoryWorkQueue<Job>(SETTINGS, (error) => console.error(error)),
);

const sharedPostgres = inject('postgresAdminUrl');
const postgresAvailable = Boolean(sharedPostgres) || postgresBinDir() !== null;
if (!postgresAvailable && process.env.CI)
  throw new Error(
    'the pg-boss queue contract needs PostgreSQL 15 (apt-get install -y postgresql-15)',
  );

describe.skipIf(!postgresAvailable)('on PostgreSQL', () => {
  let cluster: PostgresCluster | undefined;
  let adminUrl = sharedPostgres;
  beforeAll(async () => {
    if (!adminUrl) {
      cluster = await startPostgresCluster();
      adminUrl = cluster.adminUrl;
    }
  });
  afterAll(() => cluster?.stop());

  // A fresh database per case, so no job of one case is left for the next; polling fast for the test.
  queueContract(
    'pg-boss',
    async () =>
      new PgBossWorkQueue<Job>({
        connectionString: await createEmptyDatabase(adminUrl),
        name: 'contract',
        settings: SETTINGS,
        pollingIntervalSeconds: 0.5,
        onError: (error) => console.error(error),
      }),
  );
});
