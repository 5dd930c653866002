/**
 * Production quality over time, computed in SQL: one row per time bucket (date_trunc in UTC, empty
 * buckets included) over the account's own generations or routing decisions and the feedback on them.
 * A draft or decision is counted in the bucket in which it was made, with the latest feedback on it.
 * Drafts made by evaluation runs are left out.
 *
 * Definitions:
 * - acceptanceRate: of the drafts with a final text, the share ACCEPTED or LIGHTLY_EDITED.
 * - meanEditDistance: mean normalised word edit distance of those drafts (see edit-distance.ts).
 * - thumbsUpRatio: UP / (UP + DOWN) over drafts or decisions with a rating (the latest rating of each).
 * - routingAccuracy: of the decisions whose right category is known, the share that were right.
 *   The right category is the reviewed one (`reviewRouting`), else the latest feedback correction;
 *   without either, a thumbs-up confirms the decision and a thumbs-down refutes it.
 * - latency p50/p95: percentile_disc (nearest rank) of finished drafts' or decisions' latency.
 * - tokens, cost: sums over the bucket.
 */
import type { Feature } from '../../../domain.js';
import type { SqlDatabase } from '../database.js';

export type Bucket = 'hour' | 'day' | 'week';

export interface MetricsBucketRow {
  bucket: Date;
  requests: number;
  /** Drafts with a final text, or decisions whose right category is known. */
  withOutcome: number;
  acceptanceRate: number | null;
  meanEditDistance: number | null;
  rated: number;
  thumbsUpRatio: number | null;
  routingAccuracy: number | null;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface RoiRow {
  decisions: number;
  autoRouted: number;
  sentToReview: number;
  llmSpendUsd: number;
  /** Auto-routed decisions whose right category is known, and how many of those were right. */
  autoChecked: number;
  autoCorrect: number;
}

interface BucketRow {
  bucket: Date;
  requests: number;
  with_outcome: number;
  acceptance_rate: number | null;
  mean_edit_distance: number | null;
  rated: number;
  thumbs_up_ratio: number | null;
  routing_accuracy: number | null;
  latency_p50: number | null;
  latency_p95: number | null;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

const BUCKETS = `buckets AS (
  SELECT generate_series(date_trunc($4, $2::timestamptz, 'UTC'), date_trunc($4, $3::timestamptz - interval '1 millisecond', 'UTC'), ('1 ' || $4)::interval) AS bucket
)`;

/** The right category of each decision where it is known, as the file comment defines it. */
const DECISION_TRUTH = `latest_rating AS (
  SELECT DISTINCT ON (f.prediction_id) f.prediction_id, f.rating FROM feedback f JOIN p ON p.id = f.prediction_id
  WHERE f.account_id = $1 AND f.rating IS NOT NULL ORDER BY f.prediction_id, f.created_at DESC, f.id DESC
),
latest_correction AS (
  SELECT DISTINCT ON (f.prediction_id) f.prediction_id, f.corrected_category FROM feedback f JOIN p ON p.id = f.prediction_id
  WHERE f.account_id = $1 AND f.corrected_category IS NOT NULL ORDER BY f.prediction_id, f.created_at DESC, f.id DESC
),
judged AS (
  SELECT p.*, r.rating,
    CASE WHEN p.reviewed_category IS NOT NULL THEN p.category IS NOT DISTINCT FROM p.reviewed_category
         WHEN c.corrected_category IS NOT NULL THEN p.category IS NOT DISTINCT FROM c.corrected_category
         WHEN r.rating = 'UP' THEN true
         WHEN r.rating = 'DOWN' THEN false END AS correct
  FROM p LEFT JOIN latest_rating r ON r.prediction_id = p.id LEFT JOIN latest_correction c ON c.prediction_id = p.id
)`;

const toBucket = (row: BucketRow): MetricsBucketRow => ({
  bucket: row.bucket,
  requests: Number(row.requests),
  withOutcome: Number(row.with_outcome),
  acceptanceRate: row.acceptance_rate === null ? null : Number(row.acceptance_rate),
  meanEditDistance: row.mean_edit_distance === null ? null : Number(row.mean_edit_distance),
  rated: Number(row.rated),
  thumbsUpRatio: row.thumbs_up_ratio === null ? null : Number(row.thumbs_up_ratio),
  routingAccuracy: row.routing_accuracy === null ? null : Number(row.routing_accuracy),
  latencyP50Ms: row.latency_p50 === null ? null : Number(row.latency_p50),
  latencyP95Ms: row.latency_p95 === null ? null : Number(row.latency_p95),
  inputTokens: Number(row.input_tokens),
  outputTokens: Number(row.output_tokens),
  costUsd: Number(row.cost_usd),
});

export class ProductionMetricsRepository {
  constructor(private readonly db: SqlDatabase) {}

