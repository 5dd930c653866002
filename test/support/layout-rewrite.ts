/**
 * A draft's layout rewritten the ways models vary it — heading levels, bold lines for headings,
 * bold or plain labels with the colon inside or outside, case, bullets, a fence, CRLF, a preamble —
 * with its facts untouched: the property tests read the rewritten builtin drafts and expect the
 * same typed output.
 */
import fc from 'fast-check';

export const layoutStyle = fc.record({
  headingLevel: fc.integer({ min: 1, max: 4 }),
  label: fc.constantFrom('bold-inside', 'bold-outside', 'plain', 'bold-dash'),
  case: fc.constantFrom('as-is', 'lower', 'upper'),
  bullets: fc.boolean(),
  sectionHeading: fc.constantFrom('heading', 'bold-line'),
  preamble: fc.boolean(),
  fence: fc.boolean(),
  crlf: fc.boolean(),
});

export type LayoutStyle = typeof layoutStyle extends fc.Arbitrary<infer T> ? T : never;

/** The preamble and closing remark a chat model wraps around its draft. */
export const PREAMBLE = 'Sure! Here is the draft you asked for:';
export const CLOSING = 'Let me know if you need changes.';

/**
 * The draft with its layout rewritten. The title (`#`) moves to `headingLevel`; sections (`##`)
 * sit one below it, or become bold lines; deeper headings (names, not section labels) keep their
 * depth below the title and their case. `**Label:** value` lines, and `- Label: value` items, take
 * the label style.
 */
export function relayout(draft: string, style: LayoutStyle): string {
  const cased = (label: string) =>
    style.case === 'lower'
      ? label.toLowerCase()
      : style.case === 'upper'
        ? label.toUpperCase()
        : label;
  const labelled = (name: string, value: string) =>
    ({
      'bold-inside': `**${cased(name)}:** ${value}`,
      'bold-outside': `**${cased(name)}**: ${value}`,
      plain: `${cased(name)}: ${value}`,
      'bold-dash': `**${cased(name)}** — ${value}`,
    })[style.label];
  const lines = draft.split('\n').map((line) => {
    const heading = /^(#+)\s+(.*)$/.exec(line);
    if (heading) {
      const depth = heading[1]!.length;
      const level = style.headingLevel + depth - 1;
      if (depth === 1) return `${'#'.repeat(style.headingLevel)} ${heading[2]}`;
      if (depth > 2) return `${'#'.repeat(level)} ${heading[2]}`;
      return style.sectionHeading === 'heading'
        ? `${'#'.repeat(level)} ${cased(heading[2]!)}`
        : `**${cased(heading[2]!)}**`;
    }
    const label = /^\*\*([^*]+):\*\*\s*(.*)$/.exec(line);
    if (label) {
      const written = labelled(label[1]!, label[2]!);
      return style.bullets ? `- ${written}` : written;
    }
    // `- Command: x`: a label of a few words, not a sentence or a line number (`- L13: x`).
    const item = /^(\s*[-*] )([A-Z][a-z]+(?: [a-z]+){0,2}): (.*)$/.exec(line);
    return item ? `${item[1]}${labelled(item[2]!, item[3]!)}` : line;
  });
  let text = lines.join('\n');
  if (style.fence) text = `\`\`\`markdown\n${text}\n\`\`\``;
  if (style.preamble) text = `${PREAMBLE}\n\n${text}\n\n${CLOSING}`;
  return style.crlf ? text.replaceAll('\n', '\r\n') : text;
}
