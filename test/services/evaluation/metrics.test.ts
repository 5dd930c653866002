/**
 * The evaluation's arithmetic against values computed by hand: classification metrics (with a
 * category nobody labeled or predicted, one only predicted, and Unknown decisions), the coverage
 * curve, percentiles, McNemar's test on known tables, the edit-distance buckets, pairwise
 * verdicts in both orders, and the deterministic draft checks.
 */
import { describe, expect, it } from 'vitest';
import {
  averages,
  categoryMetrics,
  confusionMatrix,
  coverageCurve,
  percentile,
  routingMetrics,
  topConfusions,
} from '../../../src/services/evaluation/classification-metrics.js';
import { checkDraft, headingsOf } from '../../../src/services/evaluation/checks.js';
import { classifyEdit, wordEditDistance } from '../../../src/services/evaluation/edit-distance.js';
import { combinePairwise } from '../../../src/services/evaluation/judge.js';
import { bucketStart, driftOf } from '../../../src/services/evaluation/production.js';
import type { MetricsBucketRow } from '../../../src/infra/store/evaluation/production-metrics.js';
import { chiSquare1Survival, mcnemar } from '../../../src/services/evaluation/mcnemar.js';
import { seriate } from '../../../src/services/evaluation/report/svg.js';
import { routingFixture, TAXONOMY } from '../../fixtures/evaluation/routing-outcomes.js';

