/**
 * A run's metrics, computed from its stored per-case results: stored with the run when it ends,
 * and computed on the fly for a run still going (so progress shows the numbers so far).
 */
import type { EvalResultRecord } from '../../infra/store/evaluation/eval-runs.js';
import {
  confusionMatrix,
  coverageCurve,
  percentile,
  routingMetrics,
  topConfusions,
  type Confusion,
  type ConfusionMatrix,
  type CoveragePoint,
  type RoutingMetrics,
} from './classification-metrics.js';
import type { CriterionScore, PairwiseOutcome } from './judge.js';

export interface RoutingSummary extends RoutingMetrics {
  kind: 'ROUTING';
  confusion: ConfusionMatrix;
  topConfusions: Confusion[];
  coverage: CoveragePoint[];
}

export interface GenerationSummary {
  kind: 'GENERATION';
  cases: number;
  /** Share of cases that passed (checks, and the rubric when judged). */
  passRate: number;
  validRate: number;
  sectionsRate: number;
  groundedRate: number;
  withinLengthRate: number;
  meanGroundingIssues: number;
  judged: number;
  meanScore: number | null;
  /** Cases whose mean rubric score rounds to 1, 2, 3, 4 and 5. */
  scoreHistogram: number[];
  criteria: { criterion: string; meanScore: number; count: number }[];
  pairwise: {
    compared: number;
    wins: number;
    ties: number;
    losses: number;
    winRate: number | null;
    positionInconsistent: number;
  };
  judgeFailures: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  judgeCostUsd: number;
}

export type RunSummary = RoutingSummary | GenerationSummary;

export function routingSummary(
  results: readonly EvalResultRecord[],
  categories: readonly string[],
): RoutingSummary {
  const outcomes = results.map((result) => ({
    expected: result.expected ?? '',
    predicted: result.predicted,
    decidedBy: result.decidedBy,
    needsReview: result.needsReview,
    confidence: result.confidence,
    latencyMs: result.latencyMs,
    inputTokens: result.inputTokens,
    outputTokens: result.outputTokens,
    costUsd: result.costUsd,
  }));
  const confusion = confusionMatrix(outcomes, categories);
  return {
    kind: 'ROUTING',
    ...routingMetrics(outcomes, categories),
    confusion,
    topConfusions: topConfusions(confusion, 50),
    coverage: coverageCurve(outcomes),
  };
}

interface GenerationDetail {
  checks?: {
    validates: boolean;
    missingSections: string[];
    groundingIssues: number;
    withinLength: boolean;
  };
  rubric?: CriterionScore[] | null;
  pairwise?: { outcome: PairwiseOutcome; positionConsistent: boolean } | null;
  judgeError?: string | null;
  judge?: { costUsd: number; inputTokens: number; outputTokens: number };
}

export function generationSummary(results: readonly EvalResultRecord[]): GenerationSummary {
  const n = results.length;
  const share = (count: number) => (n === 0 ? 0 : count / n);
  const details = results.map((result) => result.detail as GenerationDetail);
  const judged = results.filter((result) => result.score !== null);
  const histogram = [0, 0, 0, 0, 0];
  for (const result of judged)
    histogram[Math.min(5, Math.max(1, Math.round(result.score!))) - 1]!++;
  const criteria = new Map<string, { sum: number; count: number }>();
  for (const detail of details) {
    for (const score of detail.rubric ?? []) {
      const entry = criteria.get(score.criterion) ?? { sum: 0, count: 0 };
      entry.sum += score.score;
      entry.count++;
      criteria.set(score.criterion, entry);
    }
  }
  const compared = details.filter((detail) => detail.pairwise);
  const count = (outcome: PairwiseOutcome) =>
    compared.filter((detail) => detail.pairwise!.outcome === outcome).length;
  const wins = count('WIN');
  const ties = count('TIE');
  return {
    kind: 'GENERATION',
    cases: n,
    passRate: share(results.filter((result) => result.correct).length),
    validRate: share(details.filter((detail) => detail.checks?.validates).length),
    sectionsRate: share(
      details.filter((detail) => detail.checks && detail.checks.missingSections.length === 0)
        .length,
    ),
    groundedRate: share(
      details.filter((detail) => detail.checks?.validates && detail.checks.groundingIssues === 0)
        .length,
    ),
    withinLengthRate: share(details.filter((detail) => detail.checks?.withinLength).length),
    meanGroundingIssues: share(
      details.reduce((sum, detail) => sum + (detail.checks?.groundingIssues ?? 0), 0),
    ),
    judged: judged.length,
    meanScore:
      judged.length === 0
        ? null
        : judged.reduce((sum, result) => sum + result.score!, 0) / judged.length,
    scoreHistogram: histogram,
    criteria: [...criteria].map(([criterion, entry]) => ({
      criterion,
      meanScore: entry.sum / entry.count,
      count: entry.count,
    })),
    pairwise: {
      compared: compared.length,
      wins,
      ties,
      losses: count('LOSS'),
      // Ties count half, as in an Elo-style win rate.
      winRate: compared.length === 0 ? null : (wins + ties / 2) / compared.length,
      positionInconsistent: compared.filter((detail) => !detail.pairwise!.positionConsistent)
        .length,
    },
    judgeFailures: details.filter((detail) => detail.judgeError).length,
    latencyP50Ms: percentile(
      results.map((result) => result.latencyMs),
      50,
    ),
    latencyP95Ms: percentile(
      results.map((result) => result.latencyMs),
      95,
    ),
    inputTokens: results.reduce((sum, result) => sum + result.inputTokens, 0),
    outputTokens: results.reduce((sum, result) => sum + result.outputTokens, 0),
    costUsd: results.reduce((sum, result) => sum + result.costUsd, 0),
    judgeCostUsd: details.reduce((sum, detail) => sum + (detail.judge?.costUsd ?? 0), 0),
  };
}

/** The headline numbers of a summary, by name, for comparisons and the CLI's table. */
export function headlineMetrics(summary: RunSummary): Record<string, number | null> {
  if (summary.kind === 'ROUTING') {
    return {
      accuracy: summary.accuracy,
      macroF1: summary.macroF1,
      weightedF1: summary.weightedF1,
      reviewShare: summary.reviewShare,
      autoRoutedShare: summary.autoRoutedShare,
      autoRoutedAccuracy: summary.autoRoutedAccuracy,
      unknownShare: summary.unknownShare,
      latencyP50Ms: summary.latencyP50Ms,
      latencyP95Ms: summary.latencyP95Ms,
      inputTokens: summary.inputTokens,
      outputTokens: summary.outputTokens,
      costUsd: summary.costUsd,
    };
  }
  return {
    passRate: summary.passRate,
    validRate: summary.validRate,
    sectionsRate: summary.sectionsRate,
    groundedRate: summary.groundedRate,
    withinLengthRate: summary.withinLengthRate,
    meanGroundingIssues: summary.meanGroundingIssues,
    meanScore: summary.meanScore,
    winRate: summary.pairwise.winRate,
    latencyP50Ms: summary.latencyP50Ms,
    latencyP95Ms: summary.latencyP95Ms,
    inputTokens: summary.inputTokens,
    outputTokens: summary.outputTokens,
    costUsd: summary.costUsd,
    judgeCostUsd: summary.judgeCostUsd,
  };
}
