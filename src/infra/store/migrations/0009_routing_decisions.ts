import type { Migration } from './migration.js';

/**
 * Reads that do not spend: a prediction remembers a hash of the ticket's content, so routing a
 * ticket whose id, content and taxonomy version were routed before finds the stored decision
 * instead of making (and paying for) a new one. Rows stored before this have no hash and are never
 * found this way: such a ticket is routed once more, then found.
 */
export const routingDecisions: Migration = {
  version: 9,
  name: 'routing_decisions',
  sql: /* sql */ `
    ALTER TABLE routing_predictions ADD COLUMN content_hash text;
    -- The ticket's current decision: the newest for its id, content and taxonomy version.
    CREATE INDEX routing_predictions_decision ON routing_predictions
      (account_id, ticket_id, taxonomy_id, taxonomy_version, content_hash, created_at DESC);
    -- routingPredictions, newest first.
    CREATE INDEX routing_predictions_account ON routing_predictions (account_id, created_at DESC, id);
  `,
};
