/**
 * Property: however a model lays out the builtin draft's facts — heading level, bold or plain
 * labels, colon inside or outside the bold, case, bullets, a preamble, a fence, CRLF — the same
 * typed status update is read.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { statusUpdate } from '../../../src/capabilities/status-update/index.js';
import { parseInput } from '../../../src/capabilities/validate.js';
import { withDates } from '../../fixtures/model-answers/index.js';
import { statusUpdateIncident } from '../../fixtures/model-answers/status-update.js';

const now = new Date('2026-11-22T14:30:00Z');

const layout = fc.record({
  headingLevel: fc.integer({ min: 1, max: 4 }),
  label: fc.constantFrom('bold-inside', 'bold-outside', 'plain', 'bold-dash'),
  case: fc.constantFrom('as-is', 'lower', 'upper'),
  bullets: fc.boolean(),
  sectionHeading: fc.constantFrom('heading', 'bold-line'),
  preamble: fc.boolean(),
  fence: fc.boolean(),
  crlf: fc.boolean(),
});

type Layout = typeof layout extends fc.Arbitrary<infer T> ? T : never;

/** The builtin draft with its layout rewritten; its facts untouched. */
function relayout(draft: string, style: Layout): string {
  const cased = (label: string) =>
    style.case === 'lower'
      ? label.toLowerCase()
      : style.case === 'upper'
        ? label.toUpperCase()
        : label;
  const lines = draft.split('\n').map((line) => {
    const heading = /^(#+)\s+(.*)$/.exec(line);
    if (heading?.[1] === '#') return `${'#'.repeat(style.headingLevel)} ${heading[2]}`;
    if (heading)
      return style.sectionHeading === 'heading'
        ? `${'#'.repeat(Math.min(style.headingLevel + 1, 4))} ${cased(heading[2]!)}`
        : `**${cased(heading[2]!)}**`;
    const label = /^\*\*([^*]+):\*\*\s*(.*)$/.exec(line);
    if (!label) return line;
    const name = cased(label[1]!);
    const written = {
      'bold-inside': `**${name}:** ${label[2]}`,
      'bold-outside': `**${name}**: ${label[2]}`,
      plain: `${name}: ${label[2]}`,
      'bold-dash': `**${name}** — ${label[2]}`,
    }[style.label];
    return style.bullets ? `- ${written}` : written;
  });
  let text = lines.join('\n');
  if (style.fence) text = `\`\`\`markdown\n${text}\n\`\`\``;
  if (style.preamble)
    text = `Sure! Here is the status update you asked for:\n\n${text}\n\nLet me know if you need changes.`;
  return style.crlf ? text.replaceAll('\n', '\r\n') : text;
}

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
        fc.property(layout, (style) => {
          const read = statusUpdate.parseOutput(relayout(draft, style), input, { now }).output;
          expect(read).toEqual(output);
        }),
        { numRuns: 150 },
      );
    },
  );
});
