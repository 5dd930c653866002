/**
 * The job-digest prompt. A 2 MiB log does not fit a model's context, and most of it is routine:
 * the model gets an excerpt chosen by the same linear analysis the builtin uses (the head, every
 * step header, each distinct error line with a little context, the tail), every line prefixed
 * with its number so quotes can be checked. Bump PROMPT_VERSION with any change.
 */
import type { ChatMessage } from '../../llm/spec.js';
import type { DraftContext } from '../capability.js';
import { dataInstructions, fenceTag, fenced } from '../shared/fence.js';
import { MAX_LINE_CHARS, analysisOf, type LogAnalysis } from './analysis.js';
import type { JobLogInput } from './input.js';
import { LABELS, NO_CAUSE, NO_EXIT_CODE, OUTCOMES, SECTIONS, TITLE_PREFIX } from './output.js';

export const PROMPT_VERSION = 'job-digest/1';

/** Upper bound of the excerpt, in characters (about 15k tokens). */
export const EXCERPT_BUDGET = 60_000;
const HEAD = 15;
const TAIL = 40;
const CONTEXT = 2;

/** Line numbers worth showing, most important first; the excerpt is then sorted by number. */
function chosenLines(analysis: LogAnalysis): number[] {
  const total = analysis.lines.length;
  const wanted: number[] = [];
  for (const step of analysis.failingSteps)
    for (const line of step.lines)
      for (let n = line.number - CONTEXT; n <= line.number + CONTEXT; n += 1) wanted.push(n);
  if (analysis.cause) wanted.push(analysis.cause.line.number);
  for (let n = Math.max(1, total - TAIL + 1); n <= total; n += 1) wanted.push(n);
  for (const header of analysis.stepHeaders) wanted.push(header.number);
  for (let n = 1; n <= Math.min(HEAD, total); n += 1) wanted.push(n);
  for (const n of analysis.errorLines) wanted.push(n);
  return wanted.filter((n) => n >= 1 && n <= total);
}

export function logExcerpt(analysis: LogAnalysis): { text: string; shown: number } {
  const picked = new Set<number>();
  let size = 0;
  for (const n of chosenLines(analysis)) {
    if (picked.has(n)) continue;
    const line = analysis.lines[n - 1]!;
    const cost = Math.min(line.length, MAX_LINE_CHARS) + 12;
    if (size + cost > EXCERPT_BUDGET) break;
    picked.add(n);
    size += cost;
  }
  const numbers = [...picked].sort((left, right) => left - right);
  const out: string[] = [];
  let previous = 0;
  for (const n of numbers) {
    if (n > previous + 1) out.push(`[... ${n - previous - 1} lines omitted ...]`);
    const line = analysis.lines[n - 1]!;
    out.push(`L${n}: ${line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line}`);
    previous = n;
  }
  if (previous < analysis.lines.length)
    out.push(`[... ${analysis.lines.length - previous} lines omitted ...]`);
  return { text: out.join('\n'), shown: numbers.length };
}

export function buildJobDigestPrompt(input: JobLogInput, _context: DraftContext): ChatMessage[] {
  const tag = fenceTag();
  const analysis = analysisOf(input);
  const excerpt = logExcerpt(analysis);
  const system = [
    'You digest the logs of automation jobs (deploys, runbooks, batch jobs) for on-call engineers.',
    'Work only from the log: quote its lines exactly, never invent a step, a line, a host, a number or a cause it does not show.',
    `If the log does not show why the job failed, write "**${LABELS.cause}:** ${NO_CAUSE}".`,
    `Outcome: SUCCEEDED when the job ended well with no failures, FAILED when it ended badly, PARTIAL when it finished but some steps or items failed, UNKNOWN when the log does not say how it ended.`,
    'Each log line below starts with its line number (L123:); quote lines with that number and without changing their text.',
    'Write Markdown in exactly this layout:',
    `# ${TITLE_PREFIX}: <job name>`,
    `**${LABELS.outcome}:** <one of ${OUTCOMES.join(', ')}>`,
    `**${LABELS.exitCode}:** <the exit code, or ${NO_EXIT_CODE}>`,
    `**${LABELS.cause}:** <one sentence, quoting the telling line with its number>`,
    `## ${SECTIONS.failing}`,
    '### <step name as the log names it>',
    '- L<number>: `<the exact log line>`',
    `## ${SECTIONS.next}`,
    '- <what the on-call engineer should do next>',
    dataInstructions(tag),
  ].join('\n');
  const job = { jobName: input.jobName ?? null, exitCode: input.exitCode ?? null };
  const user = [
    fenced(tag, 'job', JSON.stringify(job)),
    fenced(tag, 'job-log', excerpt.text),
    // Counted by the service over the whole log, not only the excerpt: trusted facts.
    `The whole log has ${analysis.lines.length} lines (${excerpt.shown} shown), ${analysis.errors} error lines and ${analysis.warnings} warning lines.`,
  ].join('\n');
  return [
    { role: 'system', content: system },
    { role: 'user', content: user },
  ];
}
