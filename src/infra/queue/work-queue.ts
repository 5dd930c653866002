/**
 * The work queue behind routing backlogs, small enough for two implementations: in-process
 * (`MemoryWorkQueue`, the embedded default) and durable on PostgreSQL (`PgBossWorkQueue`, for
 * replicas sharing DATABASE_URL). Both pass `test/infra/queue/work-queue.test.ts`.
 *
 * Delivery is at least once: an item may run again after a timeout or a crash, so handlers must
 * be idempotent (the backlog store is).
 */
import type { SqlExecutor } from '../store/database.js';

export interface QueueItem<T> {
  data: T;
  /** 1 on the first delivery, then one more for every retry (a crashed or timed-out attempt counts). */
  attempt: number;
}

export interface WorkHandlers<T> {
  /** Does the work. A throw (or the signal's timeout) retries it after a backoff, up to the queue's attempts. */
  run(item: QueueItem<T>, signal: AbortSignal): Promise<void>;
  /** Called once for an item whose last attempt failed, with the last error's message. */
  giveUp(data: T, error: string): Promise<void>;
}

export interface QueueDepth {
  /** Items waiting to run, retries waiting out their backoff included. */
  waiting: number;
  /** Items a worker is running now (on any replica for a shared queue). */
  running: number;
}

export interface QueueSettings {
  /** Items run at once by this process. */
  concurrency: number;
  /** Deliveries of one item before `giveUp`, the first included. */
  attempts: number;
  /** Wait before the first retry; each later one waits about twice as long (with jitter). */
  retryDelayMs: number;
  /** An attempt running longer is aborted and counts as failed. */
  timeoutMs: number;
}

export interface WorkQueue<T> {
  readonly kind: 'memory' | 'pg-boss';
  /** Starts this process's workers; call it before enqueueing. */
  start(handlers: WorkHandlers<T>): Promise<void>;
  /** Adds items once what they refer to is committed. */
  enqueue(items: readonly T[]): Promise<void>;
  /**
   * A queue kept in the store's own database adds its jobs inside the transaction that creates
   * the items instead, so both commit or neither (no chunk without its job after a crash).
   */
  enqueueInTransaction?(transaction: SqlExecutor, items: readonly T[]): Promise<void>;
  depth(): Promise<QueueDepth>;
  /** Stops taking items and waits up to `graceMs` for running ones; those still running are aborted (a durable queue redelivers them). */
  stop(graceMs: number): Promise<void>;
}

/** The message of whatever was thrown, for `giveUp`. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
