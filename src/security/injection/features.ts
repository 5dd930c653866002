/**
 * What the trained classifier sees of a text: hashed word unigrams and bigrams and character 4-
 * and 5-grams of its normalized form. Normalization puts other languages' attack words in English
 * (lexicon.ts), undoes the disguises that defeat word lists (NFKC, zero-width and tag characters,
 * Cyrillic and Greek look-alikes, leetspeak, spaced letters, via `foldForMatching`) and drops
 * Markdown emphasis, so `**NEW INSTRUCTIONS**`, `1gn0re` and `іgnore` reach the model as
 * `new instructions` and `ignore`. Character n-grams carry the languages without spaces (Chinese,
 * Japanese) and the inflections of the others. 3-grams were dropped: held out, recall moved by
 * 0.3 points averaged over attack collections and false positives fell on every benign set,
 * with a fifth fewer weight lookups per character.
 *
 * A feature's value is its count divided by the square root of the number of features in the
 * text. Unlike a true L2 norm this needs no table of counts: a text's logit is the sum of the
 * weights of its features as they stream past, which is what keeps scoring near 0.05 ms per KB,
 * and lets any window of the text be scored from prefix sums.
 *
 * Training (scripts/injection/train.ts) and scoring share this file, so the two cannot drift.
 */
import { asciiWords, type TextWords } from './gate.js';
import { englishLexicon, piecesMayHoldLexicon } from './lexicon.js';
import { foldForMatching, foldLines, LEET, type FoldedLines } from './normalize.js';
import { isNonAsciiSpace } from './whitespace.js';
import { FNV_OFFSET_BASIS, FNV_PRIME } from './fnv.js';

/**
 * Whether a code unit is what `\s` matches (ECMAScript WhiteSpace and LineTerminator, which
 * `trim()` strips too) or Markdown layout (`*_~\`#>|`: emphasis, code ticks, heading and quote
 * markers). Runs of these are one space in the model's view.
 */
function isSeparator(c: number): boolean {
  if (c < 0x80)
    return (
      c === 0x20 ||
      (c >= 0x09 && c <= 0x0d) ||
      c === 0x2a ||
      c === 0x5f ||
      c === 0x7e ||
      c === 0x60 ||
      c === 0x23 ||
      c === 0x3e ||
      c === 0x7c
    );
  return isNonAsciiSpace(c);
}

/** The leet digits `foldLeetWords` maps (0 1 3 4 5 7), by code unit: their letter, else 0. */
const LEET_LETTER = new Uint16Array(0x3a);
for (const digit of '013457') LEET_LETTER[digit.charCodeAt(0)] = LEET[digit]!.charCodeAt(0);

const isLower = (c: number): boolean => c >= 0x61 && c <= 0x7a;

function holdsLineBreak(text: string, start: number, end: number): boolean {
  for (let k = start; k < end; k++) if (text.charCodeAt(k) === 0x0a) return true;
  return false;
}

/**
 * `foldForMatching` maps leetspeak only between letters; the model also folds a word's leading and
 * trailing digits (`1gn0r3`, `rul35`, `4ll`): in each run of lower-case letters and leet digits
 * that holds a letter, when letters outnumber the digits and number two at least. Then Markdown
 * out and whitespace collapsed (`isSeparator`), in the same pass: most text changes only where a
 * separator run is not a single space, and is copied in slices between those places. Where a
 * collapsed run held a line break, the position of its space is pushed onto `lineBreaks`.
 */
export function foldModelText(lower: string, lineBreaks?: number[]): string {
  const length = lower.length;
  let out = '';
  /** Where the text not yet copied to `out` starts. */
  let copied = 0;
  let i = 0;
  while (i < length) {
    const c = lower.charCodeAt(i);
    if (isSeparator(c)) {
      let end = i + 1;
      while (end < length && isSeparator(lower.charCodeAt(end))) end++;
      // A single space inside the text stays as it is; any other run becomes one space, or
      // nothing at either end.
      if (c !== 0x20 || end - i > 1 || i === 0 || end === length) {
        out += lower.slice(copied, i);
        if (i > 0 && end < length) {
          if (lineBreaks && holdsLineBreak(lower, i, end)) lineBreaks.push(out.length);
          out += ' ';
        }
        copied = end;
      }
      i = end;
    } else if (isLower(c) || (c < 0x3a && LEET_LETTER[c]! !== 0)) {
      let end = i;
      let digits = 0;
      for (; end < length; end++) {
        const d = lower.charCodeAt(end);
        if (isLower(d)) continue;
        if (d < 0x3a && LEET_LETTER[d]! !== 0) digits++;
        else break;
      }
      const letters = end - i - digits;
      if (digits > 0 && letters >= 2 && digits <= letters) {
        out += lower.slice(copied, i);
        for (let k = i; k < end; k++) {
          const d = lower.charCodeAt(k);
          out += String.fromCharCode(isLower(d) ? d : LEET_LETTER[d]!);
        }
        copied = end;
      }
      i = end;
    } else i++;
  }
  return copied === 0 ? lower : out + lower.slice(copied);
}

