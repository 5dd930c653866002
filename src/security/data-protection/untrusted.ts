/**
 * The untrusted text of a request as the injection screen reads it: every string inside a
 * capability's input (titles, timeline messages, notes, chat, questions, logs, ...) or a ticket,
 * one per line. Keys, numbers, booleans and dates are the service's own structure, not text a
 * user wrote.
 */

/** Every string in `value`, depth first, joined by newlines. */
export function untrustedText(value: unknown): string {
  const out: string[] = [];
  collect(value, out, 0);
  return out.join('\n');
}

/** Deeper than any input schema nests; a guard against cycles in hand-built objects. */
const MAX_DEPTH = 32;

function collect(value: unknown, out: string[], depth: number): void {
  if (typeof value === 'string') {
    if (value.length > 0) out.push(value);
    return;
  }
  if (depth >= MAX_DEPTH || value === null || typeof value !== 'object' || value instanceof Date)
    return;
  if (Array.isArray(value)) {
    for (const item of value) collect(item, out, depth + 1);
    return;
  }
  for (const item of Object.values(value)) collect(item, out, depth + 1);
}

/**
 * Cuts a long text into pieces of at most `size` characters at line ends (a line longer than
 * `size` is cut inside), so a 2 MiB log can be screened a piece at a time.
 */
export function segments(text: string, size: number): string[] {
  if (text.length <= size) return [text];
  const out: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + size);
    if (end < text.length) {
      const newline = text.lastIndexOf('\n', end);
      if (newline > start) end = newline + 1;
    }
    out.push(text.slice(start, end));
    start = end;
  }
  return out;
}
