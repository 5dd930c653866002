/**
 * Markdown pieces the drafted layouts share (runbook, job digest): quoting a value as a code span
 * and reading it back, `**Label:** value` lines, and list items. Writer and parser live side by
 * side so a value written by one always reads back through the other.
 */

/** A Markdown code span that survives backticks inside the text. */
export function codeSpan(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((run) => run[0].length));
  const fence = '`'.repeat(longest + 1);
  // A span may not start or end with its own fence character, and `` is no span at all: pad both.
  const pad = text.startsWith('`') || text.endsWith('`') || text === '' ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** The content of a value written as one code span, or the value itself. */
export function unCodeSpan(value: string): string {
  const match = value.trim().match(/^(`+)([\s\S]*?)\1$/);
  if (!match) return value.trim();
  const inner = match[2]!;
  return inner.startsWith(' ') && inner.endsWith(' ') && inner.trim() ? inner.slice(1, -1) : inner;
}

/** The value of the first `**Label:** value` line (label matched case-insensitively), if not empty. */
export function labelled(lines: readonly string[], label: string): string | undefined {
  const prefix = `**${label.toLowerCase()}:**`;
  const line = lines.find((candidate) => candidate.trim().toLowerCase().startsWith(prefix));
  return line?.trim().slice(prefix.length).trim() || undefined;
}

/** The text of every `- `, `* ` or numbered list item, trimmed; empty items are dropped. */
export function listItems(lines: readonly string[] | undefined): string[] {
  return (lines ?? [])
    .map((line) => line.match(/^\s*(?:[-*]|\d+[.)])\s+(.*)$/)?.[1]?.trim())
    .filter((item): item is string => !!item);
}