describe('routing metrics', () => {
  const metrics = routingMetrics(routingFixture, TAXONOMY);
  const byName = new Map(metrics.categories.map((category) => [category.category, category]));

  it('computes per-category precision, recall, F1 and support, with 0/0 as 0', () => {
    expect(metrics.categories.map((category) => category.category)).toEqual(['a', 'b', 'c', 'd']);
    expect(byName.get('a')).toMatchObject({ support: 3, predicted: 3 });
    expect(byName.get('a')!.precision).toBeCloseTo(2 / 3, 10);
    expect(byName.get('a')!.recall).toBeCloseTo(2 / 3, 10);
    expect(byName.get('a')!.f1).toBeCloseTo(2 / 3, 10);
    expect(byName.get('b')!.precision).toBeCloseTo(1 / 3, 10);
    expect(byName.get('b')!.recall).toBeCloseTo(1 / 2, 10);
    expect(byName.get('b')!.f1).toBeCloseTo(0.4, 10);
    expect(byName.get('c')!.precision).toBe(1);
    expect(byName.get('c')!.recall).toBeCloseTo(1 / 3, 10);
    expect(byName.get('c')!.f1).toBeCloseTo(0.5, 10);
    // Neither labeled nor predicted: listed, all zero, left out of the macro average.
    expect(byName.get('d')).toEqual({
      category: 'd',
      precision: 0,
      recall: 0,
      f1: 0,
      support: 0,
      predicted: 0,
    });
  });

  it('averages over categories present in labels or predictions; weights by support', () => {
    expect(metrics.accuracy).toBe(0.5);
    expect(metrics.macroPrecision).toBeCloseTo(2 / 3, 10);
    expect(metrics.macroRecall).toBeCloseTo(0.5, 10);
    expect(metrics.macroF1).toBeCloseTo((2 / 3 + 0.4 + 0.5) / 3, 10);
    expect(metrics.weightedF1).toBeCloseTo(4.3 / 8, 10);
  });

  it('counts a category that is only predicted, with F1 0, in the macro average', () => {
    const categories = categoryMetrics(
      [
        { expected: 'a', predicted: 'a' },
        { expected: 'a', predicted: 'x' },
      ],
      ['a'],
    );
    expect(categories.map((category) => category.category)).toEqual(['a', 'x']);
    expect(categories[1]).toEqual({
      category: 'x',
      precision: 0,
      recall: 0,
      f1: 0,
      support: 0,
      predicted: 1,
    });
    const average = averages(categories);
    expect(average.macroF1).toBeCloseTo(1 / 3, 10);
    expect(average.weightedF1).toBeCloseTo(2 / 3, 10);
  });

  it('handles an empty evaluation and all-Unknown predictions without dividing by zero', () => {
    const empty = routingMetrics([], ['a', 'b']);
    expect(empty).toMatchObject({
      cases: 0,
      accuracy: 0,
      macroF1: 0,
      weightedF1: 0,
      reviewShare: 0,
      autoRoutedAccuracy: 0,
      latencyP50Ms: 0,
    });
    const unknown = routingMetrics(
      [
        { ...routingFixture[0]!, predicted: null, needsReview: true },
        { ...routingFixture[3]!, predicted: null, needsReview: true },
      ],
      ['a', 'b'],
    );
    expect(unknown).toMatchObject({
      accuracy: 0,
      macroPrecision: 0,
      macroRecall: 0,
      macroF1: 0,
      unknownShare: 1,
      reviewShare: 1,
      autoRoutedShare: 0,
      autoRoutedAccuracy: 0,
    });
    expect(unknown.categories.every((category) => category.predicted === 0)).toBe(true);
  });

  it('shares of review, automatic decisions and stages, with their accuracy', () => {
    expect(metrics.reviewShare).toBe(0.25);
    expect(metrics.autoRoutedShare).toBe(0.75);
    expect(metrics.autoRoutedAccuracy).toBeCloseTo(4 / 6, 10);
    expect(metrics.unknownShare).toBe(0.125);
    expect(metrics.stages).toEqual([
      { decidedBy: 'LOCAL_MODEL', count: 6, share: 0.75, accuracy: 0.5 },
      { decidedBy: 'LLM', count: 2, share: 0.25, accuracy: 0.5 },
    ]);
    expect(metrics.latencyP50Ms).toBe(40);
    expect(metrics.latencyP95Ms).toBe(80);
    expect(metrics).toMatchObject({ inputTokens: 300, outputTokens: 60, costUsd: 0.03 });
  });

  it('builds the confusion matrix with an Unknown column, and ranks the confusions', () => {
    const matrix = confusionMatrix(routingFixture, TAXONOMY);
    expect(matrix.labels).toEqual(['a', 'b', 'c', 'd', 'Unknown']);
    expect(matrix.counts).toEqual([
      [2, 1, 0, 0, 0],
      [0, 1, 0, 0, 1],
      [1, 1, 1, 0, 0],
      [0, 0, 0, 0, 0],
    ]);
    expect(topConfusions(matrix, 10)).toEqual([
      { expected: 'b', predicted: null, count: 1, rate: 0.5 },
      { expected: 'a', predicted: 'b', count: 1, rate: 1 / 3 },
      { expected: 'c', predicted: 'a', count: 1, rate: 1 / 3 },
      { expected: 'c', predicted: 'b', count: 1, rate: 1 / 3 },
    ]);
  });

  it('traces accuracy against coverage over the stored confidences', () => {
    const curve = coverageCurve(routingFixture);
    expect(curve.map((point) => [point.coverage, Number(point.accuracy.toFixed(6))])).toEqual([
      [1 / 8, 1],
      [2 / 8, 1],
      [3 / 8, Number((2 / 3).toFixed(6))],
      [4 / 8, 0.75],
      [5 / 8, 0.8],
      [6 / 8, Number((4 / 6).toFixed(6))],
      [7 / 8, Number((4 / 7).toFixed(6))],
      [1, 0.5],
    ]);
    expect(curve[0]!.threshold).toBe(0.99);
    expect(
      coverageCurve(
        Array.from({ length: 1000 }, (_, index) => ({
          expected: 'a',
          predicted: 'a',
          confidence: index / 1000,
        })),
        50,
      ),
    ).toHaveLength(50);
  });

  it('takes nearest-rank percentiles', () => {
    expect(percentile([5], 95)).toBe(5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
    expect(percentile([], 50)).toBe(0);
  });

  it('orders a confusion matrix so that confused categories sit side by side', () => {
    // a<->c confused, b<->d confused.
    const order = seriate([
      [5, 0, 3, 0],
      [0, 5, 0, 1],
      [2, 0, 5, 0],
      [0, 1, 0, 5],
    ]);
    expect(order).toHaveLength(4);
    expect(Math.abs(order.indexOf(0) - order.indexOf(2))).toBe(1);
    expect(Math.abs(order.indexOf(1) - order.indexOf(3))).toBe(1);
  });
});

describe("McNemar's test", () => {
  it('uses the exact binomial test below 25 discordant cases', () => {
    // b = 10, c = 2: P(X <= 2 | n = 12) = (1 + 12 + 66) / 4096; two-sided doubles it.
    const result = mcnemar(10, 2);
    expect(result.method).toBe('EXACT_BINOMIAL');
    expect(result.pValue).toBeCloseTo((2 * 79) / 4096, 10);
    expect(mcnemar(3, 3).pValue).toBe(1);
    expect(mcnemar(0, 0).pValue).toBe(1);
    // b = 0, c = 6: 2 / 64.
    expect(mcnemar(0, 6).pValue).toBeCloseTo(2 / 64, 10);
  });

  it('uses chi-square with continuity correction from 25 discordant cases', () => {
    // b = 30, c = 12: chi2 = (|30 - 12| - 1)^2 / 42 = 6.880952; p = 0.0087118 (chi-square, 1 df).
    const result = mcnemar(30, 12);
    expect(result.method).toBe('CHI_SQUARE_CORRECTED');
    expect(result.statistic).toBeCloseTo(289 / 42, 10);
    expect(result.pValue).toBeCloseTo(0.0087118, 5);
    // The textbook 95% critical value: chi2 = 3.841 gives p = 0.05.
    expect(chiSquare1Survival(3.841459)).toBeCloseTo(0.05, 5);
  });
});

describe('edit distance of the final text from the draft', () => {
  const draft =
    'Checkout errors in eu-west-1 since 09:12 UTC. The bad deploy of checkout-api is being rolled back and error rates are falling. Next update by 10:30 UTC.';
  const words = draft.split(' ');

  it('puts drafts used as is, lightly edited, heavily edited and discarded in their buckets', () => {
    const same = wordEditDistance(draft, `  ${draft.replaceAll(' ', '\n')}  `);
    expect(same).toMatchObject({ distance: 0, exact: true });
    expect(classifyEdit(same.distance, same.finalWords)).toBe('ACCEPTED');

    const oneWord = wordEditDistance(
      draft,
      words.map((word, index) => (index === 5 ? 'approximately' : word)).join(' '),
    );
    expect(oneWord.edits).toBe(2);
    expect(oneWord.distance).toBeCloseTo(2 / (2 * words.length), 10);
    expect(classifyEdit(oneWord.distance, oneWord.finalWords)).toBe('LIGHTLY_EDITED');

    const half = wordEditDistance(
      draft,
      [
        ...words.slice(0, Math.ceil(words.length * 0.6)),
        'We',
        'will',
        'share',
        'a',
        'full',
        'postmortem',
        'within',
        'five',
        'days.',
      ].join(' '),
    );
    expect(classifyEdit(half.distance, half.finalWords)).toBe('HEAVILY_EDITED');

    const rewritten = wordEditDistance(
      draft,
      'We are aware of an issue affecting payments for some customers and are working on it.',
    );
    expect(rewritten.distance).toBeGreaterThan(0.6);
    expect(classifyEdit(rewritten.distance, rewritten.finalWords)).toBe('DISCARDED');

    const emptied = wordEditDistance(draft, '   ');
    expect(emptied).toMatchObject({ distance: 1, finalWords: 0 });
    expect(classifyEdit(emptied.distance, emptied.finalWords)).toBe('DISCARDED');
  });

  it('has documented cut-offs at 0.25 and 0.6', () => {
    expect(classifyEdit(0.25, 10)).toBe('LIGHTLY_EDITED');
    expect(classifyEdit(0.2500001, 10)).toBe('HEAVILY_EDITED');
    expect(classifyEdit(0.6, 10)).toBe('HEAVILY_EDITED');
    expect(classifyEdit(0.6000001, 10)).toBe('DISCARDED');
  });

  it('stays fast on long texts: exact when lightly edited, bounded when rewritten', () => {
    const long = Array.from({ length: 60_000 }, (_, index) => `w${index % 997}`).join(' ');
    const edited = long.split(' ');
    for (const at of [100, 20_000, 45_000]) edited[at] = 'changed';
    let started = performance.now();
    const light = wordEditDistance(long, edited.join(' '));
    expect(light).toMatchObject({ edits: 6, exact: true });
    expect(performance.now() - started).toBeLessThan(1_000);

    const other = Array.from({ length: 30_000 }, (_, index) => `v${index}`).join(' ');
    started = performance.now();
    const rewritten = wordEditDistance(long.split(' ').slice(0, 30_000).join(' '), other);
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(rewritten.exact).toBe(false);
    expect(rewritten.distance).toBe(1);
    expect(classifyEdit(rewritten.distance, rewritten.finalWords)).toBe('DISCARDED');
  });
});

describe('pairwise verdicts in both orders', () => {
  it('counts a win or a loss only when both orders agree; anything else is a tie', () => {
    // candidateFirst: the candidate is A; candidateSecond: the candidate is B.
    expect(combinePairwise('A', 'B')).toEqual({ outcome: 'WIN', positionConsistent: true });
    expect(combinePairwise('B', 'A')).toEqual({ outcome: 'LOSS', positionConsistent: true });
    expect(combinePairwise('A', 'A')).toEqual({ outcome: 'TIE', positionConsistent: false });
    expect(combinePairwise('B', 'B')).toEqual({ outcome: 'TIE', positionConsistent: false });
    expect(combinePairwise('TIE', 'TIE')).toEqual({ outcome: 'TIE', positionConsistent: true });
    expect(combinePairwise('A', 'TIE')).toEqual({ outcome: 'TIE', positionConsistent: false });
  });
});

describe('deterministic draft checks', () => {
  const reference =
    '# Summary\nAll good.\n\n## Timeline\n- 09:12 alert\n\n## Action items\n- fix it';
  it('requires the reference headings, no grounding issue and a length within half to twice the reference', () => {
    expect(headingsOf(reference)).toEqual(['Summary', 'Timeline', 'Action items']);
    const good = checkDraft(
      {
        succeeded: true,
        text: '# Summary\nFine now.\n## Timeline\n- 09:12 alert fired\n**Action items**\n- fix',
        groundingIssues: 0,
      },
      { reference, requiredSections: [] },
    );
    expect(good).toMatchObject({
      validates: true,
      missingSections: [],
      withinLength: true,
      passed: true,
      minWords: 7,
      maxWords: 30,
    });
    const missing = checkDraft(
      {
        succeeded: true,
        text: '# Summary\nFine now, all of it.\n## Timeline\n- 09:12 alert fired',
        groundingIssues: 1,
      },
      { reference, requiredSections: [] },
    );
    expect(missing).toMatchObject({
      missingSections: ['Action items'],
      groundingIssues: 1,
      passed: false,
    });
    const long = checkDraft(
      {
        succeeded: true,
        text: `# Summary\n${'word '.repeat(40)}\n# Timeline\n# Action items`,
        groundingIssues: 0,
      },
      { reference, requiredSections: [] },
    );
    expect(long).toMatchObject({ withinLength: false, passed: false });
    const bounds = checkDraft(
      { succeeded: false, text: '', groundingIssues: 0 },
      { reference: null, requiredSections: ['Impact'], minWords: 1, maxWords: 5 },
    );
    expect(bounds).toMatchObject({
      validates: false,
      missingSections: ['Impact'],
      withinLength: false,
      passed: false,
    });
  });
});

describe('drift of production quality', () => {
  const settings = { driftMargin: 0.05, driftBaselineBuckets: 4, driftMinSamples: 20 };
  const bucket = (
    day: number,
    acceptanceRate: number | null,
    withOutcome: number,
  ): MetricsBucketRow => ({
    bucket: new Date(Date.UTC(2026, 10, day)),
    requests: withOutcome,
    withOutcome,
    acceptanceRate,
    meanEditDistance: null,
    rated: 0,
    thumbsUpRatio: null,
    routingAccuracy: null,
    latencyP50Ms: null,
    latencyP95Ms: null,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
  });

  it('flags the latest bucket below the sample-weighted trailing baseline by more than the margin', () => {
    const history = [
      bucket(1, 0.5, 100),
      bucket(2, 0.8, 30),
      bucket(3, 0.9, 10),
      bucket(4, null, 0),
      bucket(5, 0.8, 60),
    ];
    const drift = driftOf(
      [...history, bucket(6, 0.7, 25), bucket(7, null, 0)],
      'acceptanceRate',
      settings,
    );
    // Baseline: days 2 to 5 (four buckets before the latest with data), weighted: (0.8·30 + 0.9·10 + 0.8·60) / 100.
    expect(drift.baseline).toBeCloseTo(0.81, 10);
    expect(drift).toMatchObject({
      metric: 'acceptanceRate',
      detected: true,
      latest: 0.7,
      latestSamples: 25,
      baselineSamples: 100,
      margin: 0.05,
    });
    expect(drift.latestBucket).toEqual(new Date(Date.UTC(2026, 10, 6)));
    expect(driftOf([...history, bucket(6, 0.77, 25)], 'acceptanceRate', settings).detected).toBe(
      false,
    );
    // Too few samples in the latest bucket say nothing.
    expect(driftOf([...history, bucket(6, 0.1, 5)], 'acceptanceRate', settings).detected).toBe(
      false,
    );
    expect(driftOf([bucket(1, null, 0)], 'acceptanceRate', settings)).toMatchObject({
      detected: false,
      latest: null,
      baseline: null,
    });
  });

  it('starts buckets in UTC, weeks on Monday', () => {
    const at = new Date('2026-11-26T15:42:00Z'); // a Thursday
    expect(bucketStart(at, 'hour').toISOString()).toBe('2026-11-26T15:00:00.000Z');
    expect(bucketStart(at, 'day').toISOString()).toBe('2026-11-26T00:00:00.000Z');
    expect(bucketStart(at, 'week').toISOString()).toBe('2026-11-23T00:00:00.000Z');
  });
});
