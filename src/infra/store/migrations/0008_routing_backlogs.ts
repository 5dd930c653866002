import type { Migration } from './migration.js';

/**
 * Bulk routing: a backlog of tickets split into chunks that workers on any replica drain. The
 * chunk rows are the truth about the work (their tickets, status, attempts and which worker did
 * them), whichever queue delivers them; a chunk's results point at ordinary routing predictions,
 * so evaluation and the review queue see backlog decisions like any other.
 */
export const routingBacklogs: Migration = {
  version: 8,
  name: 'routing_backlogs',
  sql: /* sql */ `
    CREATE TABLE routing_backlogs (
      id           uuid PRIMARY KEY,
      account_id   text NOT NULL,
      taxonomy_id  uuid NOT NULL REFERENCES taxonomies (id),
      -- QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED
      status       text NOT NULL,
      total        integer NOT NULL DEFAULT 0,
      routed       integer NOT NULL DEFAULT 0,
      failed       integer NOT NULL DEFAULT 0,
      needs_review integer NOT NULL DEFAULT 0,
      chunks       integer NOT NULL DEFAULT 0,
      chunks_done  integer NOT NULL DEFAULT 0,
      created_at   timestamptz NOT NULL DEFAULT now(),
      started_at   timestamptz,
      finished_at  timestamptz
    );
    CREATE INDEX routing_backlogs_account ON routing_backlogs (account_id, created_at DESC);

    CREATE TABLE routing_backlog_chunks (
      backlog_id     uuid NOT NULL REFERENCES routing_backlogs (id),
      seq            integer NOT NULL,
      account_id     text NOT NULL,
      first_position integer NOT NULL,
      size           integer NOT NULL,
      -- The tickets to route; emptied once the chunk is finished (the predictions keep the text).
      tickets        jsonb,
      -- QUEUED, RUNNING, DONE, FAILED (every attempt failed), CANCELLED
      status         text NOT NULL,
      attempts       integer NOT NULL DEFAULT 0,
      -- The replica worker that last took it, and the one that finished it.
      worker_id      text,
      error          text,
      updated_at     timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (backlog_id, seq)
    );
    CREATE INDEX routing_backlog_chunks_open ON routing_backlog_chunks (status) WHERE status IN ('QUEUED', 'RUNNING');

    CREATE TABLE routing_backlog_results (
      backlog_id    uuid NOT NULL REFERENCES routing_backlogs (id),
      position      integer NOT NULL,
      ticket_id     text NOT NULL,
      -- Null when the ticket's chunk failed every attempt (see error).
      prediction_id uuid REFERENCES routing_predictions (id),
      error         text,
      PRIMARY KEY (backlog_id, position)
    );
  `,
};
