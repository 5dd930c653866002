/**
 * Property: however a model lays out the builtin answer's sources line — bold or plain label,
 * colon inside or outside, case, a bullet — and whether it wraps the answer in a preamble, a fence
 * or CRLF, the same citations are read and the answer keeps its words.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assistant } from '../../../src/features/assistant/index.js';
import { parseInput } from '../../../src/features/validate.js';
import { assistantScenarios } from '../../fixtures/assistant-context.js';
import { incidents, SCENARIOS } from '../../fixtures/incidents/index.js';
import { withDates } from '../../fixtures/model-answers/index.js';
import { layoutStyle, relayout } from '../../support/layout-rewrite.js';

const now = new Date('2026-12-01T00:00:00Z');

describe('assistant answer layout', () => {
  it.each(SCENARIOS)('reads the builtin %s answer the same whatever its layout', (scenario) => {
    const { context, grounded } = assistantScenarios[scenario];
    const input = parseInput(assistant.inputSchema, {
      question: grounded.question,
      incident: withDates(incidents[scenario]),
      context,
    });
    const draft = assistant.draftOffline(input, { now });
    const { output } = assistant.parseOutput(draft, input, { now });
    expect(output.citations).toEqual(expect.arrayContaining(grounded.cites));
    fc.assert(
      fc.property(layoutStyle, (style) => {
        const read = assistant.parseOutput(relayout(draft, style), input, { now }).output;
        expect(read).toMatchObject({
          citations: output.citations,
          answered: output.answered,
          needsHuman: output.needsHuman,
        });
        // The answer is what the model wrote before its sources, without a fence around it.
        expect(read.answer).toContain(output.answer);
        expect(read.answer).not.toMatch(/^```/m);
      }),
      { numRuns: 100 },
    );
  });
});