/**
 * The classifier's view of a text: other languages' attack words in English (lexicon.ts), then
 * folded for matching (reusing the screen's folded lines where the lexicon changed nothing), lower
 * case, leet words folded, Markdown out, whitespace collapsed. The positions where a line ended
 * (now spaces) are pushed onto `lineBreaks` when given.
 */
export function normalizeForModel(
  text: string,
  lines: FoldedLines = foldLines(text),
  words: TextWords = asciiWords(text),
  lineBreaks?: number[],
): string {
  const lexicon = piecesMayHoldLexicon(text, lines.pieces, words.lexiconRuns);
  const parts = lines.pieces.map((piece, i) => {
    const english = lexicon[i] ? englishLexicon(piece) : piece;
    return english === piece ? lines.folded[i]! : foldForMatching(english);
  });
  return foldModelText(parts.join('\n').toLowerCase(), lineBreaks);
}

const SEED_CHAR = 0x9e3779b9;

/**
 * Whether a code unit belongs to a word: ASCII letters and digits, the apostrophe, and everything
 * from Latin-1 letters up except the punctuation blocks (general, CJK and full-width). Letters of
 * every script count, so Cyrillic, Greek and CJK words are words.
 */
function isWordUnit(c: number): boolean {
  if (c < 0x80)
    return (
      (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || c === 0x27
    );
  if (c < 0xc0) return false;
  if (c >= 0x2000 && c <= 0x2bff) return false;
  if (c >= 0x3000 && c <= 0x303f) return false;
  return !(c >= 0xff00 && c <= 0xff0f) && !(c >= 0xff1a && c <= 0xff20);
}

/**
 * Calls `emit(position, bucket)` for every feature of a normalized text, in text order: each
 * character n-gram at its start, each word and word pair at the word's end.
 */
export function forEachFeature(
  normalized: string,
  bits: number,
  emit: (position: number, bucket: number) => void,
): void {
  const mask = (1 << bits) - 1;
  const length = normalized.length;
  const at = (i: number): number => (i < length ? normalized.charCodeAt(i) : 0x20);
  // Character n-grams over the text padded with a space on each side: c0..c4 are the code units
  // from position i on (c0 the pad when i is -1), read once each as the window slides.
  let c1 = 0x20;
  let c2 = at(0);
  let c3 = at(1);
  let c4 = at(2);
  let wordHash = FNV_OFFSET_BASIS;
  let inWord = false;
  let previousWord = 0;
  let hasPrevious = false;
  let nextIsWord = length > 0 && isWordUnit(c2);
  for (let i = -1; i < length; i++) {
    const c0 = c1;
    c1 = c2;
    c2 = c3;
    c3 = c4;
    c4 = at(i + 4);
    if (i + 3 <= length) {
      let h = Math.imul(SEED_CHAR ^ c0, FNV_PRIME);
      h = Math.imul(h ^ c1, FNV_PRIME);
      h = Math.imul(h ^ c2, FNV_PRIME);
      h = Math.imul(h ^ c3, FNV_PRIME);
      const start = i < 0 ? 0 : i;
      emit(start, ((h >>> 0) ^ 3) & mask);
      if (i + 4 <= length) emit(start, ((Math.imul(h ^ c4, FNV_PRIME) >>> 0) ^ 4) & mask);
    }
    if (i < 0) continue;
    // Words: c0 is the code unit at i, c1 the next one.
    const isWord = nextIsWord;
    nextIsWord = i + 1 < length && isWordUnit(c1);
    if (isWord) {
      wordHash = Math.imul((inWord ? wordHash : FNV_OFFSET_BASIS) ^ c0, FNV_PRIME);
      inWord = true;
    }
    if (inWord && !nextIsWord) {
      const word = wordHash >>> 0;
      emit(i, (Math.imul(word, 0x2545f491) >>> 0) & mask);
      if (hasPrevious)
        emit(i, ((Math.imul(previousWord ^ 0x5bd1e995, FNV_PRIME) ^ word) >>> 0) & mask);
      previousWord = word;
      hasPrevious = true;
      inWord = false;
    }
  }
}

export interface SparseVector {
  index: Int32Array;
  value: Float32Array;
}

/** The text's features as a sorted sparse vector (for training; scoring streams them instead). */
export function featureVector(text: string, bits: number): SparseVector {
  const counts = new Map<number, number>();
  let total = 0;
  forEachFeature(normalizeForModel(text), bits, (_, bucket) => {
    counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
    total++;
  });
  const index = Int32Array.from(counts.keys()).sort();
  const scale = 1 / Math.sqrt(total || 1);
  const value = Float32Array.from(index, (bucket) => counts.get(bucket)! * scale);
  return { index, value };
}
