/**
 * Two runs over the same dataset, case by case: the change in every headline metric, the cases
 * that flipped (right in A and wrong in B, or the reverse), and McNemar's test of whether the
 * difference in correctness is more than chance. Only cases both runs finished are paired.
 */
import type { EvalResultRecord } from '../../infra/store/evaluation/eval-runs.js';
import { mcnemar, type McNemarResult } from './mcnemar.js';
import { headlineMetrics, type RunSummary } from './summary.js';

export interface MetricDelta {
  metric: string;
  a: number | null;
  b: number | null;
  delta: number | null;
}

export interface FlippedCase {
  caseId: string;
  position: number;
  expected: string | null;
  predictedA: string | null;
  predictedB: string | null;
  scoreA: number | null;
  scoreB: number | null;
}

export interface RunComparison {
  pairedCases: number;
  bothRight: number;
  bothWrong: number;
  /** Right in A, wrong in B. */
  regressed: FlippedCase[];
  /** Wrong in A, right in B. */
  improved: FlippedCase[];
  deltas: MetricDelta[];
  mcnemar: McNemarResult;
}

export function compareRuns(
  summaryA: RunSummary,
  resultsA: readonly EvalResultRecord[],
  summaryB: RunSummary,
  resultsB: readonly EvalResultRecord[],
): RunComparison {
  const byCase = new Map(resultsB.map((result) => [result.caseId, result]));
  const regressed: FlippedCase[] = [];
  const improved: FlippedCase[] = [];
  let paired = 0;
  let bothRight = 0;
  let bothWrong = 0;
  for (const a of resultsA) {
    const b = byCase.get(a.caseId);
    if (!b) continue;
    paired++;
    const flipped = {
      caseId: a.caseId,
      position: a.position,
      expected: a.expected,
      predictedA: a.predicted,
      predictedB: b.predicted,
      scoreA: a.score,
      scoreB: b.score,
    };
    if (a.correct && b.correct) bothRight++;
    else if (!a.correct && !b.correct) bothWrong++;
    else if (a.correct) regressed.push(flipped);
    else improved.push(flipped);
  }
  const metricsA = headlineMetrics(summaryA);
  const metricsB = headlineMetrics(summaryB);
  const deltas = Object.keys(metricsA).map((metric) => {
    const a = metricsA[metric] ?? null;
    const b = metricsB[metric] ?? null;
    return { metric, a, b, delta: a === null || b === null ? null : b - a };
  });
  return {
    pairedCases: paired,
    bothRight,
    bothWrong,
    regressed,
    improved,
    deltas,
    mcnemar: mcnemar(regressed.length, improved.length),
  };
}
