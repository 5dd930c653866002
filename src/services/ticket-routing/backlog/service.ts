/**
 * Bulk routing: a backlog of tickets is checked, stored in chunks and queued; workers on any
 * replica route a chunk at a time through the same cascade as `routeTickets`, and store its
 * predictions, its results and the backlog's progress in one transaction. An LLM failure fails the
 * chunk, which the queue retries with backoff; a chunk that fails every attempt fails its tickets
 * only, and the backlog goes on.
 */
import { randomUUID } from 'node:crypto';
import type { Account } from '../../../domain.js';
import { ErrorCode, ServiceError, badInput, notFound } from '../../../errors.js';
import type { Logger } from '../../../infra/observability/logger.js';
import type {
  BacklogRecord,
  BacklogRepository,
  BacklogResultRecord,
  BacklogWorkerRecord,
  ChunkRef,
} from '../../../infra/store/routing/backlogs.js';
import type {
  PredictionRecord,
  PredictionRepository,
} from '../../../infra/store/routing/predictions.js';
import { parseTickets, type RoutingService } from '../service.js';
import type { QueueItem, WorkQueue } from '../../../infra/queue/work-queue.js';

/** Tickets one `routeBacklog` call takes; more are added to the same backlog by further calls. */
export const MAX_BACKLOG_TICKETS_PER_CALL = 5_000;
/** Tickets per chunk: one local prediction and at most 5 LLM calls, short enough to retry whole. */
export const BACKLOG_CHUNK_SIZE = 100;

/** A ticket's result with its prediction (null when the ticket failed). */
export type BacklogResultView = BacklogResultRecord & { prediction: PredictionRecord | null };

export interface BacklogDependencies {
  backlogs: BacklogRepository;
  predictions: PredictionRepository;
  routing: RoutingService;
  queue: WorkQueue<ChunkRef>;
  /** Names this process's workers in the chunks they finish (host, pid and a random suffix). */
  workerId: string;
  logger: Logger;
  /** Tickets this process finished, routed or failed (for /metrics). */
  onTickets?: (outcome: 'routed' | 'failed', count: number) => void;
}

export class BacklogService {
  constructor(private readonly deps: BacklogDependencies) {}

  /** Starts this process's workers; an in-process queue first takes up the chunks a previous process left unfinished. */
  async start(): Promise<void> {
    await this.deps.queue.start({
      run: (item, signal) => this.runChunk(item, signal),
      giveUp: (ref, error) => this.giveUp(ref, error),
    });
    if (this.deps.queue.kind === 'memory') {
      const open = await this.deps.backlogs.openChunks();
      if (open.length > 0)
        this.deps.logger.info(
          { chunks: open.length },
          'resuming routing backlog chunks left unfinished',
        );
      await this.deps.queue.enqueue(open);
    }
  }

  stop(graceMs: number): Promise<void> {
    return this.deps.queue.stop(graceMs);
  }

  /** Queues tickets in a new backlog, or adds them to `backlogId` (same taxonomy), which then runs until they are done too. */
  async enqueue(
    account: Account,
    taxonomyId: string | null | undefined,
    rawTickets: readonly unknown[],
    backlogId?: string | null,
  ): Promise<BacklogRecord> {
    if (rawTickets.length === 0) throw badInput('tickets: give at least one ticket');
    if (rawTickets.length > MAX_BACKLOG_TICKETS_PER_CALL)
      throw badInput(
        `tickets: at most ${MAX_BACKLOG_TICKETS_PER_CALL} per call (got ${rawTickets.length}); add the rest with further calls naming the backlog`,
      );
    const tickets = parseTickets(rawTickets);
    const groups: unknown[][] = [];
    for (let start = 0; start < tickets.length; start += BACKLOG_CHUNK_SIZE)
      groups.push(tickets.slice(start, start + BACKLOG_CHUNK_SIZE));
    const { queue, backlogs } = this.deps;
    const within = queue.enqueueInTransaction?.bind(queue);

    let created: { backlog: BacklogRecord; chunks: ChunkRef[] } | null;
    if (backlogId) {
      const existing = await this.find(account, backlogId);
      if (
        taxonomyId &&
        (await this.deps.routing.taxonomy(account, taxonomyId)).id !== existing.taxonomyId
      )
        throw badInput(
          `taxonomyId: backlog ${backlogId} routes with taxonomy ${existing.taxonomyId}`,
        );
      created = await backlogs.append(account.id, existing.id, groups, within);
      if (!created) throw notFound('routing backlog', backlogId);
      if (created.backlog.status === 'CANCELLED')
        throw new ServiceError(
          ErrorCode.CONFLICT,
          `routing backlog ${backlogId} was cancelled; start a new one`,
        );
    } else {
      const taxonomy = await this.deps.routing.taxonomy(account, taxonomyId);
      created = await backlogs.create(
        { id: randomUUID(), accountId: account.id, taxonomyId: taxonomy.id },
        groups,
        within,
      );
    }
    if (!within) await queue.enqueue(created.chunks);
    return created.backlog;
  }

