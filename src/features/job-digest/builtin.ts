/**
 * The offline job digest: the outcome, the failing steps with their exact lines, a likely cause
 * that quotes the line it rests on, next steps for that kind of failure, and counts, all from one
 * linear pass over the log (analysis.ts). It never guesses a cause the log does not show: with no
 * telling line, the cause is "not determinable".
 */
import type { DraftContext } from '../capability.js';
import { codeSpan } from '../shared/markdown.js';
import { MAX_LINE_CHARS, analysisOf, type LogAnalysis, type SignalKind } from './analysis.js';
import type { JobLogInput } from './input.js';
import {
  effectiveExitCode,
  formatJobDigest,
  statsOf,
  type JobDigestOutput,
  type Outcome,
} from './output.js';

/** What each kind of signal means, as the first words of the likely cause. */
const CAUSES: Record<SignalKind, string> = {
  oom: 'The process ran out of memory and was killed',
  'disk-full': 'The disk the job writes to is full',
  certificate: 'A TLS certificate was rejected (expired or not trusted)',
  'image-pull': 'A container image could not be pulled (wrong name or tag, or no access)',
  dns: 'A hostname could not be resolved (DNS failure)',
  permission: 'An operation was refused for lack of permission',
  'rate-limit': 'A service refused the job for sending too many requests (HTTP 429, a rate limit)',
  'command-not-found': 'A command the job runs is not installed or not on the PATH',
  'missing-file': 'A file or directory the job needs does not exist',
  'connection-refused': 'A dependency refused or dropped connections',
  upstream: 'An upstream service answered with server errors (5xx) or was unavailable',
  'test-failure': 'Tests failed',
  exception: 'The program stopped on an unhandled exception',
  timeout: 'An operation timed out',
  'exit-code': 'A command exited with an error code',
  error: 'The first error the log reports',
};

/** Exit codes whose meaning is conventional (128 + signal number, and the shell's own). */
const EXIT_MEANINGS: Record<number, { kind: SignalKind; words: string }> = {
  126: {
    kind: 'command-not-found',
    words: 'exit code 126: a command was found but is not executable',
  },
  127: { kind: 'command-not-found', words: 'exit code 127: a command was not found' },
  137: {
    kind: 'oom',
    words: 'exit code 137: the process was killed (SIGKILL), most often by the kernel’s OOM killer',
  },
  143: {
    kind: 'timeout',
    words:
      'exit code 143: the process was terminated (SIGTERM), typically by a timeout or a shutdown',
  },
};

const NEXT_STEPS: Record<SignalKind, string> = {
  oom: 'Compare the memory limit of the killed process with its usage before the kill; raise the limit or fix the leak before running the job again.',
  'disk-full':
    'Free space on the volume named in the failing line (build caches, old images, logs: `df -h`, `docker system df`) or give the job a bigger disk, then run the job again.',
  'image-pull':
    'Check that the image name and tag in the failing line exist in the registry and that the job or node has pull credentials for it; fix the reference or the pull secret, then run the job again.',
  'rate-limit':
    'Authenticate to the service or use a mirror or cache so the job stays under its rate limit, and make retries wait as long as the service asks; run the job again after the limit resets.',
  'missing-file':
    'Check that the path in the failing line is produced by an earlier step, checked out, or copied into the image; fix the path or the step that creates it, then run the job again.',
  'test-failure':
    'Run the failing tests named in the log locally; fix the code or the test, then run the job again.',
  certificate:
    'Check the expiry and the chain of the certificate the job connects to, renew or rotate it, then run the job again.',
  dns: 'Check that the hostname in the failing line resolves (`dig`, `nslookup`) from where the job runs; fix the record or the resolver, then run the job again.',
  permission:
    'Check the credentials and role the job runs with against the resource it was denied; grant the missing permission narrowly, then run the job again.',
  'command-not-found':
    'Install the missing command in the job image or fix its PATH, then run the job again.',
  'connection-refused':
    'Check that the dependency the job connects to is up and listening on that address and port (it may be failing over or restarting); run the job again once it accepts connections.',
  upstream:
    'Check the status of the upstream service; retry the failed items once it recovers, with backoff.',
  exception:
    'Fix the code path named in the stack trace, or the input that triggers it, then run the job again.',
  timeout:
    'Find what the job was waiting for when it timed out; raise the timeout only if that operation is known to be slow.',
  'exit-code': 'Run the failing command by hand with the same inputs to see its full error output.',
  error: 'Read the lines around the first error for the failing command and its input.',
};

function quote(text: string): string {
  const trimmed = text.trim();
  return codeSpan(
    trimmed.length > MAX_LINE_CHARS ? `${trimmed.slice(0, MAX_LINE_CHARS)}…` : trimmed,
  );
}

