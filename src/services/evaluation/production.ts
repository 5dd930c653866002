/**
 * How the features do in production, over time (the SQL and its definitions are in
 * infra/store/evaluation/production-metrics.ts), with a drift signal, and what ticket routing saves.
 *
 * Drift: the quality metric is the acceptance rate of drafts, or the accuracy of reviewed routing
 * decisions. Its latest bucket with data is compared with the baseline, the sample-weighted mean
 * of the `driftBaselineBuckets` buckets before it; drift is flagged when the latest value is below
 * the baseline by more than `driftMargin`, and only when both hold at least `driftMinSamples`
 * samples (fewer say nothing).
 */
import type { EvaluationSettings } from '../../config.js';
import type { Account, Feature } from '../../domain.js';
import { badInput } from '../../errors.js';
import type { EvalRunRepository } from '../../infra/store/evaluation/eval-runs.js';
import type {
  Bucket,
  MetricsBucketRow,
  ProductionMetricsRepository,
} from '../../infra/store/evaluation/production-metrics.js';
import type { RoutingService } from '../ticket-routing/service.js';
import type { RoutingSummary } from './summary.js';

const BUCKET_MS: Record<Bucket, number> = {
  hour: 3_600_000,
  day: 86_400_000,
  week: 7 * 86_400_000,
};
const MAX_BUCKETS = 2_000;
const DEFAULT_BUCKETS = 30;
/** Auto-routed decisions with a known right category needed before ROI trusts them over an evaluation run. */
export const MIN_CHECKED_FOR_ROI = 30;

export interface Drift {
  metric: 'acceptanceRate' | 'routingAccuracy';
  detected: boolean;
  latest: number | null;
  latestBucket: Date | null;
  latestSamples: number;
  baseline: number | null;
  baselineSamples: number;
  margin: number;
}

export interface EvalMetrics {
  feature: Feature;
  bucket: Bucket;
  since: Date;
  until: Date;
  series: MetricsBucketRow[];
  drift: Drift;
}

/** The ROI as the GraphQL layer maps it (the schema's own type is also named RoutingRoi). */
export type RoutingRoiView = RoutingRoi;

export interface RoutingRoi {
  taxonomyId: string;
  since: Date;
  until: Date;
  decisions: number;
  autoRouted: number;
  sentToReview: number;
  triageSecondsPerTicket: number;
  triageHourlyCostUsd: number;
  triageHoursSaved: number;
  grossSavingUsd: number;
  /** Auto-routed tickets expected to be wrong, each triaged again by hand. */
  expectedMisroutes: number;
  misrouteCostUsd: number;
  llmSpendUsd: number;
  netSavingUsd: number;
  netSavingPerDayUsd: number;
  setupCostUsd: number;
  /** Days of net saving that pay the setup cost back; 0 without one, null when nothing is saved. */
  paybackDays: number | null;
  autoRoutedAccuracy: number | null;
  accuracySource: 'REVIEWED' | 'EVAL_RUN' | 'NONE';
  reviewedAutoRouted: number;
  reviewedAutoRoutedAccuracy: number | null;
  evalRunId: string | null;
  evalRunAutoRoutedAccuracy: number | null;
}

export class ProductionMetricsService {
  constructor(
    private readonly deps: {
      metrics: ProductionMetricsRepository;
      runs: EvalRunRepository;
      routing: RoutingService;
      settings: EvaluationSettings;
    },
  ) {}

  async metrics(
    account: Account,
    feature: Feature,
    bucketName: 'HOUR' | 'DAY' | 'WEEK',
    since?: Date | null,
    until?: Date | null,
    now = new Date(),
  ): Promise<EvalMetrics> {
    const bucket = bucketName.toLowerCase() as Bucket;
    const end = until ?? now;
    const start =
      since ??
      new Date(bucketStart(end, bucket).getTime() - (DEFAULT_BUCKETS - 1) * BUCKET_MS[bucket]);
    if (!(start.getTime() < end.getTime())) throw badInput('since: must be before until');
    if ((end.getTime() - start.getTime()) / BUCKET_MS[bucket] > MAX_BUCKETS)
      throw badInput(
        `since, until: at most ${MAX_BUCKETS} buckets; choose a larger bucket or a shorter window`,
      );
    const series =
      feature === 'ROUTING'
        ? await this.deps.metrics.routingBuckets(account.id, start, end, bucket)
        : await this.deps.metrics.generationBuckets(account.id, feature, start, end, bucket);
    return {
      feature,
      bucket,
      since: start,
      until: end,
      series,
      drift: driftOf(
        series,
        feature === 'ROUTING' ? 'routingAccuracy' : 'acceptanceRate',
        this.deps.settings,
      ),
    };
  }

