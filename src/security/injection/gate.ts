/**
 * The screen's prefilter: one pass over a text collects its words, and a rule's pattern runs only
 * when the text holds what every match of it must (the rule's gate, rules.ts). Most text, a log or
 * a support message, holds the trigger words of few rules, so most patterns never scan it: the
 * screen's result is the same, at a fraction of the cost.
 */
import type { RuleGate } from './rules.js';

/** Told of each run of ASCII letters, by its bounds, as `asciiWords` reads the text. */
export interface RunReader {
  read(text: string, start: number, end: number): void;
}

/**
 * The runs of ASCII letters in a text, lower-cased. A run ends at anything else (digits, `_`,
 * punctuation, non-ASCII letters), so every word a `\b`-delimited, case-insensitive pattern
 * matches is one of them, or (next to a digit or `_`) the gate lets the pattern decide. A `reader`
 * is told of each run in the same walk (rule-starts.ts finds where rules can match).
 */
export function asciiWords(text: string, reader?: RunReader): Set<string> {
  const words = new Set<string>();
  let start = -1;
  // Most words are lower case already and need no lower-cased copy.
  let upper = false;
  const length = text.length;
  for (let i = 0; i <= length; i++) {
    const c = i < length ? text.charCodeAt(i) : 0;
    if (c >= 0x61 && c <= 0x7a) {
      if (start < 0) start = i;
    } else if (c >= 0x41 && c <= 0x5a) {
      if (start < 0) start = i;
      upper = true;
    } else if (start >= 0) {
      reader?.read(text, start, i);
      const word = text.slice(start, i);
      words.add(upper ? word.toLowerCase() : word);
      start = -1;
      upper = false;
    }
  }
  return words;
}

/** Whether a text with these words could match a rule with this gate. */
export function mayMatch(gate: RuleGate, words: ReadonlySet<string>, text: string): boolean {
  if (gate.words)
    for (const list of gate.words) if (!list.some((word) => words.has(word))) return false;
  return gate.text === undefined || gate.text.test(text);
}
