/**
 * Property: however a model lays out the builtin postmortem's facts — heading levels, bold lines
 * for sections, bold or plain labels, case, bullets, a preamble, a fence, CRLF — the same typed
 * postmortem is read, for every incident scenario.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { postmortem } from '../../../src/features/postmortem/index.js';
import { parseInput } from '../../../src/features/validate.js';
import { SCENARIOS, incidents } from '../../fixtures/incidents/index.js';
import { withDates } from '../../fixtures/model-answers/index.js';
import { layoutStyle, relayout } from '../../support/layout-rewrite.js';

const now = new Date('2026-12-01T00:00:00Z');

describe('postmortem layout', () => {
  it.each(SCENARIOS)('reads the %s builtin draft the same whatever its layout', (scenario) => {
    const input = parseInput(postmortem.inputSchema, { incident: withDates(incidents[scenario]) });
    const draft = postmortem.draftOffline(input, { now });
    const { output } = postmortem.parseOutput(draft, input, { now });
    expect(output.title).toBe(incidents[scenario].title);
    fc.assert(
      fc.property(layoutStyle, (style) => {
        expect(postmortem.parseOutput(relayout(draft, style), input, { now }).output).toEqual(
          output,
        );
      }),
      { numRuns: 100 },
    );
  });
});