  async roi(
    account: Account,
    taxonomyId: string,
    since?: Date | null,
    until?: Date | null,
    now = new Date(),
  ): Promise<RoutingRoi> {
    const taxonomy = await this.deps.routing.taxonomy(account, taxonomyId);
    const end = until ?? now;
    const start = since ?? new Date(end.getTime() - 30 * BUCKET_MS.day);
    if (!(start.getTime() < end.getTime())) throw badInput('since: must be before until');
    const row = await this.deps.metrics.routingRoi(account.id, taxonomy.id, start, end);
    const run = await this.deps.runs.latestSucceeded(account.id, taxonomy.id, 'CASCADE');
    const runAccuracy = run?.summary ? (run.summary as RoutingSummary).autoRoutedAccuracy : null;
    const reviewedAccuracy = row.autoChecked > 0 ? row.autoCorrect / row.autoChecked : null;
    const [accuracy, source]: [number | null, RoutingRoi['accuracySource']] =
      row.autoChecked >= MIN_CHECKED_FOR_ROI
        ? [reviewedAccuracy, 'REVIEWED']
        : runAccuracy !== null
          ? [runAccuracy, 'EVAL_RUN']
          : reviewedAccuracy !== null
            ? [reviewedAccuracy, 'REVIEWED']
            : [null, 'NONE'];
    const {
      triageSecondsPerTicket: seconds,
      triageHourlyCostUsd: hourly,
      routingSetupCostUsd: setup,
    } = this.deps.settings;
    const hours = (row.autoRouted * seconds) / 3600;
    const gross = hours * hourly;
    const misroutes = accuracy === null ? 0 : row.autoRouted * (1 - accuracy);
    const misrouteCost = ((misroutes * seconds) / 3600) * hourly;
    const net = gross - misrouteCost - row.llmSpendUsd;
    const days = (end.getTime() - start.getTime()) / BUCKET_MS.day;
    const perDay = net / days;
    return {
      taxonomyId: taxonomy.id,
      since: start,
      until: end,
      decisions: row.decisions,
      autoRouted: row.autoRouted,
      sentToReview: row.sentToReview,
      triageSecondsPerTicket: seconds,
      triageHourlyCostUsd: hourly,
      triageHoursSaved: hours,
      grossSavingUsd: gross,
      expectedMisroutes: misroutes,
      misrouteCostUsd: misrouteCost,
      llmSpendUsd: row.llmSpendUsd,
      netSavingUsd: net,
      netSavingPerDayUsd: perDay,
      setupCostUsd: setup,
      paybackDays: setup === 0 ? 0 : perDay > 0 ? setup / perDay : null,
      autoRoutedAccuracy: accuracy,
      accuracySource: source,
      reviewedAutoRouted: row.autoChecked,
      reviewedAutoRoutedAccuracy: reviewedAccuracy,
      evalRunId: run?.id ?? null,
      evalRunAutoRoutedAccuracy: runAccuracy,
    };
  }
}

/** The start of the UTC bucket holding `at` (weeks start on Monday, as date_trunc's do). */
export function bucketStart(at: Date, bucket: Bucket): Date {
  const mondayOffset = 4 * BUCKET_MS.day; // 1970-01-01 was a Thursday
  if (bucket === 'week')
    return new Date(
      Math.floor((at.getTime() - mondayOffset) / BUCKET_MS.week) * BUCKET_MS.week + mondayOffset,
    );
  return new Date(Math.floor(at.getTime() / BUCKET_MS[bucket]) * BUCKET_MS[bucket]);
}

export function driftOf(
  series: readonly MetricsBucketRow[],
  metric: Drift['metric'],
  settings: Pick<EvaluationSettings, 'driftMargin' | 'driftBaselineBuckets' | 'driftMinSamples'>,
): Drift {
  const valueOf = (row: MetricsBucketRow) => row[metric];
  const latestIndex = series.findLastIndex((row) => row.withOutcome > 0 && valueOf(row) !== null);
  const none: Drift = {
    metric,
    detected: false,
    latest: null,
    latestBucket: null,
    latestSamples: 0,
    baseline: null,
    baselineSamples: 0,
    margin: settings.driftMargin,
  };
  if (latestIndex < 0) return none;
  const latest = series[latestIndex]!;
  const window = series
    .slice(Math.max(0, latestIndex - settings.driftBaselineBuckets), latestIndex)
    .filter((row) => row.withOutcome > 0 && valueOf(row) !== null);
  const baselineSamples = window.reduce((sum, row) => sum + row.withOutcome, 0);
  const baseline =
    baselineSamples === 0
      ? null
      : window.reduce((sum, row) => sum + valueOf(row)! * row.withOutcome, 0) / baselineSamples;
  const enough =
    latest.withOutcome >= settings.driftMinSamples && baselineSamples >= settings.driftMinSamples;
  return {
    metric,
    detected: enough && baseline !== null && valueOf(latest)! < baseline - settings.driftMargin,
    latest: valueOf(latest),
    latestBucket: latest.bucket,
    latestSamples: latest.withOutcome,
    baseline,
    baselineSamples,
    margin: settings.driftMargin,
  };
}
