/** Picks the backlog queue from configuration: in-process by default, pg-boss on a shared PostgreSQL. */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '../observability/logger.js';
import type { ChunkRef } from '../store/routing/backlogs.js';
import { MemoryWorkQueue } from './memory-queue.js';
import type { QueueSettings, WorkQueue } from './work-queue.js';

export interface BacklogQueueOptions extends QueueSettings {
  queue: 'memory' | 'pg-boss';
}

export async function openBacklogQueue(
  options: BacklogQueueOptions,
  databaseUrl: string | undefined,
  logger: Logger,
): Promise<WorkQueue<ChunkRef>> {
  const onError = (error: unknown) => logger.warn({ err: error }, 'routing backlog queue error');
  if (options.queue === 'memory') return new MemoryWorkQueue<ChunkRef>(options, onError);
  if (!databaseUrl) throw new Error('the pg-boss backlog queue needs DATABASE_URL');
  // pg-boss (about 15 MB of memory) is loaded only by the replicas that use it.
  const { PgBossWorkQueue } = await import('./pg-boss-queue.js');
  return new PgBossWorkQueue<ChunkRef>({
    connectionString: databaseUrl,
    name: 'routing-backlog-chunks',
    settings: options,
    onError,
  });
}

/** This process's name in the chunks it finishes: the host (a pod's name), the pid, and a suffix for restarts. */
export function replicaWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}
