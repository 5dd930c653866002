/**
 * Property: however a model lays out the builtin digest's facts — heading levels, bold lines for
 * sections, bold or plain labels, case, bullets, a preamble, a fence, CRLF — the same typed digest
 * is read, with the same quoted log lines, for every fixture log.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jobDigest } from '../../../src/features/job-digest/index.js';
import { parseInput } from '../../../src/features/validate.js';
import { layoutStyle, relayout } from '../../support/layout-rewrite.js';
import { SCENARIOS, jobLog } from './queries.js';

const now = new Date('2026-11-22T14:30:00Z');

describe('job digest layout', () => {
  it.each([...SCENARIOS, 'successful-restart' as const])(
    'reads the builtin digest of %s the same whatever its layout',
    (scenario) => {
      const input = parseInput(jobDigest.inputSchema, { log: jobLog(scenario), jobName: scenario });
      const draft = jobDigest.draftOffline(input, { now });
      const reading = jobDigest.parseOutput(draft, input, { now });
      expect(reading.ungrounded).toEqual([]);
      fc.assert(
        fc.property(layoutStyle, (style) => {
          const read = jobDigest.parseOutput(relayout(draft, style), input, { now });
          expect(read.output).toEqual(reading.output);
          expect(read.ungrounded).toEqual([]);
        }),
        { numRuns: 100 },
      );
    },
  );
});