  /** The account's backlog; null when there is none (another account's included). */
  async get(account: Account, id: string): Promise<BacklogRecord | null> {
    return this.deps.backlogs.find(account.id, id).catch(() => null);
  }

  async find(account: Account, id: string): Promise<BacklogRecord> {
    const backlog = await this.get(account, id);
    if (!backlog) throw notFound('routing backlog', id);
    return backlog;
  }

  workers(account: Account, backlog: BacklogRecord): Promise<BacklogWorkerRecord[]> {
    return this.deps.backlogs.workers(account.id, backlog.id);
  }

  /** Chunks not yet taken will not run; a chunk running now still stores what it routed. */
  async cancel(account: Account, id: string): Promise<BacklogRecord> {
    const backlog = await this.deps.backlogs.cancel(account.id, id).catch(() => null);
    if (!backlog) throw notFound('routing backlog', id);
    return backlog;
  }

  /** One page of results in ticket order: tickets of finished chunks only. */
  async results(
    account: Account,
    backlog: BacklogRecord,
    first: number,
    afterPosition: number,
  ): Promise<{ items: BacklogResultView[]; hasNextPage: boolean }> {
    if (first < 1 || first > 500) throw badInput('first: must be from 1 to 500');
    const rows = await this.deps.backlogs.results(account.id, backlog.id, first + 1, afterPosition);
    const page = rows.slice(0, first);
    // One query for the page's predictions.
    const predictions = new Map(
      (
        await this.deps.predictions.findByIds(
          account.id,
          page.flatMap((row) => (row.predictionId ? [row.predictionId] : [])),
        )
      ).map((prediction) => [prediction.id, prediction]),
    );
    return {
      items: page.map((row) => ({
        ...row,
        prediction: row.predictionId ? (predictions.get(row.predictionId) ?? null) : null,
      })),
      hasNextPage: rows.length > first,
    };
  }

  private async runChunk(
    { data: ref, attempt }: QueueItem<ChunkRef>,
    signal: AbortSignal,
  ): Promise<void> {
    const { backlogs, routing, workerId, logger } = this.deps;
    const chunk = await backlogs.claim(ref, workerId);
    // Finished by an earlier delivery, failed, or cancelled: nothing to do.
    if (!chunk) return;
    // The worker acts for the account that queued the backlog: its budgets and rate limits apply.
    const account: Account = { id: chunk.accountId, scopes: new Set(['route']) };
    let routed = 0;
    try {
      await routing.route(account, chunk.tickets, chunk.taxonomyId, signal, {
        llmFailure: 'THROW',
        store: async (predictions) => {
          const done = await backlogs.complete(ref, workerId, predictions);
          routed = done?.predictions.length ?? 0;
          return done?.predictions ?? [];
        },
      });
    } catch (error) {
      logger.warn(
        { err: error, backlogId: ref.backlogId, chunk: ref.seq, attempt },
        'routing backlog chunk failed',
      );
      // What the queue keeps becomes the tickets' error if every attempt fails: client-safe text only.
      throw new Error(
        ServiceError.isInstance(error) ? `${error.code}: ${error.message}` : 'internal error',
        { cause: error },
      );
    }
    if (routed > 0) this.deps.onTickets?.('routed', routed);
  }

  private async giveUp(ref: ChunkRef, error: string): Promise<void> {
    const failed = await this.deps.backlogs.fail(ref, error);
    if (!failed) return;
    this.deps.logger.warn(
      { backlogId: ref.backlogId, chunk: ref.seq, tickets: failed.failed },
      'routing backlog chunk failed every attempt; its tickets are marked failed',
    );
    this.deps.onTickets?.('failed', failed.failed);
  }
}
