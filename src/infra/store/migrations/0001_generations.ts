import type { Migration } from './migration.js';

export const generations: Migration = {
  version: 1,
  name: 'generations',
  sql: /* sql */ `
    CREATE TABLE generations (
      id              uuid PRIMARY KEY,
      account_id      text NOT NULL,
      feature         text NOT NULL,
      status          text NOT NULL,
      input           jsonb NOT NULL,
      output          jsonb,
      text            text NOT NULL DEFAULT '',
      -- Length of each streamed delta, so a finished stream replays exactly as it was sent.
      chunk_lengths   jsonb NOT NULL DEFAULT '[]',
      provider        text,
      model           text,
      prompt_version  text,
      usage           jsonb,
      latency_ms      integer,
      error           jsonb,
      grounding_issues jsonb NOT NULL DEFAULT '[]',
      incident_id     text,
      idempotency_key text,
      created_at      timestamptz NOT NULL DEFAULT now(),
      finished_at     timestamptz,
      CONSTRAINT generations_idempotency UNIQUE (account_id, idempotency_key)
    );
    CREATE INDEX generations_account_created ON generations (account_id, created_at DESC, id DESC);
    CREATE INDEX generations_account_incident ON generations (account_id, incident_id, created_at DESC) WHERE incident_id IS NOT NULL;
  `,
};
