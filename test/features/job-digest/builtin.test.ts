/**
 * draftJobDigest through GraphQL with the builtin provider: every scenario's log gets the right
 * outcome, the exact failing lines, and a cause that quotes the log; a successful job is told
 * apart; bad input is refused; streaming delivers the whole digest; a 2 MiB log goes through.
 */
import { describe, expect, it } from 'vitest';
import { MAX_LOG_BYTES } from '../../../src/features/job-digest/input.js';
import {
  expectBadUserInput,
  expectCompleteStream,
  serverWithBuiltinProvider,
} from '../../support/generation-queries.js';
import {
  DRAFT_JOB_DIGEST,
  bigLog,
  jobLog,
  draftJobDigest,
  terminalLines,
  type Scenario,
} from './queries.js';

interface Expectation {
  outcome: string;
  exitCode: number | null;
  /** Text that some failing line must contain. */
  failingLines: string[];
  /** Text the likely cause must contain. */
  cause: RegExp;
}

const EXPECTED: Record<Exclude<Scenario, 'successful-restart'>, Expectation> = {
  'bad-deploy': {
    outcome: 'FAILED',
    exitCode: 1,
    failingLines: [
      'Error: UPGRADE FAILED: timed out waiting for the condition',
      '##[error]Process completed with exit code 1.',
      "TypeError: Cannot read properties of undefined (reading 'defaultCurrency')",
    ],
    cause: /unhandled exception.*TypeError: Cannot read properties of undefined/,
  },
  'database-failover': {
    outcome: 'FAILED',
    exitCode: 2,
    failingLines: [
      'port 5432 failed: Connection refused',
      'timed out after 120s waiting for a connection',
      'runbook orders-db-failover failed: exit code 2',
    ],
    cause: /refused or dropped connections.*Connection refused/,
  },
  'certificate-expiry': {
    outcome: 'FAILED',
    exitCode: 1,
    failingLines: [
      'javax.net.ssl.SSLHandshakeException: PKIX path validation failed',
      'Caused by: java.security.cert.CertificateExpiredException',
      'curl: (60) SSL certificate problem: certificate has expired',
    ],
    cause: /TLS certificate was rejected.*CertificateExpiredException: NotAfter/,
  },
  'dns-outage': {
    outcome: 'FAILED',
    exitCode: 2,
    failingLines: [
      'Temporary failure in name resolution',
      'status: SERVFAIL',
      'Error: getaddrinfo ENOTFOUND artifacts.internal.example.com',
    ],
    cause: /could not be resolved.*Temporary failure in name resolution/,
  },
  'memory-leak': {
    outcome: 'FAILED',
    exitCode: 137,
    failingLines: [
      'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
      'reason=OOMKilled, exit code 137',
    ],
    cause: /ran out of memory.*JavaScript heap out of memory/,
  },
  'third-party-outage': {
    outcome: 'PARTIAL',
    exitCode: 0,
    failingLines: [
      'giving up on batch 5: payments-provider returned 503 Service Unavailable after 5 attempts',
      'requests.exceptions.HTTPError: 503 Server Error',
    ],
    cause: /upstream service answered with server errors.*503 Service Unavailable/,
  },
};

