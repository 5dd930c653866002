/**
 * Property: however a model lays out the builtin runbook's facts — heading levels, bold lines for
 * sections, bold or plain labels (on the runbook and on each step), case, bullets, a preamble, a
 * fence, CRLF — the same typed runbook is read.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runbook } from '../../../src/features/runbook/index.js';
import { parseInput } from '../../../src/features/validate.js';
import { runbookRequest } from '../../fixtures/model-answers/runbook.js';
import { layoutStyle, relayout } from '../../support/layout-rewrite.js';

const now = new Date('2026-11-22T14:30:00Z');

const REQUESTS = [
  runbookRequest,
  { request: 'restart the checkout pods in us-east-1', context: { environment: 'production' } },
  { request: 'flush the sessions Redis cache on cache-01' },
  { request: 'renew the TLS certificate of api.example.com with cert-manager' },
];

describe('runbook layout', () => {
  it.each(REQUESTS)(
    'reads the builtin draft for "$request" the same whatever its layout',
    (raw) => {
      const input = parseInput(runbook.inputSchema, raw);
      const draft = runbook.draftOffline(input, { now });
      const { output } = runbook.parseOutput(draft, input, { now });
      expect(output.steps.length).toBeGreaterThan(0);
      fc.assert(
        fc.property(layoutStyle, (style) => {
          expect(runbook.parseOutput(relayout(draft, style), input, { now }).output).toEqual(
            output,
          );
        }),
        { numRuns: 100 },
      );
    },
  );
});