  async generationBuckets(
    accountId: string,
    feature: Feature,
    since: Date,
    until: Date,
    bucket: Bucket,
  ): Promise<MetricsBucketRow[]> {
    const rows = await this.db.query<BucketRow>(
      `WITH ${BUCKETS},
       g AS (
         SELECT date_trunc($4, created_at, 'UTC') AS bucket, id, latency_ms, usage FROM generations
         WHERE account_id = $1 AND feature = $5 AND eval_run_id IS NULL AND status <> 'RUNNING' AND created_at >= $2 AND created_at < $3
       ),
       implicit AS (
         SELECT DISTINCT ON (f.generation_id) f.generation_id, f.edit_distance, f.edit_class FROM feedback f JOIN g ON g.id = f.generation_id
         WHERE f.account_id = $1 AND f.final_text IS NOT NULL ORDER BY f.generation_id, f.created_at DESC, f.id DESC
       ),
       explicit AS (
         SELECT DISTINCT ON (f.generation_id) f.generation_id, f.rating FROM feedback f JOIN g ON g.id = f.generation_id
         WHERE f.account_id = $1 AND f.rating IS NOT NULL ORDER BY f.generation_id, f.created_at DESC, f.id DESC
       )
       SELECT b.bucket,
         count(g.id)::int AS requests,
         count(i.generation_id)::int AS with_outcome,
         avg(CASE WHEN i.edit_class IN ('ACCEPTED', 'LIGHTLY_EDITED') THEN 1.0 ELSE 0.0 END) FILTER (WHERE i.generation_id IS NOT NULL)::float8 AS acceptance_rate,
         avg(i.edit_distance)::float8 AS mean_edit_distance,
         count(e.generation_id)::int AS rated,
         avg(CASE WHEN e.rating = 'UP' THEN 1.0 ELSE 0.0 END) FILTER (WHERE e.generation_id IS NOT NULL)::float8 AS thumbs_up_ratio,
         NULL::float8 AS routing_accuracy,
         percentile_disc(0.5) WITHIN GROUP (ORDER BY g.latency_ms)::float8 AS latency_p50,
         percentile_disc(0.95) WITHIN GROUP (ORDER BY g.latency_ms)::float8 AS latency_p95,
         coalesce(sum((g.usage->>'inputTokens')::bigint), 0)::float8 AS input_tokens,
         coalesce(sum((g.usage->>'outputTokens')::bigint), 0)::float8 AS output_tokens,
         coalesce(sum((g.usage->>'costUsd')::float8), 0)::float8 AS cost_usd
       FROM buckets b LEFT JOIN g ON g.bucket = b.bucket LEFT JOIN implicit i ON i.generation_id = g.id LEFT JOIN explicit e ON e.generation_id = g.id
       GROUP BY b.bucket ORDER BY b.bucket`,
      [accountId, since, until, bucket, feature],
    );
    return rows.map(toBucket);
  }

  async routingBuckets(
    accountId: string,
    since: Date,
    until: Date,
    bucket: Bucket,
  ): Promise<MetricsBucketRow[]> {
    const rows = await this.db.query<BucketRow>(
      `WITH ${BUCKETS},
       p AS (
         SELECT date_trunc($4, created_at, 'UTC') AS bucket, id, category, reviewed_category, latency_ms, input_tokens, output_tokens, cost_usd, needs_review
         FROM routing_predictions WHERE account_id = $1 AND created_at >= $2 AND created_at < $3
       ),
       ${DECISION_TRUTH}
       SELECT b.bucket,
         count(j.id)::int AS requests,
         count(j.correct)::int AS with_outcome,
         NULL::float8 AS acceptance_rate,
         NULL::float8 AS mean_edit_distance,
         count(j.rating)::int AS rated,
         avg(CASE WHEN j.rating = 'UP' THEN 1.0 ELSE 0.0 END) FILTER (WHERE j.rating IS NOT NULL)::float8 AS thumbs_up_ratio,
         avg(CASE WHEN j.correct THEN 1.0 ELSE 0.0 END) FILTER (WHERE j.correct IS NOT NULL)::float8 AS routing_accuracy,
         percentile_disc(0.5) WITHIN GROUP (ORDER BY j.latency_ms)::float8 AS latency_p50,
         percentile_disc(0.95) WITHIN GROUP (ORDER BY j.latency_ms)::float8 AS latency_p95,
         coalesce(sum(j.input_tokens), 0)::float8 AS input_tokens,
         coalesce(sum(j.output_tokens), 0)::float8 AS output_tokens,
         coalesce(sum(j.cost_usd), 0)::float8 AS cost_usd
       FROM buckets b LEFT JOIN judged j ON j.bucket = b.bucket
       GROUP BY b.bucket ORDER BY b.bucket`,
      [accountId, since, until, bucket],
    );
    return rows.map(toBucket);
  }

  async routingRoi(
    accountId: string,
    taxonomyId: string,
    since: Date,
    until: Date,
  ): Promise<RoiRow> {
    const [row] = await this.db.query<{
      decisions: number;
      auto_routed: number;
      sent_to_review: number;
      llm_spend: number;
      auto_checked: number;
      auto_correct: number;
    }>(
      `WITH p AS (
         SELECT id, category, reviewed_category, needs_review, cost_usd FROM routing_predictions
         WHERE account_id = $1 AND taxonomy_id = $2 AND created_at >= $3 AND created_at < $4
       ),
       ${DECISION_TRUTH}
       SELECT count(*)::int AS decisions,
         count(*) FILTER (WHERE NOT needs_review)::int AS auto_routed,
         count(*) FILTER (WHERE needs_review)::int AS sent_to_review,
         coalesce(sum(cost_usd), 0)::float8 AS llm_spend,
         count(correct) FILTER (WHERE NOT needs_review)::int AS auto_checked,
         count(*) FILTER (WHERE NOT needs_review AND correct)::int AS auto_correct
       FROM judged`,
      [accountId, taxonomyId, since, until],
    );
    return {
      decisions: Number(row?.decisions ?? 0),
      autoRouted: Number(row?.auto_routed ?? 0),
      sentToReview: Number(row?.sent_to_review ?? 0),
      llmSpendUsd: Number(row?.llm_spend ?? 0),
      autoChecked: Number(row?.auto_checked ?? 0),
      autoCorrect: Number(row?.auto_correct ?? 0),
    };
  }
}
