/**
 * One linear pass over a job log: strip ANSI codes, follow the step headers (GitHub Actions,
 * GitLab, Ansible, Jenkins, Docker, `==>` banners), classify each line (exit codes, error levels,
 * tracebacks and stack traces, OOM kills, timeouts, refused connections, DNS, TLS, permissions,
 * missing commands, upstream 5xx), count errors and warnings, and collapse repeated messages.
 *
 * Every regular expression below is anchored or bounded, so the pass stays linear in the size of
 * the log: a 2 MiB log is analysed in tens of milliseconds.
 */
import type { JobLogInput } from './input.js';

export const SIGNAL_KINDS = [
  'oom',
  'disk-full',
  'certificate',
  'image-pull',
  'dns',
  'permission',
  'rate-limit',
  'command-not-found',
  'missing-file',
  'connection-refused',
  'upstream',
  'test-failure',
  'exception',
  'timeout',
  'exit-code',
  'error',
] as const;
export type SignalKind = (typeof SIGNAL_KINDS)[number];

/** The more specific a signal, the more likely it is the cause rather than a consequence. */
const PRECEDENCE: Record<SignalKind, number> = Object.fromEntries(
  SIGNAL_KINDS.map((kind, index) => [kind, SIGNAL_KINDS.length - index]),
) as Record<SignalKind, number>;

/** Signals that end a job even when it never prints how it ended. */
const FATAL_KINDS = new Set<SignalKind>([
  'oom',
  'disk-full',
  'image-pull',
  'missing-file',
  'test-failure',
  'exception',
  'command-not-found',
  'certificate',
  'dns',
  'permission',
]);

export interface LogLine {
  /** 1-based, as editors and `sed -n` count. */
  number: number;
  /** The line as a terminal shows it: ANSI codes removed, carriage-return overwrites applied. */
  text: string;
}

export interface FailingStep {
  step: string;
  lines: LogLine[];
}

export interface RepeatedMessage {
  message: string;
  count: number;
  /** The message is an error line, or a warning about a retry: a sign of a retry loop. */
  retrying?: boolean;
}

export type Terminal = 'success' | 'failure' | 'partial';

export interface LogAnalysis {
  /** Display lines, index = line number - 1. */
  lines: string[];
  errors: number;
  warnings: number;
  repeated: RepeatedMessage[];
  failingSteps: FailingStep[];
  /** The last exit code the log reports, if any. */
  exitCode: number | null;
  /** How the log says the job ended (the last such statement), if it says. */
  terminal: Terminal | null;
  sawPartial: boolean;
  hasFatal: boolean;
  cause: { kind: SignalKind; line: LogLine; exitCode: number | null } | null;
  stepHeaders: LogLine[];
  /** Line numbers of every error line, in order (for prompt excerpts). */
  errorLines: number[];
}

/** Lines of one failing step kept in a digest: enough to see it, few enough to read. */
export const MAX_LINES_PER_STEP = 8;
/** Lines longer than this are cut in digests (the log itself is never altered). */
export const MAX_LINE_CHARS = 500;
const MAX_REPEATED = 10;
const MIN_REPEATS = 3;
/**
 * A routine message (no error or warning level) is worth reporting only when it is most of the
 * log: thousands of `INFO compiling module ok` lines are progress, not a finding, unless the log
 * is little else (a job stuck printing the same line).
 */
const DOMINANT_SHARE = 0.5;

// CSI sequences (colours, cursor moves), OSC sequences (titles, hyperlinks), and lone ESC pairs.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;
const TIMESTAMP =
  /^\s{0,4}\[?(?:\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}| UTC)?|\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?|[A-Z][a-z]{2} {1,2}\d{1,2} \d{2}:\d{2}:\d{2})\]?\s*/;

