/**
 * The screen's hand-written scans give what the regular expressions they replaced gave, on every
 * UTF-16 code unit and on random mixes of the characters each one treats specially: the shipped
 * classifier's weights are tied to its features bucket for bucket, so the model's view of a text
 * must not move by one character. (`bench/support/screen-fingerprints.ts` compares whole corpora
 * between two checkouts.)
 */
import { describe, expect, it } from 'vitest';
import { foldModelText } from '../../src/security/injection/features.js';
import { LEET } from '../../src/security/injection/normalize.js';

/** What `foldModelText` replaced: leet words folded, Markdown out, whitespace collapsed, trimmed. */
function referenceModelText(lower: string): string {
  const leet = /[a-z][013457]|[013457][a-z]/.test(lower)
    ? lower.replace(/[a-z013457]*[a-z][a-z013457]*/g, (token) => {
        const digits = token.replace(/[a-z]/g, '').length;
        if (digits === 0 || token.length - digits < 2 || digits > token.length - digits)
          return token;
        return token.replace(/[013457]/g, (d) => LEET[d]!);
      })
    : lower;
  return leet
    .replace(/[*_~`#>|]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A seeded generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
}

describe("the classifier's text folding", () => {
  it('treats every code unit as the regular expressions did', () => {
    const differ: string[] = [];
    for (let c = 0; c < 0x10000; c++) {
      const ch = String.fromCharCode(c);
      for (const text of [`ab${ch}cd`, `${ch}x`, `x${ch}`, ` ${ch} `, `1${ch}e`, `e${ch}3`])
        if (foldModelText(text) !== referenceModelText(text)) differ.push(JSON.stringify(text));
    }
    expect(differ).toEqual([]);
  });

  it('folds random mixes of letters, leet digits, Markdown and whitespace the same way', () => {
    const alphabet = [...'abeiost013457289 *_~`#>|\n\t.-!@$', '\u00a0', '\u2003', '\u3000', 'é'];
    const next = random(21);
    const differ: string[] = [];
    for (let n = 0; n < 50000; n++) {
      let text = '';
      const length = Math.floor(next() * 24);
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(next() * alphabet.length)];
      if (foldModelText(text) !== referenceModelText(text)) differ.push(JSON.stringify(text));
    }
    expect(differ).toEqual([]);
  });
});
