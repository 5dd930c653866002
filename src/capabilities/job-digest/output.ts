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
 * The parser keeps the draft honest: every quoted log line must be the line of the log it names.
 * Stats and the exit code are counted by the service from the log itself, never taken from a
 * model's text.
 */
import { z } from 'zod';
import { OutputInvalidError } from '../capability.js';
import { codeSpan, labelled, listItems, unCodeSpan } from '../shared/markdown.js';
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
  outcome: z.enum(OUTCOMES),
  exitCode: z.number().int().nullable(),
  failingSteps: z.array(failingStepSchema),
  likelyCause: z.string().min(1).nullable(),
  nextSteps: z.array(z.string().min(1)),
  stats: statsSchema,
});

export type FailingStepOutput = z.infer<typeof failingStepSchema>;
export type JobLogStats = z.infer<typeof statsSchema>;
export type JobDigestOutput = z.infer<typeof jobDigestOutputSchema>;

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
  lines.push(`**${LABELS.outcome}:** ${output.outcome}`);
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

function sectionLines(lines: readonly string[], heading: string): string[] {
  const start = lines.findIndex(
    (line) => line.trim().toLowerCase() === `## ${heading.toLowerCase()}`,
  );
  if (start < 0) return [];
  const end = lines.findIndex((line, index) => index > start && /^##\s/.test(line.trim()));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

function sameLine(quoted: string, actual: string | undefined): boolean {
  if (actual === undefined) return false;
  const want = quoted.replace(/…$/, '').trim();
  const have = actual.trim();
  return want.length > 0 && (have === want || (quoted.endsWith('…') && have.startsWith(want)));
}

/** Quoted log lines under "## Failing steps", each checked against the log it claims to quote. */
function parseFailingSteps(lines: readonly string[], analysis: LogAnalysis): FailingStepOutput[] {
  const steps: FailingStepOutput[] = [];
  for (const line of lines) {
    const heading = line.match(/^###\s+(.+?)\s*$/);
    if (heading) {
      steps.push({ step: heading[1]!, lines: [], lineNumbers: [] });
      continue;
    }
    const item = line.match(/^\s*[-*]\s+(?:L(\d+)\s*:\s*)?(.+)$/);
    const step = steps.at(-1);
    if (!item || !step) continue;
    const quoted = unCodeSpan(item[2]!);
    let number = item[1] ? Number(item[1]) : undefined;
    if (number === undefined) {
      const found = analysis.lines.findIndex((candidate) => sameLine(quoted, candidate));
      if (found < 0)
        throw new OutputInvalidError(
          `the failing line "${quoted.slice(0, 120)}" under "### ${step.step}" is not in the log`,
        );
      number = found + 1;
    } else if (!sameLine(quoted, analysis.lines[number - 1])) {
      throw new OutputInvalidError(
        `line L${number} quoted under "### ${step.step}" is not line ${number} of the log`,
      );
    }
    step.lines.push(
      analysis.lines[number - 1]!.trim() === quoted.trim() ? analysis.lines[number - 1]! : quoted,
    );
    step.lineNumbers.push(number);
  }
  return steps;
}

export function parseJobDigest(text: string, input: JobLogInput): JobDigestOutput {
  const analysis = analysisOf(input);
  const lines = text.split('\n');
  const outcome = labelled(lines, LABELS.outcome)
    ?.toUpperCase()
    .match(/\b(SUCCEEDED|FAILED|PARTIAL|UNKNOWN)\b/)?.[1];
  const cause = labelled(lines, LABELS.cause);
  const candidate = {
    jobName: input.jobName ?? null,
    outcome,
    exitCode: effectiveExitCode(input, analysis),
    failingSteps: parseFailingSteps(sectionLines(lines, SECTIONS.failing), analysis),
    likelyCause: !cause || /^not determinable\b/i.test(cause) ? null : cause,
    nextSteps: listItems(sectionLines(lines, SECTIONS.next)),
    stats: statsOf(analysis),
  };
  const parsed = jobDigestOutputSchema.safeParse(candidate);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join('.') || 'output'}: ${issue.message}`)
      .join('; ');
    throw new OutputInvalidError(
      `the job digest needs a "**${LABELS.outcome}:**" line with one of ${OUTCOMES.join(', ')}; ${problems}`,
    );
  }
  return parsed.data;
}
