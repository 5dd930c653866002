/**
 * The durable queue for replicas sharing PostgreSQL: pg-boss 10 (the Node 20 line), in its own
 * schema of the database we already run. Jobs are rows taken with SKIP LOCKED, so any replica's
 * workers drain the same queue; a job whose worker died stays active until it expires (the
 * attempt timeout), then pg-boss's maintenance, run by whichever replica gets there first, puts it
 * back for a retry. An item that fails its last attempt goes to a dead-letter queue, whose worker
 * calls `giveUp`, so even a crash on the last attempt is reported once.
 */
import PgBoss from 'pg-boss';
import type { SqlExecutor } from '../store/database.js';
import {
  errorMessage,
  type QueueDepth,
  type QueueSettings,
  type WorkHandlers,
  type WorkQueue,
} from './work-queue.js';

export interface PgBossQueueOptions {
  connectionString: string;
  /** The queue's name; its dead letters go to `<name>-dead`. */
  name: string;
  settings: QueueSettings;
  /** How often an idle worker looks for jobs (pg-boss polls; its default is 2 s). */
  pollingIntervalSeconds?: number;
  /** pg-boss's own failures (a lost connection, say), which it reports as events. */
  onError: (error: unknown) => void;
}

/** pg-boss's tables live here, apart from ours. */
const SCHEMA = 'ai_subgraph_queue';

export class PgBossWorkQueue<T extends object> implements WorkQueue<T> {
  readonly kind = 'pg-boss' as const;
  private readonly boss: PgBoss;
  private readonly deadLetter: string;
  private readonly workerIds: string[] = [];
  private readonly running = new Set<AbortController>();

  constructor(private readonly options: PgBossQueueOptions) {
    const timeoutSeconds = Math.ceil(options.settings.timeoutMs / 1000);
    this.deadLetter = `${options.name}-dead`;
    this.boss = new PgBoss({
      connectionString: options.connectionString,
      schema: SCHEMA,
      application_name: 'ai-subgraph-queue',
      // A fetch per worker, the dead-letter worker, and maintenance.
      max: options.settings.concurrency + 2,
      // Maintenance expires the jobs of dead workers: often enough that their chunks do not wait
      // much longer than the timeout itself. pg-boss runs it on one replica per interval.
      maintenanceIntervalSeconds: Math.max(1, Math.min(60, Math.round(timeoutSeconds / 4))),
      schedule: false,
    });
    this.boss.on('error', options.onError);
  }

  async start(handlers: WorkHandlers<T>): Promise<void> {
    const { settings, name } = this.options;
    await this.boss.start();
    const policy = {
      retryLimit: settings.attempts - 1,
      // pg-boss counts in whole seconds, and doubles with jitter as the in-process queue does.
      retryDelay: Math.ceil(settings.retryDelayMs / 1000),
      retryBackoff: true,
      expireInSeconds: Math.ceil(settings.timeoutMs / 1000),
    };
    await retryOnDeadlock(() =>
      this.boss.createQueue(this.deadLetter, { name: this.deadLetter, ...policy }),
    );
    await retryOnDeadlock(() =>
      this.boss.createQueue(name, { name, ...policy, deadLetter: this.deadLetter }),
    );
    // A queue created by an earlier version keeps its settings unless told otherwise.
    await this.boss.updateQueue(name, { name, ...policy, deadLetter: this.deadLetter });
    const polling = { pollingIntervalSeconds: this.options.pollingIntervalSeconds ?? 2 };
    for (let index = 0; index < settings.concurrency; index++) {
      let workerId = '';
      workerId = await this.boss.work<T>(
        name,
        { ...polling, batchSize: 1, includeMetadata: true },
        async ([job]) => {
          const controller = new AbortController();
          const timeout = setTimeout(
            () =>
              controller.abort(new Error(`the attempt timed out after ${settings.timeoutMs} ms`)),
            settings.timeoutMs,
          );
          this.running.add(controller);
          try {
            await handlers.run(
              { data: job!.data, attempt: job!.retryCount + 1 },
              controller.signal,
            );
          } finally {
            clearTimeout(timeout);
            this.running.delete(controller);
            // pg-boss waits a polling interval after every job; with work queued, take the next one now.
            this.boss.notifyWorker(workerId);
          }
        },
      );
      this.workerIds.push(workerId);
    }
    await this.boss.work<T>(
      this.deadLetter,
      { ...polling, batchSize: 1, includeMetadata: true },
      async ([job]) => {
        await handlers.giveUp(job!.data, failureMessage(job!.output));
      },
    );
  }

  async enqueue(items: readonly T[]): Promise<void> {
    if (items.length === 0) return;
    await this.boss.insert(items.map((data) => ({ name: this.options.name, data })));
    // This replica's idle workers start at once; the others find the jobs at their next poll.
    for (const id of this.workerIds) this.boss.notifyWorker(id);
  }

  async enqueueInTransaction(transaction: SqlExecutor, items: readonly T[]): Promise<void> {
    if (items.length === 0) return;
    // pg-boss runs its insert on any connection that speaks executeSql: here, the caller's transaction.
    const db = {
      executeSql: async (text: string, values: unknown[]) => ({
        rows: await transaction.query(text, values),
      }),
    };
    await this.boss.insert(
      items.map((data) => ({ name: this.options.name, data })),
      { db },
    );
  }

  async depth(): Promise<QueueDepth> {
    // getQueueSize counts the jobs in states before the one given: created and retry, then also active.
    const [waiting, notFinished] = await Promise.all([
      this.boss.getQueueSize(this.options.name),
      this.boss.getQueueSize(this.options.name, { before: 'completed' }),
    ]);
    return { waiting, running: notFinished - waiting };
  }

  async stop(graceMs: number): Promise<void> {
    // What is still running when the grace ends is aborted; pg-boss fails it, and a retry runs it elsewhere.
    const abort = setTimeout(() => {
      for (const controller of this.running) controller.abort(new Error('the replica is stopping'));
    }, graceMs);
    try {
      await this.boss.stop({ graceful: true, wait: true, timeout: Math.max(1_000, graceMs + 500) });
    } finally {
      clearTimeout(abort);
    }
  }
}

/**
 * Replicas starting together both create the queue; pg-boss's create_queue takes its locks in an
 * order that can deadlock then (measured: two replicas on one database). PostgreSQL aborts one,
 * the other commits, and the retry finds the queue there (it then does nothing).
 */
async function retryOnDeadlock(work: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if ((error as { code?: string }).code !== '40P01' || attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt * Math.random()));
    }
  }
}

/** The message pg-boss stored with a failed job: a serialized Error, or its timeout notice. */
function failureMessage(output: unknown): string {
  const value = output as { message?: unknown; value?: { message?: unknown } } | null;
  const message = value?.message ?? value?.value?.message;
  return typeof message === 'string' ? message : errorMessage(output);
}