describe('draftJobDigest with the builtin provider', () => {
  // A 2 MiB log takes more than 2 MiB once JSON-encoded (escaped quotes and ANSI codes): the
  // default body limit must let it through.
  const builtin = serverWithBuiltinProvider();

  const summarize = (input: Record<string, unknown>) => draftJobDigest(builtin.server, input);

  it.each(Object.entries(EXPECTED))(
    'digests the %s log: outcome, exact failing lines, grounded cause',
    async (name, expected) => {
      const log = jobLog(name as Scenario);
      const lines = terminalLines(log);
      const generation = await summarize({ log, jobName: name });
      expect(generation).toMatchObject({
        status: 'SUCCEEDED',
        feature: 'JOB_DIGEST',
        provider: 'builtin',
        promptVersion: 'job-digest/1',
        groundingIssues: [],
        error: null,
      });
      const output = generation.output!;
      expect(output).toMatchObject({
        __typename: 'JobDigestOutput',
        jobName: name,
        outcome: expected.outcome,
        exitCode: expected.exitCode,
      });

      // Every failing line is the log's own line at that number, ANSI codes removed.
      const quoted = output.failingSteps.flatMap((step) =>
        step.lines.map((line, index) => ({ line, number: step.lineNumbers[index]! })),
      );
      expect(quoted.length).toBeGreaterThan(0);
      for (const { line, number } of quoted) {
        expect(line).toBe(lines[number - 1]);
        expect(line).not.toContain('\x1b');
      }
      for (const fragment of expected.failingLines)
        expect(
          quoted.some(({ line }) => line.includes(fragment)),
          fragment,
        ).toBe(true);

      // The cause quotes a line of the log, at the line number it gives.
      expect(output.likelyCause).toMatch(expected.cause);
      const [, number, quote] = output.likelyCause!.match(/line (\d+) reads `(.+)`/)!;
      expect(lines[Number(number) - 1]!.trim()).toBe(quote);

      expect(output.nextSteps.length).toBeGreaterThan(1);
      expect(output.stats.lines).toBe(lines.length - 1); // the file ends with a newline
      expect(output.stats.errors).toBeGreaterThanOrEqual(quoted.length);
    },
  );

  it('collapses the repeated messages of a retry loop', async () => {
    const output = (await summarize({ log: jobLog('database-failover') })).output!;
    expect(output.stats.repeatedMessages[0]).toEqual({
      message:
        'psql: error: connection to server at "orders-db.cluster-c9x2k7.us-east-1.rds.amazonaws.com" (10.20.3.41), port 5432 failed: Connection refused',
      count: 12,
    });
    expect(output.nextSteps.some((step) => step.includes('repeats 12 times'))).toBe(true);
  });

  it('tells a successful job apart: no failing steps, no cause', async () => {
    const log = jobLog('successful-restart');
    const generation = await summarize({ log, jobName: 'restart-search-api' });
    expect(generation.groundingIssues).toEqual([]);
    expect(generation.output).toMatchObject({
      outcome: 'SUCCEEDED',
      failingSteps: [],
      likelyCause: null,
      exitCode: null,
      stats: { errors: 0, warnings: 1 },
    });
    expect(generation.text).toContain('**Likely cause:** Not determinable from the log.');
  });

  it('uses the exit code the scheduler reported over the log', async () => {
    const output = (await summarize({ log: jobLog('successful-restart'), exitCode: 143 })).output!;
    expect(output).toMatchObject({ outcome: 'FAILED', exitCode: 143 });
    expect(output.likelyCause).toContain('exit code 143');
  });

  it.each([
    ['an empty log', { log: '' }, /log: must not be empty/],
    ['a log of blank lines', { log: ' \n\n \t\n' }, /log: must not be empty/],
    ['a log over 2 MiB', { log: 'a'.repeat(MAX_LOG_BYTES + 1) }, /log: Too big/],
    [
      'a log over 2 MiB of UTF-8 in fewer characters',
      { log: '€'.repeat(800_000) },
      /log: Too big.*UTF-8/,
    ],
    ['a log of the wrong type', { log: 42 }, /String/],
    ['an exit code of the wrong type', { log: 'x', exitCode: 'one' }, /Int/],
    ['an overlong job name', { log: 'x', jobName: 'j'.repeat(201) }, /jobName/],
  ])('refuses %s with BAD_USER_INPUT', async (_name, input, mentions) => {
    await expectBadUserInput(builtin.server, DRAFT_JOB_DIGEST, input, mentions);
  });

  it('streams the digest: ordered deltas whose concatenation is the final text', async () => {
    const started = await summarize({
      log: jobLog('bad-deploy'),
      jobName: 'deploy-checkout-api',
      stream: true,
      incidentId: 'INC-4821',
    });
    expect(started).toMatchObject({ status: 'RUNNING', incident: { id: 'INC-4821' } });
    await expectCompleteStream(builtin.server, started.id, 20);
  });

  // How fast is measured in bench/ (shared machines make timed assertions flaky); here, that it works.
  it('digests a log of almost 2 MiB through GraphQL', async () => {
    const log = bigLog(MAX_LOG_BYTES - 10_000);
    const generation = await summarize({ log, jobName: 'nightly-batch' });
    expect(generation.status).toBe('SUCCEEDED');
    expect(generation.output!.outcome).toBe('FAILED');
    expect(generation.output!.stats.lines).toBeGreaterThan(20_000);
  });
});
