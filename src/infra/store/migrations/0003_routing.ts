import type { Migration } from './migration.js';

/**
 * Ticket routing: customer taxonomies (versioned), labeled tickets (with a fixed train/test
 * split), trained router models, every prediction, and each account's default taxonomy.
 */
export const routing: Migration = {
  version: 3,
  name: 'routing',
  sql: /* sql */ `
    CREATE TABLE taxonomies (
      id          uuid PRIMARY KEY,
      account_id  text NOT NULL,
      name        text NOT NULL,
      version     integer NOT NULL,
      created_at  timestamptz NOT NULL DEFAULT now(),
      updated_at  timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT taxonomies_name UNIQUE (account_id, name)
    );
    -- Every version of a taxonomy is kept: predictions name the version they were made with.
    CREATE TABLE taxonomy_versions (
      taxonomy_id uuid NOT NULL REFERENCES taxonomies (id),
      version     integer NOT NULL,
      categories  jsonb NOT NULL,
      policy      jsonb NOT NULL,
      created_at  timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (taxonomy_id, version)
    );
    CREATE TABLE labeled_tickets (
      id           uuid PRIMARY KEY,
      account_id   text NOT NULL,
      taxonomy_id  uuid NOT NULL REFERENCES taxonomies (id),
      subject      text,
      body         text NOT NULL,
      category     text NOT NULL,
      source       text NOT NULL,
      -- Fixed when the row is stored, from its content: evaluation never sees training rows.
      split        text NOT NULL,
      content_hash text NOT NULL,
      created_at   timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT labeled_tickets_unique UNIQUE (taxonomy_id, content_hash)
    );
    CREATE INDEX labeled_tickets_taxonomy ON labeled_tickets (account_id, taxonomy_id, split);
    CREATE TABLE router_models (
      id               uuid PRIMARY KEY,
      account_id       text NOT NULL,
      taxonomy_id      uuid NOT NULL REFERENCES taxonomies (id),
      taxonomy_version integer NOT NULL,
      model            bytea NOT NULL,
      metrics          jsonb NOT NULL,
      created_at       timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX router_models_latest ON router_models (taxonomy_id, created_at DESC);
    CREATE TABLE routing_predictions (
      id               uuid PRIMARY KEY,
      account_id       text NOT NULL,
      taxonomy_id      uuid NOT NULL REFERENCES taxonomies (id),
      taxonomy_version integer NOT NULL,
      ticket_id        text NOT NULL,
      subject          text,
      body             text NOT NULL,
      category         text,
      confidence       double precision NOT NULL,
      decided_by       text NOT NULL,
      needs_review     boolean NOT NULL,
      alternatives     jsonb NOT NULL,
      reason           text NOT NULL,
      local_category   text,
      llm_category     text,
      latency_ms       integer NOT NULL,
      cost_usd         double precision NOT NULL DEFAULT 0,
      input_tokens     integer NOT NULL DEFAULT 0,
      output_tokens    integer NOT NULL DEFAULT 0,
      reviewed_category text,
      reviewed_at      timestamptz,
      created_at       timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX routing_predictions_review ON routing_predictions (account_id, taxonomy_id, created_at) WHERE needs_review AND reviewed_at IS NULL;
    CREATE INDEX routing_predictions_created ON routing_predictions (account_id, taxonomy_id, created_at DESC);
    CREATE TABLE account_settings (
      account_id          text PRIMARY KEY,
      default_taxonomy_id uuid REFERENCES taxonomies (id)
    );
  `,
};
