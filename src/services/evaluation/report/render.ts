/**
 * The evaluation report: ONE self-contained HTML file (inline CSS and SVG, no script, nothing
 * fetched), readable offline, attachable to a ticket. Served at /reports/eval/<runId> and written
 * by `npm run eval -- --report`.
 */
import type { EvalResultRecord, EvalRunRecord } from '../../../infra/store/evaluation/eval-runs.js';
import type { GenerationSummary, RoutingSummary, RunSummary } from '../summary.js';
import { barRows, escapeHtml, heatmap, histogram, lineChart, seriate, stackedBar } from './svg.js';

export interface ReportInput {
  run: EvalRunRecord;
  summary: RunSummary;
  results: readonly EvalResultRecord[];
  /** The taxonomy's or dataset's name. */
  datasetName: string;
}

const pct = (value: number | null | undefined) =>
  value === null || value === undefined ? '—' : `${(value * 100).toFixed(1)}%`;
const num = (value: number | null | undefined, digits = 0) =>
  value === null || value === undefined ? '—' : value.toFixed(digits);
const usd = (value: number) => `$${value < 1 ? value.toFixed(4) : value.toFixed(2)}`;
const STAGE_COLORS: Record<string, string> = {
  RULE: '#9c755f',
  LOCAL_MODEL: '#4c78a8',
  LLM: '#f58518',
  HUMAN: '#54a24b',
  NONE: '#bab0ac',
};

const CSS = `
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px auto; max-width: 1180px; color: #1d2330; padding: 0 16px; }
  h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #dde1e8; padding-bottom: 4px; }
  .meta { color: #5a6272; font-size: 13px; } .meta code { background: #f1f3f7; padding: 1px 4px; border-radius: 3px; }
  .tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; margin: 16px 0; }
  .tile { background: #f6f7fa; border: 1px solid #e3e6ec; border-radius: 6px; padding: 8px 10px; }
  .tile .v { font-size: 20px; font-weight: 600; } .tile .k { color: #5a6272; font-size: 12px; }
  table { border-collapse: collapse; font-size: 13px; margin: 8px 0; } th, td { text-align: left; padding: 4px 10px 4px 0; border-bottom: 1px solid #eceef2; vertical-align: top; }
  th { color: #5a6272; font-weight: 600; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
  .scroll { overflow: auto; max-width: 100%; } .note { color: #5a6272; font-size: 12px; }
  svg .label { font-size: 11px; fill: #2b3140; } svg .axis { font-size: 11px; fill: #5a6272; } svg .on-bar { font-size: 11px; fill: #fff; }
  svg .grid { stroke: #e3e6ec; stroke-width: 1; } svg .curve { stroke: #4c78a8; stroke-width: 2; } svg .mark { fill: #e45756; }
  svg .matrix-bg { fill: #fbfbfd; stroke: #e3e6ec; } svg .cell { stroke: #fff; stroke-width: 0.3; }
  pre { white-space: pre-wrap; background: #f6f7fa; padding: 6px 8px; border-radius: 4px; margin: 4px 0; max-height: 180px; overflow: auto; font-size: 12px; }
  .bad { color: #b3261e; } .good { color: #1e7b34; }
`;

function tiles(entries: readonly [string, string][]): string {
  return `<div class="tiles">${entries.map(([key, value]) => `<div class="tile"><div class="v">${escapeHtml(value)}</div><div class="k">${escapeHtml(key)}</div></div>`).join('')}</div>`;
}

function table(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  numeric: ReadonlySet<number> = new Set(),
): string {
  return `<table><thead><tr>${headers.map((header) => `<th>${escapeHtml(header)}</th>`).join('')}</tr></thead><tbody>${rows
    .map(
      (row) =>
        `<tr>${row.map((cell, index) => `<td${numeric.has(index) ? ' class="n"' : ''}>${cell}</td>`).join('')}</tr>`,
    )
    .join('')}</tbody></table>`;
}

