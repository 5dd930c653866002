/**
 * Metrics of a routing evaluation, as pure functions over per-case outcomes.
 *
 * Conventions, where the textbook leaves a choice:
 * - A prediction of Unknown (`predicted: null`) is a wrong answer for its case: a false negative of
 *   the expected category, and a false positive of no category. The confusion matrix shows it in
 *   its own `Unknown` column.
 * - 0/0 is 0: precision of a category never predicted, recall of a category with no test case,
 *   and F1 when precision and recall are both 0 (scikit-learn's `zero_division=0`).
 * - Macro averages run over the categories that occur in the test set or in the predictions
 *   (scikit-learn's label set). A taxonomy category with neither is still listed, with support 0,
 *   but would only drag the average down with a 0 that says nothing, so it is left out of it.
 *   A category that is predicted but has no test case counts, with F1 0: its predictions are wrong.
 * - Weighted averages weigh each category by its support, so zero-support categories weigh 0.
 * - Percentiles are nearest-rank: the smallest value with at least p% of the values at or below it.
 */

export interface RoutingOutcome {
  expected: string;
  /** Null when the decision was Unknown. */
  predicted: string | null;
  decidedBy: string | null;
  needsReview: boolean;
  confidence: number | null;
  latencyMs: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface CategoryMetrics {
  category: string;
  precision: number;
  recall: number;
  f1: number;
  /** Test cases whose expected category this is. */
  support: number;
  /** Cases predicted as this category. */
  predicted: number;
}

export interface ConfusionMatrix {
  /** Row labels (expected categories) and, with `Unknown` appended, column labels. */
  labels: string[];
  /** counts[expected][predicted]; the last column counts Unknown decisions. */
  counts: number[][];
}

export interface Confusion {
  expected: string;
  predicted: string | null;
  count: number;
  /** Share of the expected category's cases that went to `predicted`. */
  rate: number;
}

export interface StageShare {
  decidedBy: string;
  share: number;
  count: number;
  /** Accuracy of the cases this stage decided. */
  accuracy: number;
}

export interface CoveragePoint {
  /** Confidence at or above which a case is decided automatically. */
  threshold: number;
  /** Share of cases decided automatically at this threshold. */
  coverage: number;
  /** Accuracy of those cases (0 when there are none). */
  accuracy: number;
}

export interface RoutingMetrics {
  cases: number;
  accuracy: number;
  macroPrecision: number;
  macroRecall: number;
  macroF1: number;
  weightedF1: number;
  /** Share of cases the cascade sent to a person. */
  reviewShare: number;
  /** Share decided without review, and the accuracy of those. */
  autoRoutedShare: number;
  autoRoutedAccuracy: number;
  unknownShare: number;
  stages: StageShare[];
  categories: CategoryMetrics[];
  latencyP50Ms: number;
  latencyP95Ms: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export const UNKNOWN_LABEL = 'Unknown';

const ratio = (numerator: number, denominator: number) =>
  denominator === 0 ? 0 : numerator / denominator;

/** Nearest-rank percentile; 0 for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

/**
 * Per-category precision, recall, F1 and support over the union of the taxonomy's categories,
 * the expected labels and the predicted labels (taxonomy order first, then any others sorted).
 */
export function categoryMetrics(
  outcomes: readonly Pick<RoutingOutcome, 'expected' | 'predicted'>[],
  taxonomy: readonly string[] = [],
): CategoryMetrics[] {
  const labels = labelsOf(outcomes, taxonomy);
  const tp = new Map<string, number>();
  const support = new Map<string, number>();
  const predictedCount = new Map<string, number>();
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  for (const outcome of outcomes) {
    bump(support, outcome.expected);
    if (outcome.predicted !== null) bump(predictedCount, outcome.predicted);
    if (outcome.predicted === outcome.expected) bump(tp, outcome.expected);
  }
  return labels.map((category) => {
    const truePositives = tp.get(category) ?? 0;
    const precision = ratio(truePositives, predictedCount.get(category) ?? 0);
    const recall = ratio(truePositives, support.get(category) ?? 0);
    return {
      category,
      precision,
      recall,
      f1: ratio(2 * precision * recall, precision + recall),
      support: support.get(category) ?? 0,
      predicted: predictedCount.get(category) ?? 0,
    };
  });
}

function labelsOf(
  outcomes: readonly Pick<RoutingOutcome, 'expected' | 'predicted'>[],
  taxonomy: readonly string[],
): string[] {
  const known = new Set(taxonomy);
  const others = new Set<string>();
  for (const outcome of outcomes) {
    if (!known.has(outcome.expected)) others.add(outcome.expected);
    if (outcome.predicted !== null && !known.has(outcome.predicted)) others.add(outcome.predicted);
  }
  return [...taxonomy, ...[...others].sort()];
}

/** Macro and support-weighted averages, by the conventions at the top of this file. */
export function averages(categories: readonly CategoryMetrics[]): {
  macroPrecision: number;
  macroRecall: number;
  macroF1: number;
  weightedF1: number;
} {
  const counted = categories.filter((category) => category.support > 0 || category.predicted > 0);
  const mean = (pick: (category: CategoryMetrics) => number) =>
    ratio(
      counted.reduce((sum, category) => sum + pick(category), 0),
      counted.length,
    );
  const totalSupport = categories.reduce((sum, category) => sum + category.support, 0);
  return {
    macroPrecision: mean((category) => category.precision),
    macroRecall: mean((category) => category.recall),
    macroF1: mean((category) => category.f1),
    weightedF1: ratio(
      categories.reduce((sum, category) => sum + category.f1 * category.support, 0),
      totalSupport,
    ),
  };
}

export function confusionMatrix(
  outcomes: readonly Pick<RoutingOutcome, 'expected' | 'predicted'>[],
  taxonomy: readonly string[] = [],
): ConfusionMatrix {
  const labels = labelsOf(outcomes, taxonomy);
  const index = new Map(labels.map((label, position) => [label, position]));
  const counts = labels.map(() => new Array<number>(labels.length + 1).fill(0));
  for (const outcome of outcomes) {
    const column = outcome.predicted === null ? labels.length : index.get(outcome.predicted)!;
    counts[index.get(outcome.expected)!]![column]!++;
  }
  return { labels: [...labels, UNKNOWN_LABEL], counts };
}

/** The off-diagonal cells, largest first (Unknown decisions included), ties by name. */
export function topConfusions(matrix: ConfusionMatrix, first: number): Confusion[] {
  const rows = matrix.counts.length;
  const confusions: Confusion[] = [];
  for (let row = 0; row < rows; row++) {
    const support = matrix.counts[row]!.reduce((sum, count) => sum + count, 0);
    matrix.counts[row]!.forEach((count, column) => {
      if (count === 0 || column === row) return;
      confusions.push({
        expected: matrix.labels[row]!,
        predicted: column === rows ? null : matrix.labels[column]!,
        count,
        rate: ratio(count, support),
      });
    });
  }
  confusions.sort(
    (a, b) =>
      b.count - a.count ||
      b.rate - a.rate ||
      a.expected.localeCompare(b.expected) ||
      (a.predicted ?? '').localeCompare(b.predicted ?? ''),
  );
  return confusions.slice(0, first);
}

/**
 * Accuracy against coverage as the auto-decision threshold moves over the stored confidences:
 * one point per distinct confidence, highest first, ending at full coverage.
 */
export function coverageCurve(
  outcomes: readonly Pick<RoutingOutcome, 'expected' | 'predicted' | 'confidence'>[],
  maxPoints = 200,
): CoveragePoint[] {
  const scored = outcomes
    .map((outcome) => ({
      confidence: outcome.confidence ?? 0,
      correct: outcome.predicted !== null && outcome.predicted === outcome.expected,
    }))
    .sort((a, b) => b.confidence - a.confidence);
  const points: CoveragePoint[] = [];
  let correct = 0;
  for (let index = 0; index < scored.length; index++) {
    if (scored[index]!.correct) correct++;
    const last =
      index === scored.length - 1 || scored[index + 1]!.confidence !== scored[index]!.confidence;
    if (last)
      points.push({
        threshold: scored[index]!.confidence,
        coverage: (index + 1) / scored.length,
        accuracy: correct / (index + 1),
      });
  }
  if (points.length <= maxPoints) return points;
  // Thin evenly by coverage, keeping the last point (full coverage).
  const step = points.length / maxPoints;
  const thinned = Array.from(
    { length: maxPoints - 1 },
    (_, index) => points[Math.floor(index * step)]!,
  );
  return [...thinned, points.at(-1)!];
}

export function routingMetrics(
  outcomes: readonly RoutingOutcome[],
  taxonomy: readonly string[] = [],
): RoutingMetrics {
  const n = outcomes.length;
  const correct = (outcome: RoutingOutcome) =>
    outcome.predicted !== null && outcome.predicted === outcome.expected;
  const categories = categoryMetrics(outcomes, taxonomy);
  const automatic = outcomes.filter((outcome) => !outcome.needsReview);
  const byStage = new Map<string, RoutingOutcome[]>();
  for (const outcome of outcomes) {
    const stage = outcome.decidedBy ?? 'NONE';
    byStage.set(stage, [...(byStage.get(stage) ?? []), outcome]);
  }
  return {
    cases: n,
    accuracy: ratio(outcomes.filter(correct).length, n),
    ...averages(categories),
    reviewShare: ratio(n - automatic.length, n),
    autoRoutedShare: ratio(automatic.length, n),
    autoRoutedAccuracy: ratio(automatic.filter(correct).length, automatic.length),
    unknownShare: ratio(outcomes.filter((outcome) => outcome.predicted === null).length, n),
    stages: [...byStage]
      .map(([decidedBy, decided]) => ({
        decidedBy,
        count: decided.length,
        share: ratio(decided.length, n),
        accuracy: ratio(decided.filter(correct).length, decided.length),
      }))
      .sort((a, b) => b.count - a.count || a.decidedBy.localeCompare(b.decidedBy)),
    categories,
    latencyP50Ms: percentile(
      outcomes.map((outcome) => outcome.latencyMs),
      50,
    ),
    latencyP95Ms: percentile(
      outcomes.map((outcome) => outcome.latencyMs),
      95,
    ),
    inputTokens: outcomes.reduce((sum, outcome) => sum + outcome.inputTokens, 0),
    outputTokens: outcomes.reduce((sum, outcome) => sum + outcome.outputTokens, 0),
    costUsd: outcomes.reduce((sum, outcome) => sum + outcome.costUsd, 0),
  };
}
