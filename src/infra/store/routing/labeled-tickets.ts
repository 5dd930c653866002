/** Labeled tickets: the training and evaluation data of a taxonomy. */
import { createHash } from 'node:crypto';
import type { SqlDatabase } from '../database.js';

export type LabelSource = 'IMPORT' | 'REVIEW' | 'FEEDBACK';
export type Split = 'TRAIN' | 'TEST';

export interface LabeledTicket {
  subject: string | null;
  body: string;
  category: string;
}

/** Identity of a labeled ticket: its normalised text and label. Re-importing it changes nothing. */
export function contentHash(ticket: LabeledTicket): string {
  const normalise = (text: string | null) => (text ?? '').trim().replace(/\s+/g, ' ').toLowerCase();
  return createHash('sha256')
    .update(`${normalise(ticket.subject)}\u0000${normalise(ticket.body)}\u0000${ticket.category}`)
    .digest('hex');
}

/**
 * One ticket in five is held out for evaluation, chosen by its content hash: the split is fixed
 * for good, needs no stored random state, and is the same on every replica.
 */
export function splitOf(hash: string): Split {
  return parseInt(hash.slice(0, 8), 16) % 5 === 0 ? 'TEST' : 'TRAIN';
}

export class LabeledTicketRepository {
  constructor(private readonly db: SqlDatabase) {}

  /** Inserts new rows in one statement; returns how many were new (duplicates are ignored). */
  async insertMany(
    accountId: string,
    taxonomyId: string,
    tickets: readonly LabeledTicket[],
    source: LabelSource,
  ): Promise<number> {
    if (tickets.length === 0) return 0;
    const hashes = tickets.map(contentHash);
    const rows = await this.db.query<{ id: string }>(
      `INSERT INTO labeled_tickets (id, account_id, taxonomy_id, subject, body, category, source, split, content_hash)
       SELECT gen_random_uuid(), $1, $2, t.subject, t.body, t.category, $3, t.split, t.hash
       FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) AS t(subject, body, category, split, hash)
       ON CONFLICT (taxonomy_id, content_hash) DO NOTHING
       RETURNING id`,
      [
        accountId,
        taxonomyId,
        source,
        tickets.map((ticket) => ticket.subject),
        tickets.map((ticket) => ticket.body),
        tickets.map((ticket) => ticket.category),
        hashes.map(splitOf),
        hashes,
      ],
    );
    return rows.length;
  }

  async list(accountId: string, taxonomyId: string, split?: Split): Promise<LabeledTicket[]> {
    return this.db.query<LabeledTicket>(
      `SELECT subject, body, category FROM labeled_tickets WHERE account_id = $1 AND taxonomy_id = $2 AND ($3::text IS NULL OR split = $3) ORDER BY created_at, content_hash`,
      [accountId, taxonomyId, split ?? null],
    );
  }

  async count(accountId: string, taxonomyId: string): Promise<{ train: number; test: number }> {
    const rows = await this.db.query<{ split: Split; count: number }>(
      `SELECT split, count(*) AS count FROM labeled_tickets WHERE account_id = $1 AND taxonomy_id = $2 GROUP BY split`,
      [accountId, taxonomyId],
    );
    return {
      train: rows.find((row) => row.split === 'TRAIN')?.count ?? 0,
      test: rows.find((row) => row.split === 'TEST')?.count ?? 0,
    };
  }
}