export function outcomeOf(input: JobLogInput, analysis: LogAnalysis): Outcome {
  const failed = analysis.failingSteps.length > 0;
  if (input.exitCode !== null && input.exitCode !== undefined) {
    if (input.exitCode !== 0) return 'FAILED';
    return failed || analysis.sawPartial ? 'PARTIAL' : 'SUCCEEDED';
  }
  switch (analysis.terminal) {
    case 'failure':
      return 'FAILED';
    case 'partial':
      return 'PARTIAL';
    case 'success':
      return failed || analysis.sawPartial ? 'PARTIAL' : 'SUCCEEDED';
    default:
      // No statement of how the job ended: only a fatal signal settles it.
      return analysis.hasFatal ? 'FAILED' : 'UNKNOWN';
  }
}

function likelyCause(
  input: JobLogInput,
  analysis: LogAnalysis,
  outcome: Outcome,
): { text: string | null; kind: SignalKind | null } {
  if (outcome === 'SUCCEEDED') return { text: null, kind: null };
  const cause = analysis.cause;
  const exitCode = effectiveExitCode(input, analysis);
  const exitMeaning = exitCode !== null ? EXIT_MEANINGS[exitCode] : undefined;
  // A bare non-zero exit says that something failed, not why, unless the code itself has a meaning.
  if (cause && cause.kind !== 'exit-code') {
    return {
      text: `${CAUSES[cause.kind]}: line ${cause.line.number} reads ${quote(cause.line.text)}.`,
      kind: cause.kind,
    };
  }
  if (exitMeaning) {
    const where = cause
      ? `; line ${cause.line.number} reads ${quote(cause.line.text)}`
      : input.exitCode !== null && input.exitCode !== undefined
        ? ' (as the scheduler reported it)'
        : '';
    return { text: `The job ended with ${exitMeaning.words}${where}.`, kind: exitMeaning.kind };
  }
  return { text: null, kind: cause?.kind ?? null };
}

function nextSteps(outcome: Outcome, analysis: LogAnalysis, kind: SignalKind | null): string[] {
  const steps: string[] = [];
  if (outcome === 'SUCCEEDED') {
    steps.push(
      analysis.warnings > 0
        ? `Nothing to fix; review the ${analysis.warnings} warning line(s) before they become errors.`
        : 'Nothing to fix: the job succeeded.',
    );
    return steps;
  }
  if (outcome === 'UNKNOWN')
    steps.push(
      'The log does not say how the job ended: check whether it is still running or was cut off, and fetch the complete log.',
    );
  const first = analysis.failingSteps[0];
  if (first)
    steps.push(
      `Start with step "${first.step}" at line ${first.lines[0]?.number ?? analysis.errorLines[0]}.`,
    );
  if (kind) steps.push(NEXT_STEPS[kind]);
  const loop = analysis.repeated.find((repeated) => repeated.retrying && repeated.count >= 10);
  if (loop)
    steps.push(
      `One failure repeats ${loop.count} times: check that the job's retries back off and give up in time.`,
    );
  if (outcome === 'PARTIAL')
    steps.push('Once the cause is fixed, run again only the items or steps that failed.');
  else if (outcome === 'FAILED')
    steps.push('Once the cause is fixed, run the job again and confirm it ends with exit code 0.');
  return steps;
}

/**
 * Facts a digest states that are counted rather than copied: line numbers, counts, the exit
 * code. The grounding check accepts these; every quoted line is checked by the parser itself.
 */
export function jobDigestDerivedFacts(input: JobLogInput): string[] {
  const analysis = analysisOf(input);
  const numbers = [
    analysis.lines.length,
    analysis.errors,
    analysis.warnings,
    ...analysis.repeated.map((repeated) => repeated.count),
    ...analysis.errorLines,
    ...analysis.stepHeaders.map((header) => header.number),
  ];
  const exitCode = effectiveExitCode(input, analysis);
  if (exitCode !== null) numbers.push(exitCode);
  return [numbers.join(' '), ...Object.keys(EXIT_MEANINGS)];
}

export function digestJobLog(input: JobLogInput): JobDigestOutput {
  const analysis = analysisOf(input);
  const outcome = outcomeOf(input, analysis);
  const cause = likelyCause(input, analysis, outcome);
  return {
    jobName: input.jobName ?? null,
    outcome,
    exitCode: effectiveExitCode(input, analysis),
    failingSteps: analysis.failingSteps.map((step) => ({
      step: step.step,
      lines: step.lines.map((line) =>
        line.text.length > MAX_LINE_CHARS ? `${line.text.slice(0, MAX_LINE_CHARS)}…` : line.text,
      ),
      lineNumbers: step.lines.map((line) => line.number),
    })),
    likelyCause: cause.text,
    nextSteps: nextSteps(outcome, analysis, cause.kind),
    stats: statsOf(analysis),
  };
}

export function draftJobDigestOffline(input: JobLogInput, _context: DraftContext): string {
  return formatJobDigest(digestJobLog(input));
}
