/**
 * The job digest's Markdown layout, shared by the builtin draft, the LLM prompt and the parser.
 *
 *   # Job digest: <job>
 *   **Outcome:** SUCCEEDED|FAILED|PARTIAL|UNKNOWN
 *   **Exit code:** <n> | not reported
 *   **Likely cause:** <cause, quoting the log> | Not determinable from the log.
 *   ## Failing steps   (### <step>, then "- L<n>: `<exact log line>`")
 *   ## Next steps      (bullets)
 *   ## Stats           (lines, errors, warnings)
 *   ## Repeated messages ("- <count> × `<message>`")
 *
 * The reading keeps the draft honest: a quoted log line that is not the log's line it names (or no
 * line of the log at all) is left out of the typed output and reported. Stats and the exit code
 * are counted by the service from the log itself, never taken from a model's text.
 */
import { z } from 'zod';
import type { GroundingIssueRecord } from '../../infra/store/generations.js';
import { draftReading, type DraftReading } from '../capability.js';
import {
  blocksUnder,
  codeSpan,
  entries,
  normalize,
  outline,
  section,
  statement,
  subsections,
  type Block,
  type Outline,
} from '../shared/markdown.js';
import { analysisOf, type LogAnalysis } from './analysis.js';
import type { JobLogInput } from './input.js';

