import type { Migration } from './migration.js';

/**
 * Identity and accountability: API keys (only a hash and a short public prefix are stored) and the
 * audit log of provider calls (who, what, how much, what was redacted; never the raw text).
 */
export const security: Migration = {
  version: 4,
  name: 'security',
  sql: /* sql */ `
    CREATE TABLE api_keys (
      id           uuid PRIMARY KEY,
      account_id   text NOT NULL,
      -- The first characters of the key, shown in listings and logs to tell keys apart.
      prefix       text NOT NULL UNIQUE,
      hash         text NOT NULL,
      scopes       text[] NOT NULL,
      description  text,
      created_at   timestamptz NOT NULL DEFAULT now(),
      expires_at   timestamptz,
      revoked_at   timestamptz,
      last_used_at timestamptz
    );
    CREATE INDEX api_keys_account ON api_keys (account_id, created_at DESC);
    CREATE TABLE audit_log (
      id               bigserial PRIMARY KEY,
      account_id       text NOT NULL,
      at               timestamptz NOT NULL DEFAULT now(),
      feature          text NOT NULL,
      provider         text NOT NULL,
      model            text NOT NULL,
      outcome          text NOT NULL,
      error_code       text,
      input_tokens     integer NOT NULL DEFAULT 0,
      output_tokens    integer NOT NULL DEFAULT 0,
      cost_usd         double precision NOT NULL DEFAULT 0,
      latency_ms       integer NOT NULL DEFAULT 0,
      redactions       jsonb NOT NULL DEFAULT '{}',
      injection_score  double precision,
      request_id       text,
      -- Only when AUDIT_RAW_TEXT is on (off by default): the prompt and answer as sent and received.
      raw_text         jsonb
    );
    CREATE INDEX audit_log_account_at ON audit_log (account_id, at DESC);
  `,
};
