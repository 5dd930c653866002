/**
 * The log analysis and the offline digest without a server: line cleaning, the signals it reads,
 * how the outcome is decided, how repeats collapse, and how fast a 2 MiB log goes through.
 */
import { describe, expect, it } from 'vitest';
import {
  analyzeLog,
  displayLine,
  withoutTimestamp,
} from '../../../src/features/job-digest/analysis.js';
import { digestJobLog } from '../../../src/features/job-digest/builtin.js';
import { jobDigest } from '../../../src/features/job-digest/index.js';
import { MAX_LOG_BYTES } from '../../../src/features/job-digest/input.js';
import { bigLog } from './queries.js';

const digest = (log: string, extra: { exitCode?: number; jobName?: string } = {}) =>
  digestJobLog(jobDigest.inputSchema.parse({ log, ...extra }));

describe('line cleaning', () => {
  it('strips ANSI codes and applies carriage-return overwrites', () => {
    expect(displayLine('\x1b[31;1mError:\x1b[0m boom')).toBe('Error: boom');
    expect(displayLine('progress 10%\rprogress 55%\rprogress 100%\r')).toBe('progress 100%');
    expect(displayLine('\x1b]8;;https://example.com\x07link\x1b]8;;\x07 text  ')).toBe('link text');
  });

  it('drops leading timestamps in the usual formats and keeps indentation after them', () => {
    expect(withoutTimestamp('2026-11-22T09:15:08.1234567Z Error: x')).toBe('Error: x');
    expect(withoutTimestamp('[2026-11-22 14:03:13] psql: error')).toBe('psql: error');
    expect(withoutTimestamp('2026-11-22 03:00:02,441 ERROR [main] x')).toBe('ERROR [main] x');
    expect(withoutTimestamp('Nov 22 09:15:08 host sshd[1]: x')).toBe('host sshd[1]: x');
    expect(withoutTimestamp('2026-11-22T09:15:11Z     at foo (bar.js:1:2)')).toBe(
      '    at foo (bar.js:1:2)',
    );
  });
});

