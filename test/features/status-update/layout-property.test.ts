/**
 * Property: however a model lays out the builtin draft's facts — heading level, bold or plain
 * labels, colon inside or outside the bold, case, bullets, a preamble, a fence, CRLF — the same
 * typed status update is read.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { statusUpdate } from '../../../src/features/status-update/index.js';
import { parseInput } from '../../../src/features/validate.js';
import { withDates } from '../../fixtures/model-answers/index.js';
import { statusUpdateIncident } from '../../fixtures/model-answers/status-update.js';
import { layoutStyle, relayout } from '../../support/layout-rewrite.js';

const now = new Date('2026-11-22T14:30:00Z');

describe('status update layout', () => {
  it.each(['INTERNAL', 'EXECUTIVE', 'CUSTOMER'])(
    'reads the %s builtin draft the same whatever its layout',
    (audience) => {
      const input = parseInput(statusUpdate.inputSchema, {
        incident: withDates(statusUpdateIncident),
        audience,
      });
      const draft = statusUpdate.draftOffline(input, { now });
      const { output } = statusUpdate.parseOutput(draft, input, { now });
      expect(output.needsHuman).toEqual([]);
      fc.assert(
        fc.property(layoutStyle, (style) => {
          const read = statusUpdate.parseOutput(relayout(draft, style), input, { now }).output;
          expect(read).toEqual(output);
        }),
        { numRuns: 150 },
      );
    },
  );
});
