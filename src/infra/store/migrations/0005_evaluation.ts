import type { Migration } from './migration.js';

/**
 * The evaluation loop: runs over a dataset with one result row per case (so a run resumes where
 * it stopped), generation datasets, user feedback on drafts and routing decisions, and a marker
 * on generations drafted by an evaluation run so production metrics leave them out.
 */
export const evaluation: Migration = {
  version: 5,
  name: 'evaluation',
  sql: /* sql */ `
    ALTER TABLE generations ADD COLUMN eval_run_id uuid;
    CREATE INDEX generations_metrics ON generations (account_id, feature, created_at) WHERE eval_run_id IS NULL;

    CREATE TABLE generation_datasets (
      id          uuid PRIMARY KEY,
      account_id  text NOT NULL,
      name        text NOT NULL,
      description text NOT NULL DEFAULT '',
      created_at  timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT generation_datasets_name UNIQUE (account_id, name)
    );
    CREATE TABLE generation_cases (
      id           uuid PRIMARY KEY,
      account_id   text NOT NULL,
      dataset_id   uuid NOT NULL REFERENCES generation_datasets (id),
      feature      text NOT NULL,
      input        jsonb NOT NULL,
      reference    text,
      rubric       jsonb NOT NULL DEFAULT '[]',
      -- Headings the draft must contain; empty means those of the reference, if any.
      required_sections jsonb NOT NULL DEFAULT '[]',
      -- Length bounds in words; null means half to twice the reference's, or none without one.
      min_words    integer,
      max_words    integer,
      content_hash text NOT NULL,
      created_at   timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT generation_cases_unique UNIQUE (dataset_id, content_hash)
    );
    CREATE INDEX generation_cases_dataset ON generation_cases (account_id, dataset_id, created_at);

    CREATE TABLE eval_runs (
      id               uuid PRIMARY KEY,
      account_id       text NOT NULL,
      kind             text NOT NULL,
      dataset_id       uuid NOT NULL,
      -- CASCADE, LOCAL_MODEL, LLM, CHAIN or a provider:model target.
      target           text NOT NULL,
      judge            text,
      -- REFERENCE, CHAIN or a provider:model target the output is compared with, pairwise.
      pairwise_against text,
      judge_prompt_version text,
      -- The judge's instructions as sent, so a score can be traced to the prompt that produced it.
      judge_prompt     jsonb,
      concurrency      integer NOT NULL,
      batch_size       integer NOT NULL,
      status           text NOT NULL,
      -- The cases, fixed when the run starts: new labeled tickets do not change a running evaluation.
      case_ids         jsonb NOT NULL,
      total            integer NOT NULL,
      done             integer NOT NULL DEFAULT 0,
      taxonomy_version integer,
      router_model_id  uuid,
      summary          jsonb,
      error            jsonb,
      created_at       timestamptz NOT NULL DEFAULT now(),
      heartbeat_at     timestamptz NOT NULL DEFAULT now(),
      finished_at      timestamptz
    );
    CREATE INDEX eval_runs_account ON eval_runs (account_id, created_at DESC, id DESC);
    CREATE INDEX eval_runs_running ON eval_runs (status, heartbeat_at) WHERE status = 'RUNNING';

    CREATE TABLE eval_results (
      run_id        uuid NOT NULL REFERENCES eval_runs (id),
      case_id       uuid NOT NULL,
      account_id    text NOT NULL,
      position      integer NOT NULL,
      -- Routing: the labeled and the predicted category (null: Unknown). Generation: null.
      expected      text,
      predicted     text,
      -- Routing: predicted = expected. Generation: the case passed (checks, and rubric when judged).
      correct       boolean NOT NULL,
      decided_by    text,
      needs_review  boolean NOT NULL DEFAULT false,
      confidence    double precision,
      -- Generation: mean rubric score, 1 to 5; null when not judged.
      score         double precision,
      latency_ms    integer NOT NULL,
      input_tokens  integer NOT NULL DEFAULT 0,
      output_tokens integer NOT NULL DEFAULT 0,
      cost_usd      double precision NOT NULL DEFAULT 0,
      generation_id uuid,
      detail        jsonb NOT NULL DEFAULT '{}',
      created_at    timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (run_id, case_id)
    );

    CREATE TABLE feedback (
      id                 uuid PRIMARY KEY,
      account_id         text NOT NULL,
      feature            text NOT NULL,
      generation_id      uuid,
      prediction_id      uuid,
      rating             text,
      comment            text,
      corrected_category text,
      final_text         text,
      edit_distance      double precision,
      edit_class         text,
      created_at         timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT feedback_one_subject CHECK ((generation_id IS NULL) <> (prediction_id IS NULL))
    );
    CREATE INDEX feedback_generation ON feedback (generation_id, created_at DESC) WHERE generation_id IS NOT NULL;
    CREATE INDEX feedback_prediction ON feedback (prediction_id, created_at DESC) WHERE prediction_id IS NOT NULL;
  `,
};