export const OUTCOMES = ['SUCCEEDED', 'FAILED', 'PARTIAL', 'UNKNOWN'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const LABELS = {
  outcome: 'Outcome',
  exitCode: 'Exit code',
  cause: 'Likely cause',
} as const;

export const SECTIONS = {
  failing: 'Failing steps',
  next: 'Next steps',
  stats: 'Stats',
  repeated: 'Repeated messages',
} as const;

export const TITLE_PREFIX = 'Job digest';
/** The Likely cause value when the log does not show one. */
export const NO_CAUSE = 'Not determinable from the log.';
export const NO_EXIT_CODE = 'not reported';

const failingStepSchema = z.object({
  step: z.string().min(1),
  lines: z.array(z.string()),
  lineNumbers: z.array(z.number().int().positive()),
});

const statsSchema = z.object({
  lines: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  warnings: z.number().int().nonnegative(),
  repeatedMessages: z.array(
    z.object({ message: z.string().min(1), count: z.number().int().positive() }),
  ),
});

export const jobDigestOutputSchema = z.object({
  jobName: z.string().nullable(),
  outcome: z.enum(OUTCOMES).nullable(),
  exitCode: z.number().int().nullable(),
  failingSteps: z.array(failingStepSchema),
  likelyCause: z.string().min(1).nullable(),
  nextSteps: z.array(z.string().min(1)),
  stats: statsSchema,
});

export type FailingStepOutput = z.infer<typeof failingStepSchema>;
export type JobLogStats = z.infer<typeof statsSchema>;
export type JobDigestOutput = z.infer<typeof jobDigestOutputSchema>;
/** A digest as read from a model's answer, with what a person must still fill in: `outcome`, `likelyCause`, `failingSteps`, `nextSteps`. */
export type JobDigestReading = JobDigestOutput & { needsHuman: string[] };

/** Without an outcome a digest answers nothing: worth one corrective retry. */
const ESSENTIAL = ['outcome'];

/** Stats are facts about the log, counted by the service. */
export function statsOf(analysis: LogAnalysis): JobLogStats {
  return {
    lines: analysis.lines.length,
    errors: analysis.errors,
    warnings: analysis.warnings,
    repeatedMessages: analysis.repeated.map(({ message, count }) => ({ message, count })),
  };
}

/** The exit code the scheduler reported, else the last one the log states. */
export function effectiveExitCode(input: JobLogInput, analysis: LogAnalysis): number | null {
  return input.exitCode ?? analysis.exitCode;
}

export function formatJobDigest(output: JobDigestOutput): string {
  const lines: string[] = [`# ${TITLE_PREFIX}${output.jobName ? `: ${output.jobName}` : ''}`, ''];
  lines.push(`**${LABELS.outcome}:** ${output.outcome ?? 'UNKNOWN'}`);
  lines.push(`**${LABELS.exitCode}:** ${output.exitCode ?? NO_EXIT_CODE}`);
  lines.push(`**${LABELS.cause}:** ${output.likelyCause ?? NO_CAUSE}`);
  lines.push('', `## ${SECTIONS.failing}`);
  if (output.failingSteps.length === 0) lines.push('- None.');
  for (const step of output.failingSteps) {
    lines.push(`### ${step.step}`);
    step.lines.forEach((text, index) =>
      lines.push(`- L${step.lineNumbers[index]}: ${codeSpan(text)}`),
    );
  }
  lines.push('', `## ${SECTIONS.next}`);
  for (const next of output.nextSteps) lines.push(`- ${next}`);
  lines.push('', `## ${SECTIONS.stats}`);
  lines.push(
    `- Lines: ${output.stats.lines}`,
    `- Errors: ${output.stats.errors}`,
    `- Warnings: ${output.stats.warnings}`,
  );
  if (output.stats.repeatedMessages.length > 0) {
    lines.push('', `## ${SECTIONS.repeated}`);
    for (const repeated of output.stats.repeatedMessages)
      lines.push(`- ${repeated.count} × ${codeSpan(repeated.message)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The names models give each part of a digest, the layout's own first. */
const NAMES = {
  outcome: [
    LABELS.outcome,
    'Status',
    'Result',
    'Job status',
    'Final status',
    'Overall status',
    'Job result',
    'Conclusion',
    'Verdict',
  ],
  cause: [
    LABELS.cause,
    'Cause',
    'Root cause',
    'Probable cause',
    'Most likely cause',
    'Likely root cause',
    'Reason',
    'Why it failed',
    'Failure reason',
    'Diagnosis',
    'Analysis',
    'Root cause analysis',
  ],
  failing: [
    SECTIONS.failing,
    'Failed steps',
    'Failing step',
    'Failed step',
    'Failures',
    'Errors',
    'Key errors',
    'Error lines',
    'Relevant log lines',
    'Key log lines',
    'Log excerpts',
    'Evidence',
    'Failure details',
    'What failed',
    'Where it failed',
  ],
  next: [
    SECTIONS.next,
    'Recommended next steps',
    'Suggested next steps',
    'Recommendations',
    'Recommended actions',
    'Suggested actions',
    'Suggested fixes',
    'Remediation',
    'What to do next',
    'Action items',
    'Actions',
    'How to fix',
    'Fix',
    'Next actions',
  ],
} as const;

const OUTCOME_WORDS: [RegExp, Outcome][] = [
  [/\bpartial(?:ly)?\b/i, 'PARTIAL'],
  [
    /\b(?:fail(?:ed|ure|ing)?|error(?:ed)?|abort(?:ed)?|crash(?:ed)?|unsuccessful|broken)\b/i,
    'FAILED',
  ],
  [/\b(?:succeed(?:ed)?|success(?:ful(?:ly)?)?|passed|completed|ok)\b/i, 'SUCCEEDED'],
  [
    /\b(?:unknown|unclear|undetermined|indeterminate|still running|in progress|cut off)\b/i,
    'UNKNOWN',
  ],
];

function outcomeIn(value: string | undefined): Outcome | null {
  if (!value) return null;
  const exact = value.toUpperCase().match(/\b(SUCCEEDED|FAILED|PARTIAL|UNKNOWN)\b/)?.[1];
  return (
    (exact as Outcome | undefined) ??
    OUTCOME_WORDS.find(([words]) => words.test(value))?.[1] ??
    null
  );
}

const comparable = (line: string) => normalize(line).replace(/\s+/g, ' ').trim();

function sameLine(quoted: string, actual: string | undefined): boolean {
  if (actual === undefined) return false;
  const want = comparable(quoted.replace(/(?:…|\.\.\.)$/, ''));
  const have = comparable(actual);
  return (
    want.length > 0 &&
    (have === want ||
      (want.length >= 12 && /(?:…|\.\.\.)$/.test(quoted) && have.startsWith(want)) ||
      (want.length >= 20 && have.endsWith(want)))
  );
}

// `L13:`, `Line 13:`, `line 13 —`, `[L13]`, `13:`, `(line 13)` before or after the quote.
const LINE_NUMBER = /^(?:\[?\(?(?:L|line)\s*(\d+)\)?\]?|(\d+))\s*[:\-–—|]?\s*/i;
const TRAILING_NUMBER = /\s*[([](?:L|line)\s*(\d+)[)\]]\s*$/i;

interface Quote {
  text: string;
  number: number | undefined;
}

function quotesIn(block: Block): Quote[] {
  if (block.kind === 'code')
    return block.text
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => {
        const numbered = /^\s*(?:L|line\s*)?(\d+)\s*[:|]\s(.*)$/i.exec(line);
        return numbered
          ? { text: numbered[2]!, number: Number(numbered[1]) }
          : { text: line, number: undefined };
      });
  if (block.kind === 'table')
    // A row per quoted line: its number in one cell (`26`, `L26`), the line in the longest other.
    return block.rows.map((row) => {
      const numbered = row.findIndex((cell) => /^(?:L|line\s*)?\d+$/i.test(cell.trim()));
      const text = row
        .filter((_, index) => index !== numbered)
        .reduce((longest, cell) => (cell.length > longest.length ? cell : longest), '')
        .replace(/^`+\s?|\s?`+$/g, '');
      const number = numbered < 0 ? undefined : Number(row[numbered]!.replace(/\D/g, ''));
      return { text, number };
    });
  const lead = LINE_NUMBER.exec(block.text);
  const trail = TRAILING_NUMBER.exec(block.text);
  const number = lead?.[1] ?? lead?.[2] ?? trail?.[1];
  // The quote is the line's code span when it has one, else the line without its number.
  const text =
    block.spans.length > 0
      ? block.spans.reduce((longest, span) => (span.length > longest.length ? span : longest), '')
      : block.text
          .slice(lead?.[0].length ?? 0)
          .replace(TRAILING_NUMBER, '')
          .replace(/^["']|["']$/g, '');
  return [{ text, number: number === undefined ? undefined : Number(number) }];
}

/**
 * Quoted log lines under the failing-steps section, each checked against the log: the line it
 * names, else the line it matches. A quote the log does not hold is reported, not kept.
 */
function readFailingSteps(
  doc: Outline,
  analysis: LogAnalysis,
  input: JobLogInput,
  ungrounded: GroundingIssueRecord[],
): FailingStepOutput[] {
  const heading = section(doc, NAMES.failing);
  if (!heading) return [];
  const steps = new Map<string, FailingStepOutput>();
  const stepOf = (number: number) =>
    analysis.stepHeaders
      .filter((header) => header.number <= number)
      .at(-1)
      ?.text.trim() ??
    input.jobName ??
    'job';
  const visit = (blocks: readonly Block[], named: string | undefined) => {
    for (const block of blocks) {
      for (const quote of quotesIn(block)) {
        if (!quote.text.trim()) continue;
        let number = quote.number;
        if (number === undefined || !sameLine(quote.text, analysis.lines[number - 1])) {
          const found = analysis.lines.findIndex((candidate) => sameLine(quote.text, candidate));
          // A numbered item that is not a log line at all (an explanation) is prose, not a quote.
          if (found < 0) {
            if (
              block.kind === 'code' ||
              (block.kind !== 'table' && block.spans.length > 0) ||
              quote.number !== undefined
            )
              ungrounded.push({ kind: 'LOG_LINE', value: quote.text.slice(0, 200) });
            continue;
          }
          number = found + 1;
        }
        const name = named ?? stepOf(number);
        const step = steps.get(name) ?? { step: name, lines: [], lineNumbers: [] };
        steps.set(name, step);
        if (step.lineNumbers.includes(number)) continue;
        step.lines.push(analysis.lines[number - 1]!);
        step.lineNumbers.push(number);
      }
      if (block.kind === 'item') visit(block.children, named);
    }
  };
  const nested = subsections(doc, heading);
  visit(heading.blocks, undefined);
  for (const sub of nested) visit(sub.blocks, sub.heading);
  // An item naming a step with its lines as sub-items: "- **Verify connectivity** / - L13: ...".
  return [...steps.values()].filter((step) => step.lines.length > 0);
}

/** Reads any reasonable Markdown digest (or prose) into typed output; never throws. */
export function parseJobDigest(text: string, input: JobLogInput): DraftReading<JobDigestReading> {
  const analysis = analysisOf(input);
  const doc = outline(text);
  const ungrounded: GroundingIssueRecord[] = [];
  const cause = statement(doc, NAMES.cause);
  const next = section(doc, NAMES.next);
  // Prose with none of the digest's parts says its outcome in its own words ("The job failed: ...").
  const prose = !cause && !next && !section(doc, NAMES.failing);
  const outcome = outcomeIn(statement(doc, NAMES.outcome)) ?? (prose ? outcomeIn(text) : null);
  const output = {
    jobName: input.jobName ?? null,
    outcome,
    exitCode: effectiveExitCode(input, analysis),
    failingSteps: readFailingSteps(doc, analysis, input, ungrounded),
    likelyCause: !cause || /^not determinable\b/i.test(cause) ? null : cause,
    nextSteps: next ? entries(blocksUnder(doc, next)) : [],
    stats: statsOf(analysis),
  };
  const failed = outcome === 'FAILED' || outcome === 'PARTIAL';
  const needsHuman = [
    ...(outcome === null ? ['outcome'] : []),
    ...(failed && output.likelyCause === null ? ['likelyCause'] : []),
    ...(failed && output.failingSteps.length === 0 ? ['failingSteps'] : []),
    ...(failed && output.nextSteps.length === 0 ? ['nextSteps'] : []),
  ];
  return draftReading({ ...output, needsHuman }, ESSENTIAL, ungrounded);
}