export function renderReport(input: ReportInput): string {
  const { run, summary } = input;
  const title = `Evaluation ${run.kind === 'ROUTING' ? 'of routing' : 'of drafts'}: ${input.datasetName}`;
  const meta = [
    `run <code>${escapeHtml(run.id)}</code>`,
    `target <code>${escapeHtml(run.target)}</code>`,
    run.judge
      ? `judge <code>${escapeHtml(run.judge)}</code> (prompt ${escapeHtml(run.judgePromptVersion ?? '')})`
      : '',
    run.pairwiseAgainst ? `compared with <code>${escapeHtml(run.pairwiseAgainst)}</code>` : '',
    run.taxonomyVersion !== null ? `taxonomy version ${run.taxonomyVersion}` : '',
    `status <b>${escapeHtml(run.status)}</b>`,
    `${run.done} of ${run.total} cases`,
    `started ${escapeHtml(run.createdAt.toISOString())}`,
    run.finishedAt ? `finished ${escapeHtml(run.finishedAt.toISOString())}` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  const body =
    summary.kind === 'ROUTING'
      ? routingSections(summary)
      : generationSections(summary, input.results);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${CSS}</style></head>
<body><h1>${escapeHtml(title)}</h1><div class="meta">${meta}</div>
${run.error ? `<p class="bad">Stopped: ${escapeHtml(run.error.message)}</p>` : ''}
${body}
<p class="note">Generated by ai-subgraph. Self-contained: no scripts, nothing loaded from the network.</p>
</body></html>`;
}

function routingSections(summary: RoutingSummary): string {
  const counted = summary.categories.filter(
    (category) => category.support > 0 || category.predicted > 0,
  );
  const byF1 = [...counted].sort(
    (a, b) => a.f1 - b.f1 || b.support - a.support || a.category.localeCompare(b.category),
  );
  const order = seriate(summary.confusion.counts);
  const autoPoint = {
    x: summary.autoRoutedShare,
    y: summary.autoRoutedAccuracy,
    label: `operating point: ${pct(summary.autoRoutedShare)} auto, ${pct(summary.autoRoutedAccuracy)} right`,
  };
  const curve = [
    { x: 0, y: summary.coverage[0]?.accuracy ?? 1 },
    ...summary.coverage.map((point) => ({ x: point.coverage, y: point.accuracy })),
  ];
  const yMin = Math.max(
    0,
    Math.floor(Math.min(...curve.map((point) => point.y), summary.autoRoutedAccuracy) * 10) / 10 -
      0.1,
  );
  return [
    tiles([
      ['accuracy', pct(summary.accuracy)],
      ['macro F1', pct(summary.macroF1)],
      ['weighted F1', pct(summary.weightedF1)],
      ['sent to review', pct(summary.reviewShare)],
      ['auto-routed', pct(summary.autoRoutedShare)],
      ['auto-routed accuracy', pct(summary.autoRoutedAccuracy)],
      ['Unknown', pct(summary.unknownShare)],
      ['latency p50 / p95', `${num(summary.latencyP50Ms)} / ${num(summary.latencyP95Ms)} ms`],
      ['tokens in / out', `${summary.inputTokens} / ${summary.outputTokens}`],
      ['LLM cost', usd(summary.costUsd)],
      ['cases', String(summary.cases)],
    ]),
    '<h2>Who decided</h2>',
    stackedBar(
      summary.stages.map((stage) => ({
        label: stage.decidedBy,
        share: stage.share,
        color: STAGE_COLORS[stage.decidedBy] ?? '#bab0ac',
      })),
      'stages',
    ),
    table(
      ['stage', 'share', 'cases', 'accuracy'],
      summary.stages.map((stage) => [
        escapeHtml(stage.decidedBy),
        pct(stage.share),
        String(stage.count),
        pct(stage.accuracy),
      ]),
      new Set([1, 2, 3]),
    ),
    '<h2>Coverage against accuracy</h2>',
    '<p class="note">Deciding automatically only at or above a confidence threshold: the share decided (x) and how many of those are right (y), from each case\'s stored confidence. The dot is where the cascade runs now.</p>',
    lineChart(curve, {
      id: 'coverage',
      xLabel: 'coverage (share decided automatically)',
      yLabel: 'accuracy of those',
      yMin,
      mark: autoPoint,
    }),
    '<h2>Per category</h2>',
    '<p class="note">Weakest F1 first. 0/0 counts as 0 (precision of a category never predicted, recall of one without test cases).</p>',
    `<div class="scroll">${barRows(
      byF1.map((category) => ({
        label: category.category,
        values: [category.precision, category.recall, category.f1],
        note: `F1 ${pct(category.f1)} · n=${category.support}`,
      })),
      [
        { name: 'precision', color: '#4c78a8' },
        { name: 'recall', color: '#f58518' },
        { name: 'F1', color: '#54a24b' },
      ],
      'category-bars',
    )}</div>`,
    '<h2>Most frequent confusions</h2>',
    table(
      ['labeled', 'predicted', 'cases', 'share of labeled'],
      summary.topConfusions
        .slice(0, 25)
        .map((confusion) => [
          escapeHtml(confusion.expected),
          confusion.predicted ? escapeHtml(confusion.predicted) : '<i>Unknown</i>',
          String(confusion.count),
          pct(confusion.rate),
        ]),
      new Set([2, 3]),
    ),
    '<h2>Confusion matrix</h2>',
    `<p class="note">Rows: labeled category; columns: predicted (Unknown last). Rows are normalised; green is right, red is wrong, darker is more. Categories confused with each other are placed side by side. Hover a cell for its count.</p>`,
    `<div class="scroll">${heatmap(summary.confusion.labels, summary.confusion.counts, order, 'confusion-heatmap')}</div>`,
  ].join('\n');
}

interface GenerationDetail {
  feature?: string;
  checks?: {
    validates: boolean;
    missingSections: string[];
    groundingIssues: number;
    withinLength: boolean;
    words: number;
  };
  rubric?: { criterion: string; score: number; reason: string }[] | null;
  pairwise?: { outcome: string; positionConsistent: boolean; against: string } | null;
  judgeError?: string | null;
  error?: string | null;
  output?: string;
}

function generationSections(
  summary: GenerationSummary,
  results: readonly EvalResultRecord[],
): string {
  const worst = [...results]
    .sort(
      (a, b) =>
        Number(a.correct) - Number(b.correct) ||
        (a.score ?? 6) - (b.score ?? 6) ||
        a.position - b.position,
    )
    .filter((result) => !result.correct || (result.score !== null && result.score < 4))
    .slice(0, 15);
  return [
    tiles([
      ['passed', pct(summary.passRate)],
      ['valid output', pct(summary.validRate)],
      ['required sections', pct(summary.sectionsRate)],
      ['fully grounded', pct(summary.groundedRate)],
      ['within length', pct(summary.withinLengthRate)],
      [
        'mean judge score',
        summary.meanScore === null ? '—' : `${summary.meanScore.toFixed(2)} / 5`,
      ],
      ['pairwise win rate', pct(summary.pairwise.winRate)],
      ['latency p50 / p95', `${num(summary.latencyP50Ms)} / ${num(summary.latencyP95Ms)} ms`],
      ['cost (drafts + judge)', `${usd(summary.costUsd)} + ${usd(summary.judgeCostUsd)}`],
      ['cases', String(summary.cases)],
    ]),
    '<h2>Judge scores</h2>',
    summary.judged === 0
      ? '<p class="note">No judge was used: deterministic checks only.</p>'
      : histogram(
          summary.scoreHistogram.map((count, index) => ({
            label: `score ${index + 1}`,
            count,
            color: ['#e45756', '#f58518', '#eeca3b', '#72b7b2', '#54a24b'][index],
          })),
          'score-histogram',
        ) +
        table(
          ['criterion', 'mean score', 'drafts'],
          summary.criteria.map((criterion) => [
            escapeHtml(criterion.criterion),
            criterion.meanScore.toFixed(2),
            String(criterion.count),
          ]),
          new Set([1, 2]),
        ),
    '<h2>Pairwise comparison</h2>',
    summary.pairwise.compared === 0
      ? '<p class="note">No pairwise comparison.</p>'
      : `<p class="note">Each comparison is judged twice with the drafts swapped; a verdict that follows the position is a tie (${summary.pairwise.positionInconsistent} of ${summary.pairwise.compared} comparisons).</p>` +
        histogram(
          [
            { label: 'wins', count: summary.pairwise.wins, color: '#54a24b' },
            { label: 'ties', count: summary.pairwise.ties, color: '#bab0ac' },
            { label: 'losses', count: summary.pairwise.losses, color: '#e45756' },
          ],
          'pairwise-outcomes',
        ),
    '<h2>Worst cases</h2>',
    worst.length === 0
      ? '<p class="good">Every case passed with a score of 4 or more.</p>'
      : table(
          ['#', 'feature', 'passed', 'score', 'what went wrong', 'draft'],
          worst.map((result) => {
            const detail = result.detail as GenerationDetail;
            const problems = [
              detail.error ? `failed: ${detail.error}` : '',
              detail.checks && !detail.checks.validates ? 'output does not validate' : '',
              detail.checks?.missingSections.length
                ? `missing sections: ${detail.checks.missingSections.join(', ')}`
                : '',
              detail.checks?.groundingIssues
                ? `${detail.checks.groundingIssues} ungrounded facts`
                : '',
              detail.checks && !detail.checks.withinLength
                ? `length out of bounds (${detail.checks.words} words)`
                : '',
              ...(detail.rubric ?? [])
                .filter((score) => score.score <= 3)
                .map((score) => `${score.criterion}: ${score.score} — ${score.reason}`),
              detail.pairwise
                ? `pairwise vs ${detail.pairwise.against}: ${detail.pairwise.outcome}`
                : '',
              detail.judgeError ? `judge: ${detail.judgeError}` : '',
            ].filter(Boolean);
            return [
              String(result.position + 1),
              escapeHtml(detail.feature ?? ''),
              result.correct ? '<span class="good">yes</span>' : '<span class="bad">no</span>',
              result.score === null ? '—' : result.score.toFixed(2),
              problems.map((problem) => escapeHtml(problem)).join('<br>'),
              `<pre>${escapeHtml((detail.output ?? '').slice(0, 800))}</pre>`,
            ];
          }),
          new Set([0, 3]),
        ),
  ].join('\n');
}