const STEP_HEADERS: RegExp[] = [
  /^##\[group\]\s*(.{1,200})/,
  /^::group::\s*(.{1,200})/,
  /^section_start:\d+:([\w.-]{1,200})/,
  /^TASK \[(.{1,200}?)\]/,
  /^\[Pipeline\] \{ \((.{1,200})\)$/,
  /^Step\s+\d+(?:\/\d+)?\s*[:-]\s*(.{1,200})/i,
  /^==>\s+(.{1,200}?)\s*$/,
  /^(?:-{3,}|={3,})\s+(.{1,200}?)\s+(?:-{3,}|={3,})$/,
  /^\[step\]\s*(.{1,200})/i,
  /^(?:Running|Starting|Executing) step:?\s+["'`]?(.{1,200}?)["'`]?$/i,
  /^▶\s+(.{1,200})/,
];

/** Group and section ends: structure, not messages. */
const STEP_END = /^(?:##\[endgroup\]|::endgroup::|section_end:\d+:|\[Pipeline\] \}$)/;

/** Cheap gate: most lines of a log are routine and skip the detailed checks. */
const INTERESTING =
  /err|fatal|fail|panic|crit|severe|exception|traceback|caused by|kill|oom|memory|space left|enospc|no such file|enoent|cannot find|429|too many requests|rate.?limit|throttl|pull|manifest|signal 9|not exist|could not open|diskpressure|exceeded|timed? ?out|timeout|deadline|refused|reset by peer|denied|eacces|forbidden|unauthori|not found|resolve|nxdomain|servfail|enotfound|eai_again|getaddrinfo|name or service|certificat|x509|ssl|pkix|unavailable|bad gateway|gateway time|\b50[0234]\b|exit|warn|succe|complet|finish|passed|processed|\bok\b|✗|✖/i;

// Level words count in capitals ("ERROR", "WARN") or in a level position ("[error]", "level=warn",
// "psql: error:"); a lowercase "error" inside a sentence ("error rate") is not a level.
const LEVEL_ERROR =
  /\b(?:ERROR|ERR!|FATAL|CRITICAL|PANIC|SEVERE|EMERG)\b|^##\[error\]|\[(?:error|fatal|critical|Error|Fatal)\]|\blevel=(?:error|fatal|critical|panic)\b|"level"\s*:\s*"(?:error|fatal|critical|panic)"|^(?:[\w.-]{1,40}: )?(?:error|fatal|Error|Fatal)(?:\[[\w-]{1,40}\])?:|^E\d{4} \d{2}:\d{2}/;
const LEVEL_WARN =
  /\b(?:WARN|WARNING)\b|^##\[warning\]|\[(?:warn|warning|Warn|Warning)\]|\blevel=warn(?:ing)?\b|"level"\s*:\s*"warn(?:ing)?"|^(?:[\w.-]{1,40}: )?(?:warning|Warning):|^Warning\s|^W\d{4} \d{2}:\d{2}/;
const LEVEL_QUIET =
  /\b(?:INFO|DEBUG|TRACE|NOTICE)\b|\blevel=(?:info|debug|trace)\b|"level"\s*:\s*"(?:info|debug|trace)"|^I\d{4} \d{2}:\d{2}/;

// A bare `Killed` line (or `<pid> Killed   <command>`) is how a shell reports SIGKILL, which on a build machine is the OOM killer.
const OOM =
  /OOMKill|\bOut of memory\b|\bout of memory\b|Killed process \d+|oom-kill|OutOfMemoryError|heap out of memory|Cannot allocate memory|MemoryError\b|signal: killed|\bReason: OOM|^Killed$|\b\d+ Killed\s{2,}|\[Killed\]|killed \(OOM\)|signal 9 \(SIGKILL\)/i;
const DISK_FULL =
  /\bENOSPC\b|No space left on device|\bdisk (?:is )?full\b|DiskPressure|insufficient disk space/i;
const IMAGE_PULL =
  /ErrImagePull|ImagePullBackOff|Failed to pull image|manifest unknown|manifest for \S{1,300} not found|pull access denied|repository does not exist or may require 'docker login'/i;
const RATE_LIMIT =
  /\b429\b.{0,40}(?:Too Many Requests|rate)|Too Many Requests|rate limit(?:ed| exceeded)|RateLimitExceeded|TooManyRequests|Throttling(?:Exception)?:|toomanyrequests|SlowDown\b/i;
const MISSING_FILE =
  /No such file or directory|\bENOENT\b|FileNotFoundError|FileNotFoundException|Cannot find module|Module not found|could not open file|does not exist(?: at| in|:|$)/i;
const TEST_FAILURE =
  /^FAILED \S{1,300}::|^=+ .{0,80}\b\d+ failed\b.{0,80}=+$|^Tests:\s+\d+ failed|^--- FAIL: |^FAIL\s+\S|^Test Suites:\s+\d+ failed|\b\d+ (?:tests? )?failed, \d+ passed|^✕ /;
const CERTIFICATE =
  /certificate (?:has )?expired|certificate is not yet valid|CERT_HAS_EXPIRED|CertificateExpired|x509: certificate|SSL certificate problem|unable to verify the first certificate|SSLHandshakeException|certificate verify failed|PKIX path|self[- ]signed certificate/i;
const DNS =
  /Could not resolve host|NXDOMAIN|SERVFAIL|Name or service not known|Temporary failure in name resolution|no such host|ENOTFOUND|EAI_AGAIN|UnknownHostException|Name resolution failed|could not translate host name/i;
const PERMISSION =
  /permission denied|\bEACCES\b|\bEPERM\b|AccessDenied|Access Denied|\b403 Forbidden\b|not authorized to perform|UnauthorizedOperation|\b401 Unauthorized\b|forbidden: User/i;
const COMMAND_NOT_FOUND =
  /: command not found\b|: not found$|command not found: |is not recognized as an internal or external command|executable file not found in \$PATH/i;
const CONNECTION_REFUSED =
  /connection refused|ECONNREFUSED|connection reset by peer|ECONNRESET|ConnectException|No route to host|EHOSTUNREACH/i;
const UPSTREAM =
  /\b(?:500 Internal Server Error|502 Bad Gateway|503 Service (?:Temporarily )?Unavailable|504 Gateway Time-?out)\b|\b(?:status|HTTP|code|status_code)[ :=/]*(?:1\.1 )?(?:500|502|503|504)\b|\bupstream (?:connect error|unavailable|request timeout)|\bService Unavailable\b/i;
const EXCEPTION =
  /^Traceback \(most recent call last\)|^(?:Exception in thread "[^"]{0,100}" )?(?:[a-z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error)\b|^Caused by: |^(?:Uncaught )?[A-Z][A-Za-z]*(?:Error|Exception)(?::|$)|^panic: |^thread '[^']{0,100}' panicked|UnhandledPromiseRejection/;
const TIMEOUT =
  /\btimed out\b|deadline exceeded|DeadlineExceeded|\bETIMEDOUT\b|\btime-?out (?:waiting|expired|exceeded|after|while|of)\b|\bTimeoutError\b|\bRead timeout\b|\btimeout: |\bTimeout exceeded\b|exceeded the maximum execution time/i;
const EXIT_CODE =
  /\b(?:exit(?:ed)?(?: with)? (?:code|status)|exit_code|exitcode|returned non-zero exit status|returned a non-zero code)[\s:=]{0,3}(-?\d{1,10})\b/i;
const FAILED_WORD = /\bFAILED\b|\bfailed (?:to|with|because|after)\b|\b(?:has|have) failed\b|^✗|^✖/;
const NEGATED =
  /\b0 (?:errors?|failed|failures?)\b|\b(?:failed|errors?)[=:] ?0\b|\bno errors?\b|\bwithout errors?\b/i;

const SUCCESS_MARK =
  /\b(?:job|pipeline|build|workflow|runbook|deploy(?:ment)?|run)\b[^.;]{0,40}?\b(?:succeeded|completed successfully|finished successfully|passed)\b|^Finished: SUCCESS\b/i;
const FAILURE_MARK =
  /\b(?:job|pipeline|build|workflow|runbook)\b[^.;]{0,40}?\bfailed\b|^Finished: FAILURE\b/i;
const PARTIAL_MARK =
  /\b(?:completed|finished|succeeded|done) with (?:\d+ )?(?:errors|failures)\b|\bpartial(?:ly)? (?:success|succeeded|failed|failure)\b/i;
const COUNT_OK =
  /\b[1-9]\d* (?:of \d+ )?(?:[a-z]+ )?(?:succeeded|processed|passed|ok|completed|updated)\b/i;
const COUNT_FAILED = /\b[1-9]\d* (?:[a-z]+ )?(?:failed|errored)\b/i;

/** Stack frames (Java, Node, Python), told apart by their indentation. */
const FRAME =
  /^(?:at\s+\S|\.\.\. \d+ (?:more|common frames omitted)|File ".{1,500}", line \d+|\^+$)/;

/** What a terminal shows for a raw line: ANSI gone, the last carriage-return overwrite wins. */
export function displayLine(raw: string): string {
  let line = raw.includes('\x1b') ? raw.replace(ANSI, '') : raw;
  if (line.endsWith('\r')) line = line.slice(0, -1);
  if (line.includes('\r')) {
    const parts = line.split('\r').filter((part) => part.trim() !== '');
    line = parts.at(-1) ?? '';
  }
  return line.trimEnd();
}

/** The line without a leading timestamp; indentation after it is kept (frames are indented). */
export function withoutTimestamp(line: string): string {
  const match = TIMESTAMP.exec(line);
  if (!match) return line;
  // The pattern swallows the whitespace after the stamp; give back all but the separator.
  const spaces = match[0].length - match[0].trimEnd().length;
  return line.slice(match[0].length - Math.max(0, spaces - 1));
}

/** The key under which repeated messages collapse: numbers and ids do not make a message new. */
function messageKey(message: string): string {
  return message.replace(/\b0x[0-9a-f]+\b|\b[0-9a-f]{8,}\b|\d+/gi, '#');
}

/** One test that rules out most lines before the header patterns run one by one. */
const MAYBE_HEADER =
  /^(?:##\[group\]|::group::|section_start:|TASK \[|\[Pipeline\] \{|step\s|==>|-{3}|={3}|\[step\]|(?:Running|Starting|Executing) step|▶)/i;

function stepHeader(message: string, raw: string): string | undefined {
  if (raw.startsWith('section_start:')) return STEP_HEADERS[2]!.exec(raw)?.[1];
  if (!MAYBE_HEADER.test(message)) return undefined;
  for (const pattern of STEP_HEADERS) {
    const match = pattern.exec(message);
    if (match) return match[1]!.trim();
  }
  return undefined;
}

interface Classified {
  kinds: SignalKind[];
  error: boolean;
  warning: boolean;
  exitCode: number | null;
  terminal: Terminal | null;
  partial: boolean;
  fatal: boolean;
}

const PLAIN: Classified = {
  kinds: [],
  error: false,
  warning: false,
  exitCode: null,
  terminal: null,
  partial: false,
  fatal: false,
};

function classify(message: string): Classified {
  if (!INTERESTING.test(message)) return PLAIN;
  const kinds: SignalKind[] = [];
  if (OOM.test(message)) kinds.push('oom');
  if (DISK_FULL.test(message)) kinds.push('disk-full');
  if (CERTIFICATE.test(message)) kinds.push('certificate');
  if (IMAGE_PULL.test(message)) kinds.push('image-pull');
  if (DNS.test(message)) kinds.push('dns');
  if (PERMISSION.test(message)) kinds.push('permission');
  if (RATE_LIMIT.test(message)) kinds.push('rate-limit');
  if (COMMAND_NOT_FOUND.test(message)) kinds.push('command-not-found');
  if (MISSING_FILE.test(message)) kinds.push('missing-file');
  if (CONNECTION_REFUSED.test(message)) kinds.push('connection-refused');
  if (UPSTREAM.test(message)) kinds.push('upstream');
  const testFailure = TEST_FAILURE.test(message);
  if (testFailure) kinds.push('test-failure');
  if (EXCEPTION.test(message)) kinds.push('exception');
  if (TIMEOUT.test(message)) kinds.push('timeout');
  const exitMatch = EXIT_CODE.exec(message);
  const exitCode = exitMatch ? Number(exitMatch[1]) : null;
  if (exitCode !== null && exitCode !== 0) kinds.push('exit-code');
  const levelError = LEVEL_ERROR.test(message);
  if (levelError || FAILED_WORD.test(message)) kinds.push('error');

  // "3 failed, 40 passed" from a test runner is a failed test run, not a partly done batch.
  const partial =
    !testFailure &&
    (PARTIAL_MARK.test(message) || (COUNT_OK.test(message) && COUNT_FAILED.test(message)));
  let terminal: Terminal | null = null;
  if (partial) terminal = 'partial';
  else if (FAILURE_MARK.test(message) && !NEGATED.test(message)) terminal = 'failure';
  else if (SUCCESS_MARK.test(message)) terminal = 'success';
  if (exitCode !== null) terminal = exitCode === 0 ? (terminal ?? 'success') : 'failure';

  // An explicit level decides: a WARN line about a retried timeout is a warning, an INFO line
  // mentioning "connection refused" during a planned failover is information. Only an OOM kill
  // or a non-zero exit is an error whatever the level says.
  const warning = !levelError && LEVEL_WARN.test(message);
  const quiet = !levelError && !warning && LEVEL_QUIET.test(message);
  const severe =
    kinds.includes('oom') || kinds.includes('disk-full') || kinds.includes('exit-code');
  const negated = NEGATED.test(message) && kinds.every((kind) => kind === 'error');
  const error = kinds.length > 0 && !negated && (levelError || severe || (!warning && !quiet));
  const fatal =
    error &&
    (kinds.some((kind) => FATAL_KINDS.has(kind)) || /\b(?:FATAL|PANIC)\b|^panic: /.test(message));
  return {
    kinds: error ? kinds : [],
    error,
    warning: warning && !error,
    exitCode,
    terminal,
    partial,
    fatal,
  };
}

function rank(kinds: readonly SignalKind[]): number {
  let best = 0;
  for (const kind of kinds) if (PRECEDENCE[kind] > best) best = PRECEDENCE[kind];
  return best;
}

interface StepFailure {
  step: string;
  /** Distinct error messages of the step (first occurrence each), bounded. */
  lines: { line: LogLine; kinds: SignalKind[]; key: string }[];
  keys: Set<string>;
}

/** Distinct error lines kept per step while scanning, before choosing the few to show. */
const MAX_CANDIDATES_PER_STEP = 200;

export function analyzeLog(log: string, jobName?: string | null): LogAnalysis {
  const rawLines = log.split('\n');
  if (rawLines.length > 1 && rawLines.at(-1) === '') rawLines.pop();
  const lines: string[] = new Array<string>(rawLines.length);
  const repeated = new Map<
    string,
    { count: number; first: string; order: number; retrying: boolean; flagged: boolean }
  >();
  const failures = new Map<string, StepFailure>();
  const stepHeaders: LogLine[] = [];
  const errorLines: number[] = [];
  let step = jobName ?? 'job';
  let errors = 0;
  let warnings = 0;
  let exitCode: number | null = null;
  let terminal: Terminal | null = null;
  let sawPartial = false;
  let hasFatal = false;
  let inTraceback = false;
  let cause: {
    kind: SignalKind;
    line: LogLine;
    rank: number;
    exitCode: number | null;
    causedBy: boolean;
  } | null = null;

  for (let index = 0; index < rawLines.length; index += 1) {
    const raw = rawLines[index]!;
    const text = displayLine(raw);
    lines[index] = text;
    if (text.trim() === '') continue;
    const number = index + 1;
    const body = withoutTimestamp(text);
    const message = body.trimStart();
    if (message === '' || STEP_END.test(message)) continue;
    const indented = message.length < body.length;

    const header = stepHeader(
      message,
      raw.startsWith('section_start:') || raw.startsWith('\x1b') ? raw.replace(ANSI, '') : raw,
    );
    if (header) {
      step = header;
      stepHeaders.push({ number, text });
      inTraceback = false;
      continue;
    }
    if (indented && FRAME.test(message)) continue;
    // A Python traceback: frames and source lines are indented; the first unindented line names
    // the exception (unless it introduces a chained traceback).
    let exceptionLine = false;
    if (inTraceback) {
      if (indented) continue;
      inTraceback = false;
      exceptionLine = !/^(?:During handling|The above exception)/.test(message);
    }

    const key = messageKey(message);
    const seen = repeated.get(key);
    if (seen) seen.count += 1;

    let classified = classify(message);
    // The header only announces a traceback; the exception line after its frames names the cause.
    const tracebackHeader = /^Traceback \(most recent call last\)/.test(message);
    if (tracebackHeader) {
      inTraceback = true;
      classified = { ...PLAIN, kinds: ['exception'], error: true, fatal: true };
    } else if (exceptionLine) {
      const kinds = classified.kinds.includes('exception')
        ? classified.kinds
        : [...classified.kinds, 'exception' as const];
      classified = { ...classified, kinds, error: true, warning: false, fatal: true };
    }
    if (!seen) {
      const first =
        message.length > MAX_LINE_CHARS ? `${message.slice(0, MAX_LINE_CHARS)}…` : message;
      repeated.set(key, {
        count: 1,
        first,
        order: index,
        retrying:
          classified.error || (classified.warning && /\bretr(?:y|ying|ies)\b/i.test(message)),
        flagged: classified.error || classified.warning,
      });
    }
    if (classified.exitCode !== null) exitCode = classified.exitCode;
    if (classified.terminal) terminal = classified.terminal;
    if (classified.partial) sawPartial = true;
    if (classified.warning) warnings += 1;
    if (!classified.error) continue;

    errors += 1;
    errorLines.push(number);
    if (classified.fatal) hasFatal = true;
    const line = { number, text };
    let failure = failures.get(step);
    if (!failure) {
      failure = { step, lines: [], keys: new Set() };
      failures.set(step, failure);
    }
    if (!failure.keys.has(key) && failure.lines.length < MAX_CANDIDATES_PER_STEP) {
      failure.keys.add(key);
      failure.lines.push({ line, kinds: classified.kinds, key });
    }
    const lineRank = rank(classified.kinds);
    const causedBy = message.startsWith('Caused by: ');
    // The most specific signal wins; among equals the earliest, except that a later
    // "Caused by:" in a Java chain is closer to the root than the exception that wraps it.
    if (tracebackHeader) continue;
    if (
      !cause ||
      lineRank > cause.rank ||
      (lineRank === cause.rank && causedBy && classified.kinds.includes('exception'))
    ) {
      const kind = classified.kinds.reduce(
        (best, kind) => (PRECEDENCE[kind] > PRECEDENCE[best] ? kind : best),
        classified.kinds[0]!,
      );
      cause = { kind, line, rank: lineRank, exitCode: classified.exitCode, causedBy };
    }
  }

  const dominant = DOMINANT_SHARE * rawLines.length;
  const topRepeated = [...repeated.values()]
    .filter(
      (entry) =>
        entry.count >= MIN_REPEATS &&
        (entry.flagged || (entry.count >= dominant && !LEVEL_QUIET.test(entry.first))),
    )
    .sort((left, right) => right.count - left.count || left.order - right.order)
    .slice(0, MAX_REPEATED)
    .map(({ first, count, retrying }) => ({ message: first, count, retrying }));

  const failingSteps = [...failures.values()].map((failure) => ({
    step: failure.step,
    lines: chooseLines(failure, cause?.line.number),
  }));

  return {
    lines,
    errors,
    warnings,
    repeated: topRepeated,
    failingSteps,
    exitCode,
    terminal,
    sawPartial,
    hasFatal,
    cause: cause ? { kind: cause.kind, line: cause.line, exitCode: cause.exitCode } : null,
    stepHeaders,
    errorLines,
  };
}

/** The few lines that show a step's failure: the cause, the most specific signals, the exit. */
function chooseLines(failure: StepFailure, causeLine: number | undefined): LogLine[] {
  if (failure.lines.length <= MAX_LINES_PER_STEP) return failure.lines.map(({ line }) => line);
  const ranked = [...failure.lines].sort((left, right) => {
    const priority = (entry: (typeof failure.lines)[number]) =>
      (entry.line.number === causeLine ? 100 : 0) +
      (entry.kinds.includes('exit-code') ? 50 : 0) +
      rank(entry.kinds);
    return priority(right) - priority(left) || left.line.number - right.line.number;
  });
  return ranked
    .slice(0, MAX_LINES_PER_STEP)
    .map(({ line }) => line)
    .sort((left, right) => left.number - right.number);
}

/** Cached per input object: the runner drafts, prompts and parses from the same input. */
const cache = new WeakMap<JobLogInput, LogAnalysis>();

export function analysisOf(input: JobLogInput): LogAnalysis {
  let analysis = cache.get(input);
  if (!analysis) {
    analysis = analyzeLog(input.log, input.jobName);
    cache.set(input, analysis);
  }
  return analysis;
}
