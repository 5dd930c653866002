/**
 * Each kind of failure a responder meets, as its tool logs it: the builtin digest names the
 * outcome, the exit code, a cause specific to the kind quoting the log's own line, and a next step
 * for that kind. Routine repeated lines stay out of the findings.
 */
import { describe, expect, it } from 'vitest';
import { analyzeLog } from '../../../src/features/job-digest/analysis.js';
import { jobDigest } from '../../../src/features/job-digest/index.js';
import { FAILURE_KINDS, failureKindLog } from '../../fixtures/job-logs/failure-kinds/index.js';
import { terminalLines } from './queries.js';

function digest(log: string, extra: Record<string, unknown> = {}) {
  const input = jobDigest.inputSchema.parse({ log, ...extra });
  const now = new Date();
  return jobDigest.parseOutput(jobDigest.draftOffline(input, { now }), input, { now }).output;
}

describe('job digests name each kind of failure', () => {
  it.each(Object.entries(FAILURE_KINDS))('%s', (_kind, expected) => {
    const log = failureKindLog(expected.log);
    const output = digest(log);
    expect(output.outcome).toBe(expected.outcome);
    expect(output.exitCode).toBe(expected.exitCode);
    expect(output.likelyCause).toMatch(expected.cause);
    const [, number, quote] = output.likelyCause!.match(/line (\d+) reads `(.+)`/)!;
    expect(terminalLines(log)[Number(number) - 1]!.trim()).toBe(quote);
    expect(output.nextSteps.some((step) => expected.step.test(step))).toBe(true);
  });
});

describe('outcome and findings', () => {
  it('reads a bare "Killed" and exit code 137 as out of memory', () => {
    const killed = digest('$ node build.mjs\nbuilding 1412 modules\nKilled\n');
    expect(killed.outcome).toBe('FAILED');
    expect(killed.likelyCause).toMatch(/^The process ran out of memory.*`Killed`/);
    const reported = digest('$ ./train.sh\nepoch 3/10\n', { exitCode: 137 });
    expect(reported.likelyCause).toMatch(/exit code 137.*OOM killer/);
  });

  it('ends UNKNOWN only when the log shows no end', () => {
    expect(digest('step 1 of 4 done\nstep 2 of 4 running\n').outcome).toBe('UNKNOWN');
    expect(digest('write: No space left on device\n').outcome).toBe('FAILED');
  });

  it('leaves routine repeats out of the findings and keeps warnings and dominant lines', () => {
    const routine = Array.from({ length: 300 }, () => 'INFO compiling module 0 ok');
    const warnings = Array.from({ length: 4 }, (_, i) => `WARN cache miss for chunk ${i}`);
    const done = ['Build finished successfully'];
    expect(analyzeLog([...routine, ...warnings, ...done].join('\n')).repeated).toEqual([
      { message: 'WARN cache miss for chunk 0', count: 4, retrying: false },
    ]);
    // A job stuck printing one plain line is a finding: it is most of the log.
    const stuck = Array.from({ length: 50 }, () => 'waiting for lock on /var/lib/app/db.lock');
    expect(analyzeLog(['starting', ...stuck].join('\n')).repeated).toEqual([
      { message: 'waiting for lock on /var/lib/app/db.lock', count: 50, retrying: false },
    ]);
  });
});
