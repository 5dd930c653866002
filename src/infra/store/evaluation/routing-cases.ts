/** The routing evaluation's cases: a taxonomy's labeled tickets of the TEST split, with their ids. */
import type { SqlDatabase } from '../database.js';

export interface RoutingCase {
  id: string;
  subject: string | null;
  body: string;
  category: string;
}

export class RoutingCaseRepository {
  constructor(private readonly db: SqlDatabase) {}

  /** Ordered by content hash: stable, and spread over categories, so a `maxCases` prefix is a fair sample. */
  async testCases(accountId: string, taxonomyId: string): Promise<RoutingCase[]> {
    return this.db.query<RoutingCase>(
      `SELECT id, subject, body, category FROM labeled_tickets WHERE account_id = $1 AND taxonomy_id = $2 AND split = 'TEST' ORDER BY content_hash, id`,
      [accountId, taxonomyId],
    );
  }

  async byIds(accountId: string, ids: readonly string[]): Promise<RoutingCase[]> {
    return this.db.query<RoutingCase>(
      `SELECT id, subject, body, category FROM labeled_tickets WHERE account_id = $1 AND id = ANY($2::uuid[])`,
      [accountId, ids],
    );
  }
}