describe('signals and outcome', () => {
  it('reads exit codes in their common spellings, the last one winning', () => {
    for (const line of [
      'exit code 3',
      'Process exited with status 3',
      'ERROR: Job failed: exit code 3',
      "Command 'x' returned non-zero exit status 3.",
      'exit status 3',
      'ExitCode: 3',
    ]) {
      expect(analyzeLog(`step one\n${line}\n`).exitCode, line).toBe(3);
    }
    // A command failed, was retried and succeeded: the job ended well, but not without a failure.
    expect(digest('build ok\nexit code 1\nretry\nexit code 0\n')).toMatchObject({
      exitCode: 0,
      outcome: 'PARTIAL',
    });
  });

  it('lets the scheduler’s exit code override the log', () => {
    expect(digest('all good\nJob succeeded\n', { exitCode: 2 }).outcome).toBe('FAILED');
    expect(digest('compiling\nlinking\n', { exitCode: 0 }).outcome).toBe('SUCCEEDED');
  });

  it('says UNKNOWN when the log does not show how the job ended', () => {
    const output = digest(
      '==> Step 1: sync\nsyncing 10 of 400 objects\nsyncing 20 of 400 objects\n',
    );
    expect(output).toMatchObject({
      outcome: 'UNKNOWN',
      failingSteps: [],
      likelyCause: null,
      exitCode: null,
    });
    expect(output.nextSteps[0]).toMatch(/does not say how the job ended/);
  });

  it('says PARTIAL when a finished job reports failed items', () => {
    expect(
      digest('processing\nRun finished with errors: 90 records processed, 10 failed\n').outcome,
    ).toBe('PARTIAL');
    expect(digest('ERROR item 7 rejected\nJob succeeded\n').outcome).toBe('PARTIAL');
  });

  it('names missing commands, refused permissions, timeouts and conventional exit codes', () => {
    expect(
      digest('+ helmfile sync\nbash: line 1: helmfile: command not found\nexit code 127\n')
        .likelyCause,
    ).toMatch(/^A command the job runs is not installed.*line 2/);
    expect(
      digest('cp: cannot create regular file /etc/app.conf: Permission denied\nexit code 1\n')
        .likelyCause,
    ).toMatch(/^An operation was refused for lack of permission/);
    expect(
      digest('Waiting for rollout\nError: context deadline exceeded\nexit code 1\n').likelyCause,
    ).toMatch(/^An operation timed out/);
    expect(digest('working\nworking\n', { exitCode: 137 }).likelyCause).toMatch(
      /exit code 137.*OOM killer \(as the scheduler reported it\)/,
    );
    // A bare non-zero exit tells that something failed, not why.
    expect(digest('working\nexit code 1\n').likelyCause).toBeNull();
  });

  it('reads a Python traceback as one exception, skipping its frames', () => {
    const log = [
      'Traceback (most recent call last):',
      '  File "/app/job.py", line 3, in <module>',
      '    main()',
      "KeyError: 'tenant_id'",
      'exit code 1',
    ].join('\n');
    const output = digest(log);
    expect(output.failingSteps[0]!.lines).toEqual([
      'Traceback (most recent call last):',
      "KeyError: 'tenant_id'",
      'exit code 1',
    ]);
    expect(output.likelyCause).toContain("KeyError: 'tenant_id'");
  });

  it('takes the root "Caused by" of a Java exception chain as the cause', () => {
    const log = [
      'Exception in thread "main" java.lang.IllegalStateException: sync failed',
      '\tat a.B.c(B.java:1)',
      'Caused by: java.io.UncheckedIOException: read failed',
      '\tat a.B.d(B.java:2)',
      'Caused by: java.lang.NumberFormatException: For input string: "n/a"',
      '\t... 3 more',
    ].join('\n');
    expect(digest(log).likelyCause).toContain('NumberFormatException');
  });

  it('does not count "0 errors", an error rate, or an INFO line about a planned failover as errors', () => {
    const analysis = analyzeLog(
      'Tests: 0 errors, 0 failed\nINFO error rate is 0.2%\nINFO expected: connection refused during failover\nWARN retrying\n',
    );
    expect(analysis).toMatchObject({ errors: 0, warnings: 1 });
  });

  it('collapses repeated messages whatever their numbers, and counts each once per line', () => {
    const log = Array.from(
      { length: 40 },
      (_, i) =>
        `2026-11-22T10:00:${String(i % 60).padStart(2, '0')}Z WARN retry ${i} of 40 after 503 Service Unavailable`,
    ).join('\n');
    const analysis = analyzeLog(`${log}\nERROR giving up\n`);
    expect(analysis.repeated).toEqual([
      { message: 'WARN retry 0 of 40 after 503 Service Unavailable', count: 40, retrying: true },
    ]);
    expect(analysis.warnings).toBe(40);
  });
});

describe('a 2 MiB log', () => {
  it('is digested, prompted and parsed back in well under a second (asserted under 3 s)', () => {
    const log = bigLog(MAX_LOG_BYTES - 10_000);
    expect(Buffer.byteLength(log)).toBeGreaterThan(2_000_000);
    const input = jobDigest.inputSchema.parse({ log, jobName: 'nightly-batch' });
    const started = performance.now();
    const text = jobDigest.draftOffline(input, { now: new Date() });
    const { output } = jobDigest.parseOutput(text, input, { now: new Date() });
    const messages = jobDigest.buildPrompt(input, { now: new Date() });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(3000);
    expect(output.stats.lines).toBeGreaterThan(20_000);
    expect(output.outcome).toBe('FAILED');
    // The model gets a bounded excerpt, not 2 MiB.
    expect(messages[1]!.content.length).toBeLessThan(80_000);
  });

  it('stays linear on pathological input: one 2 MiB line, and 260,000 error lines', () => {
    for (const log of ['x'.repeat(MAX_LOG_BYTES - 1), 'ERROR a\n'.repeat(260_000)]) {
      const input = jobDigest.inputSchema.parse({ log });
      const started = performance.now();
      jobDigest.parseOutput(jobDigest.draftOffline(input, { now: new Date() }), input, {
        now: new Date(),
      });
      expect(performance.now() - started).toBeLessThan(3000);
    }
  });
});
