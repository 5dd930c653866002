/**
 * Routing backlogs: the job, its chunks (the unit a worker takes), and one result per ticket.
 * Every change of progress happens in one transaction with what caused it, so a chunk delivered
 * twice (a worker that was presumed dead, a retry after a crash) is counted and stored once.
 */
import type { SqlDatabase, SqlExecutor } from '../database.js';
import { PredictionRepository, type NewPrediction, type PredictionRecord } from './predictions.js';

export type BacklogStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export interface BacklogRecord {
  id: string;
  accountId: string;
  taxonomyId: string;
  status: BacklogStatus;
  total: number;
  routed: number;
  failed: number;
  needsReview: number;
  chunks: number;
  chunksDone: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** What a queue carries: which chunk to work on, nothing else (the tickets stay in the database). */
export interface ChunkRef {
  backlogId: string;
  seq: number;
}

export interface ClaimedChunk extends ChunkRef {
  accountId: string;
  taxonomyId: string;
  tickets: unknown[];
  attempts: number;
}

export interface BacklogResultRecord {
  position: number;
  ticketId: string;
  predictionId: string | null;
  error: string | null;
}

/** Adds chunks to a queue inside the transaction that creates them. */
export type EnqueueWithin = (transaction: SqlExecutor, chunks: ChunkRef[]) => Promise<void>;

export interface BacklogWorkerRecord {
  workerId: string;
  chunks: number;
}

interface BacklogRow {
  id: string;
  account_id: string;
  taxonomy_id: string;
  status: BacklogStatus;
  total: number;
  routed: number;
  failed: number;
  needs_review: number;
  chunks: number;
  chunks_done: number;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const toRecord = (row: BacklogRow): BacklogRecord => ({
  id: row.id,
  accountId: row.account_id,
  taxonomyId: row.taxonomy_id,
  status: row.status,
  total: row.total,
  routed: row.routed,
  failed: row.failed,
  needsReview: row.needs_review,
  chunks: row.chunks,
  chunksDone: row.chunks_done,
  createdAt: row.created_at,
  startedAt: row.started_at,
  finishedAt: row.finished_at,
});

/**
 * Progress after a chunk finished, as SQL: the backlog succeeds when its last chunk is done and
 * something was routed, fails when every ticket failed, and a cancelled one stays cancelled.
 */
const FINISH_CHUNK = `UPDATE routing_backlogs SET
    routed = routed + $2, failed = failed + $3, needs_review = needs_review + $4, chunks_done = chunks_done + 1,
    status = CASE WHEN status = 'CANCELLED' OR chunks_done + 1 < chunks THEN status WHEN routed + $2 > 0 THEN 'SUCCEEDED' ELSE 'FAILED' END,
    finished_at = CASE WHEN status <> 'CANCELLED' AND chunks_done + 1 = chunks THEN now() ELSE finished_at END
  WHERE id = $1 RETURNING *`;

export class BacklogRepository {
  constructor(private readonly db: SqlDatabase) {}

  /**
   * A new backlog with its first chunks, in one transaction; returns it and the chunks to enqueue.
   * `enqueue` runs inside that transaction (a queue in the same database adds its jobs there).
   */
  async create(
    backlog: { id: string; accountId: string; taxonomyId: string },
    groups: readonly unknown[][],
    enqueue?: EnqueueWithin,
  ): Promise<{ backlog: BacklogRecord; chunks: ChunkRef[] }> {
    return this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO routing_backlogs (id, account_id, taxonomy_id, status) VALUES ($1, $2, $3, 'QUEUED')`,
        [backlog.id, backlog.accountId, backlog.taxonomyId],
      );
      return addChunks(tx, backlog.id, groups, enqueue);
    });
  }

  /**
   * More chunks for an existing backlog of the account; a finished one runs again for them.
   * Null when the backlog does not exist for the account; the record unchanged when it was cancelled.
   */
  async append(
    accountId: string,
    id: string,
    groups: readonly unknown[][],
    enqueue?: EnqueueWithin,
  ): Promise<{ backlog: BacklogRecord; chunks: ChunkRef[] } | null> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query<BacklogRow>(
        'SELECT * FROM routing_backlogs WHERE account_id = $1 AND id = $2 FOR UPDATE',
        [accountId, id],
      );
      if (!row) return null;
      if (row.status === 'CANCELLED') return { backlog: toRecord(row), chunks: [] };
      return addChunks(tx, id, groups, enqueue);
    });
  }

  async find(accountId: string, id: string): Promise<BacklogRecord | null> {
    const [row] = await this.db.query<BacklogRow>(
      'SELECT * FROM routing_backlogs WHERE account_id = $1 AND id = $2',
      [accountId, id],
    );
    return row ? toRecord(row) : null;
  }

  /**
   * Takes a chunk for a worker: null when there is nothing to do (finished, failed or cancelled).
   * A RUNNING chunk can be taken again: its worker died, or its attempt timed out.
   */
  async claim(ref: ChunkRef, workerId: string): Promise<ClaimedChunk | null> {
    const [row] = await this.db.query<{
      backlog_id: string;
      seq: number;
      account_id: string;
      taxonomy_id: string;
      tickets: unknown[];
      attempts: number;
    }>(
      `WITH chunk AS (
         UPDATE routing_backlog_chunks SET status = 'RUNNING', attempts = attempts + 1, worker_id = $3, updated_at = now()
         WHERE backlog_id = $1 AND seq = $2 AND status IN ('QUEUED', 'RUNNING') RETURNING *
       ), started AS (
         UPDATE routing_backlogs b SET status = 'RUNNING', started_at = coalesce(b.started_at, now())
         FROM chunk WHERE b.id = chunk.backlog_id AND b.status = 'QUEUED' RETURNING b.id
       )
       SELECT chunk.backlog_id, chunk.seq, chunk.account_id, b.taxonomy_id, chunk.tickets, chunk.attempts
       FROM chunk JOIN routing_backlogs b ON b.id = chunk.backlog_id`,
      [ref.backlogId, ref.seq, workerId],
    );
    return row
      ? {
          backlogId: row.backlog_id,
          seq: row.seq,
          accountId: row.account_id,
          taxonomyId: row.taxonomy_id,
          tickets: row.tickets,
          attempts: row.attempts,
        }
      : null;
  }

  /**
   * Stores a chunk's predictions, its results and the backlog's progress together. Null when the
   * chunk was already finished by another delivery: then nothing is stored.
   */
  async complete(
    ref: ChunkRef,
    workerId: string,
    predictions: NewPrediction[],
  ): Promise<{ predictions: PredictionRecord[]; backlog: BacklogRecord } | null> {
    return this.db.transaction(async (tx) => {
      const [chunk] = await tx.query<{ first_position: number }>(
        `UPDATE routing_backlog_chunks SET status = 'DONE', worker_id = $3, tickets = NULL, error = NULL, updated_at = now()
         WHERE backlog_id = $1 AND seq = $2 AND status = 'RUNNING' RETURNING first_position`,
        [ref.backlogId, ref.seq, workerId],
      );
      if (!chunk) return null;
      const stored = await new PredictionRepository(tx).insertMany(predictions);
      await tx.query(
        `INSERT INTO routing_backlog_results (backlog_id, position, ticket_id, prediction_id)
         SELECT $1, $2 + r.offset_ - 1, r.ticket_id, r.prediction_id FROM unnest($3::text[], $4::uuid[]) WITH ORDINALITY AS r(ticket_id, prediction_id, offset_)`,
        [
          ref.backlogId,
          chunk.first_position,
          stored.map((prediction) => prediction.ticketId),
          stored.map((prediction) => prediction.id),
        ],
      );
      const review = stored.filter((prediction) => prediction.needsReview).length;
      const [row] = await tx.query<BacklogRow>(FINISH_CHUNK, [
        ref.backlogId,
        stored.length,
        0,
        review,
      ]);
      return { predictions: stored, backlog: toRecord(row!) };
    });
  }

  /** A chunk that failed its last attempt: its tickets are failed with the reason; the backlog goes on. Null when it had finished already. */
  async fail(
    ref: ChunkRef,
    error: string,
  ): Promise<{ failed: number; backlog: BacklogRecord } | null> {
    return this.db.transaction(async (tx) => {
      const [chunk] = await tx.query<{ first_position: number; tickets: { id: string }[] }>(
        `SELECT first_position, tickets FROM routing_backlog_chunks WHERE backlog_id = $1 AND seq = $2 AND status IN ('QUEUED', 'RUNNING') FOR UPDATE`,
        [ref.backlogId, ref.seq],
      );
      if (!chunk) return null;
      await tx.query(
        `UPDATE routing_backlog_chunks SET status = 'FAILED', tickets = NULL, error = $3, updated_at = now() WHERE backlog_id = $1 AND seq = $2`,
        [ref.backlogId, ref.seq, error],
      );
      await tx.query(
        `INSERT INTO routing_backlog_results (backlog_id, position, ticket_id, error)
         SELECT $1, $2 + r.offset_ - 1, r.ticket_id, $4 FROM unnest($3::text[]) WITH ORDINALITY AS r(ticket_id, offset_)`,
        [ref.backlogId, chunk.first_position, chunk.tickets.map((ticket) => ticket.id), error],
      );
      const [row] = await tx.query<BacklogRow>(FINISH_CHUNK, [
        ref.backlogId,
        0,
        chunk.tickets.length,
        0,
      ]);
      return { failed: chunk.tickets.length, backlog: toRecord(row!) };
    });
  }

  /** Stops a queued or running backlog: chunks not yet taken will not run. Null when it does not exist for the account. */
  async cancel(accountId: string, id: string): Promise<BacklogRecord | null> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query<BacklogRow>(
        `UPDATE routing_backlogs SET status = 'CANCELLED', finished_at = now() WHERE account_id = $1 AND id = $2 AND status IN ('QUEUED', 'RUNNING') RETURNING *`,
        [accountId, id],
      );
      if (!row) {
        const [current] = await tx.query<BacklogRow>(
          'SELECT * FROM routing_backlogs WHERE account_id = $1 AND id = $2',
          [accountId, id],
        );
        return current ? toRecord(current) : null;
      }
      await tx.query(
        `UPDATE routing_backlog_chunks SET status = 'CANCELLED', tickets = NULL, updated_at = now() WHERE backlog_id = $1 AND status = 'QUEUED'`,
        [id],
      );
      return toRecord(row);
    });
  }

  /** One page of results in ticket order, after `afterPosition`; one more row than asked tells whether another page follows. */
  async results(
    accountId: string,
    id: string,
    first: number,
    afterPosition: number,
  ): Promise<BacklogResultRecord[]> {
    const rows = await this.db.query<{
      position: number;
      ticket_id: string;
      prediction_id: string | null;
      error: string | null;
    }>(
      `SELECT r.position, r.ticket_id, r.prediction_id, r.error FROM routing_backlog_results r JOIN routing_backlogs b ON b.id = r.backlog_id
       WHERE b.account_id = $1 AND r.backlog_id = $2 AND r.position > $3 ORDER BY r.position LIMIT $4`,
      [accountId, id, afterPosition, first],
    );
    return rows.map((row) => ({
      position: row.position,
      ticketId: row.ticket_id,
      predictionId: row.prediction_id,
      error: row.error,
    }));
  }

  /** Which workers finished the backlog's chunks, and how many each. */
  async workers(accountId: string, id: string): Promise<BacklogWorkerRecord[]> {
    const rows = await this.db.query<{ worker_id: string; chunks: number }>(
      `SELECT worker_id, count(*)::int AS chunks FROM routing_backlog_chunks WHERE account_id = $1 AND backlog_id = $2 AND status IN ('DONE', 'FAILED') AND worker_id IS NOT NULL
       GROUP BY worker_id ORDER BY worker_id`,
      [accountId, id],
    );
    return rows.map((row) => ({ workerId: row.worker_id, chunks: row.chunks }));
  }

  /** Every chunk not finished yet, oldest backlog first: what an in-process queue takes up again after a restart. */
  async openChunks(): Promise<ChunkRef[]> {
    const rows = await this.db.query<{ backlog_id: string; seq: number }>(
      `SELECT c.backlog_id, c.seq FROM routing_backlog_chunks c JOIN routing_backlogs b ON b.id = c.backlog_id
       WHERE c.status IN ('QUEUED', 'RUNNING') ORDER BY b.created_at, c.backlog_id, c.seq`,
    );
    return rows.map((row) => ({ backlogId: row.backlog_id, seq: row.seq }));
  }
}

/** Appends chunks after the backlog's last one, positions after its last ticket; a finished backlog runs again. */
async function addChunks(
  tx: SqlExecutor,
  backlogId: string,
  groups: readonly unknown[][],
  enqueue?: EnqueueWithin,
): Promise<{ backlog: BacklogRecord; chunks: ChunkRef[] }> {
  const [current] = await tx.query<BacklogRow>('SELECT * FROM routing_backlogs WHERE id = $1', [
    backlogId,
  ]);
  const seqs = groups.map((_, index) => current!.chunks + index);
  const firstPositions: number[] = [];
  let position = current!.total;
  for (const group of groups) {
    firstPositions.push(position);
    position += group.length;
  }
  await tx.query(
    `INSERT INTO routing_backlog_chunks (backlog_id, seq, account_id, first_position, size, tickets, status)
     SELECT $1, c.seq, $2, c.first_position, c.size, c.tickets::jsonb, 'QUEUED' FROM unnest($3::int[], $4::int[], $5::int[], $6::text[]) AS c(seq, first_position, size, tickets)`,
    [
      backlogId,
      current!.account_id,
      seqs,
      firstPositions,
      groups.map((group) => group.length),
      groups.map((group) => JSON.stringify(group)),
    ],
  );
  const [row] = await tx.query<BacklogRow>(
    `UPDATE routing_backlogs SET total = total + $2, chunks = chunks + $3,
       status = CASE WHEN status IN ('SUCCEEDED', 'FAILED') THEN 'RUNNING' ELSE status END,
       finished_at = CASE WHEN status IN ('SUCCEEDED', 'FAILED') THEN NULL ELSE finished_at END
     WHERE id = $1 RETURNING *`,
    [backlogId, position - current!.total, groups.length],
  );
  const chunks = seqs.map((seq) => ({ backlogId, seq }));
  await enqueue?.(tx, chunks);
  return { backlog: toRecord(row!), chunks };
}
