/**
 * Undoing the cheap obfuscations payloads use to slip instruction phrases past keyword checks:
 * invisible characters between letters, Unicode tag characters carrying hidden ASCII, look-alike
 * letters from other scripts, full-width and mathematical letters, leetspeak, spaced-out letters.
 */

/**
 * Characters with no glyph that have no business inside Latin words. ZWJ and ZWNJ (U+200D, U+200C)
 * are left out: emoji sequences and Persian or Indic text use them legitimately.
 */
const INVISIBLE = /[\u200B\u2060-\u2064\uFEFF\u180E\u00AD\u115F\u1160\u3164]|\u034F/g;
/** ZWJ/ZWNJ squeezed between two Latin letters: no legitimate use. */
const JOINER_IN_WORD = /(?<=[A-Za-z])[\u200C\u200D]+(?=[A-Za-z])/g;
/**
 * Whether JOINER_IN_WORD can match: `includes` finds a joiner in a fraction of the time the
 * expression takes to try its lookbehind at every position, and most text has none.
 */
const mayHoldJoiner = (text: string): boolean => text.includes('\u200c') || text.includes('\u200d');
/** Explicit bidi embeddings, overrides and isolates (the "Trojan Source" characters). */
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/g;
/** Unicode tag characters: an invisible copy of ASCII ("ASCII smuggling"). */
const TAG_CHARACTERS = /[\u{E0000}-\u{E007F}]+/gu;
/** A code unit beyond ASCII: text without one has none of the characters this file undoes. */
const BEYOND_ASCII = /[\u0080-\uffff]/;

export interface InvisibleReport {
  /** Zero-width and other no-glyph characters (including joiners inside Latin words). */
  zeroWidth: number;
  bidiControls: number;
  tagCharacters: number;
  /** The ASCII that tag characters spell out, if any. */
  hiddenText: string;
}

/**
 * Every character `countInvisible` counts, in one class without `u` mode (tag characters by their
 * surrogate pair): most text beyond ASCII holds none, and is read once instead of four times.
 */
export const MAY_HOLD_INVISIBLE =
  // ZWNJ and ZWJ (U+200C, U+200D) are listed as code units on purpose.
  // eslint-disable-next-line no-misleading-character-class
  /[\u200B-\u200D\u2060-\u2064\uFEFF\u180E\u00AD\u115F\u1160\u3164\u034F\u202A-\u202E\u2066-\u2069]|\uDB40[\uDC00-\uDC7F]/;

export function countInvisible(text: string): InvisibleReport {
  if (!MAY_HOLD_INVISIBLE.test(text))
    return { zeroWidth: 0, bidiControls: 0, tagCharacters: 0, hiddenText: '' };
  let hiddenText = '';
  let tagCharacters = 0;
  for (const m of text.matchAll(TAG_CHARACTERS)) {
    for (const ch of m[0]) {
      tagCharacters++;
      const code = ch.codePointAt(0)! - 0xe0000;
      if (code >= 0x20 && code < 0x7f) hiddenText += String.fromCharCode(code);
    }
  }
  return {
    zeroWidth:
      (text.match(INVISIBLE)?.length ?? 0) +
      (mayHoldJoiner(text) ? (text.match(JOINER_IN_WORD)?.length ?? 0) : 0),
    bidiControls: text.match(BIDI_CONTROL)?.length ?? 0,
    tagCharacters,
    hiddenText,
  };
}

export function stripInvisible(text: string): string {
  if (!MAY_HOLD_INVISIBLE.test(text)) return text;
  const visible = text.replace(INVISIBLE, '');
  return (mayHoldJoiner(visible) ? visible.replace(JOINER_IN_WORD, '') : visible)
    .replace(BIDI_CONTROL, '')
    .replace(TAG_CHARACTERS, '');
}

/** Cyrillic, Greek and other letters that look like Latin ones (the common subset of Unicode confusables). */
const CONFUSABLES: Readonly<Record<string, string>> = {
  // Cyrillic
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  ѕ: 's',
  і: 'i',
  ї: 'i',
  ј: 'j',
  һ: 'h',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  ո: 'n',
  ɡ: 'g',
  ӏ: 'l',
  А: 'A',
  В: 'B',
  Е: 'E',
  К: 'K',
  М: 'M',
  Н: 'H',
  О: 'O',
  Р: 'P',
  С: 'C',
  Т: 'T',
  У: 'Y',
  Х: 'X',
  Ѕ: 'S',
  І: 'I',
  Ј: 'J',
  Ԁ: 'D',
  Ԛ: 'Q',
  Ԝ: 'W',
  // Greek
  α: 'a',
  ο: 'o',
  ν: 'v',
  ι: 'i',
  κ: 'k',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ε: 'e',
  Α: 'A',
  Β: 'B',
  Ε: 'E',
  Η: 'H',
  Ι: 'I',
  Κ: 'K',
  Μ: 'M',
  Ν: 'N',
  Ο: 'O',
  Ρ: 'P',
  Τ: 'T',
  Υ: 'Y',
  Χ: 'X',
  Ζ: 'Z',
};
const CONFUSABLE_CHARS = new RegExp(`[${Object.keys(CONFUSABLES).join('')}]`, 'g');

/**
 * What a reader sees rather than the code points: invisible characters out, NFKC (full-width and
 * mathematical letters), confusable letters mapped to Latin. Keyword routing rules match on this too.
 */
export function foldLookAlikes(text: string): string {
  return stripInvisible(text)
    .normalize('NFKC')
    .replace(CONFUSABLE_CHARS, (ch) => CONFUSABLES[ch] ?? ch);
}

const CYRILLIC_OR_GREEK_EXACT = /[\p{Script=Cyrillic}\p{Script=Greek}]/u;
/**
 * The blocks that hold every Cyrillic and Greek letter, by UTF-16 code unit (astral ones by their
 * high surrogate): a superset, tested without `u` mode in a fraction of the time the script
 * properties take on a line that has none (CJK, accented Latin). The screen-fast-paths test checks
 * it holds every code point of the two scripts.
 */
export const CYRILLIC_OR_GREEK_BLOCKS =
  // Combining Cyrillic letters (U+2DE0-2DFF, U+FE2E-FE2F) are listed as code units on purpose.
  // eslint-disable-next-line no-misleading-character-class
  /[\u0370-\u052f\u1c80-\u1c8f\u1d26-\u1dbf\u1f00-\u1fff\u2126\u2de0-\u2dff\ua640-\ua69f\uab65\ufe2e\ufe2f\ud800\ud834\ud838]/;
/** Whether a text holds a Cyrillic or Greek letter. */
const hasCyrillicOrGreek = (text: string): boolean =>
  CYRILLIC_OR_GREEK_BLOCKS.test(text) && CYRILLIC_OR_GREEK_EXACT.test(text);

/** A word mixing Latin letters with Cyrillic or Greek ones: almost always a disguise. */
export function mixedScriptWords(text: string, limit = 5): string[] {
  const found: string[] = [];
  if (!hasCyrillicOrGreek(text)) return found;
  for (const m of text.matchAll(/\p{L}{2,64}/gu)) {
    const word = m[0];
    if (/\p{Script=Latin}/u.test(word) && CYRILLIC_OR_GREEK_EXACT.test(word)) {
      found.push(word);
      if (found.length >= limit) break;
    }
  }
  return found;
}

export const TEXT_SPEAK: Readonly<Record<string, string>> = {
  ur: 'your',
  u: 'you',
  pls: 'please',
  plz: 'please',
  r: 'are',
  ppl: 'people',
};

export const LEET: Readonly<Record<string, string>> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '@': 'a',
  $: 's',
  '!': 'i',
  '|': 'l',
};
/** A leet character between letters, or a letter run broken by several. */
const LEETISH = /[A-Za-z][013457@$!|]+[A-Za-z]/;

/**
 * Folds a text to plain Latin for a second look: NFKC (full-width and mathematical letters),
 * invisible characters out, confusable letters mapped, leetspeak inside words mapped,
 * percent-escapes decoded, letters spaced or dotted out (`i g n o r e`, `i.g.n.o.r.e`) joined, and
 * text speak (`ur`, `u`, `pls`) spelled out. The result is for matching only.
 */
export function foldForMatching(text: string): string {
  // Most lines of logs and support text are ASCII with no leetspeak, percent-escape or spaced
  // letters: one walk tells so and spells out their text speak, where the passes below would each
  // read the line and give it back unchanged.
  const plain = spellOutAscii(text, true);
  if (plain !== null) return plain;
  // ASCII (most logs and much support text) holds no invisible or look-alike character and is its
  // own NFKC form: those passes would give it back unchanged.
  const ascii = !BEYOND_ASCII.test(text);
  let folded = ascii ? text : stripInvisible(text).normalize('NFKC');
  // Look-alike letters are mapped in words that hold a Latin letter (`іgnore`), and in words of
  // nothing but look-alikes only when the text has no real Cyrillic or Greek: in Russian text
  // `игнорируй` and `не` are words, and mapping their letters makes them noise.
  if (!ascii && hasCyrillicOrGreek(folded)) {
    const genuine = hasCyrillicOrGreek(folded.replace(CONFUSABLE_CHARS, ''));
    folded = folded.replace(/\p{L}+/gu, (word) =>
      /[A-Za-z]/.test(word) || (!genuine && word.replace(CONFUSABLE_CHARS, '') === '')
        ? word.replace(CONFUSABLE_CHARS, (ch) => CONFUSABLES[ch] ?? ch)
        : word,
    );
  }
  if (LEETISH.test(folded)) {
    folded = folded.replace(/[A-Za-z][A-Za-z013457@$!|]*[A-Za-z]/g, (word) =>
      word.replace(/[013457@$!|]/g, (ch) => LEET[ch] ?? ch),
    );
  }
  // Percent-encoding (`ignore%20previous%20instructions` in a logged URL).
  let decoded = false;
  if (folded.includes('%') && (folded.match(/%[0-9A-Fa-f]{2}/g)?.length ?? 0) >= 3) {
    decoded = true;
    folded = folded.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
  // Single letters separated by one space or punctuation mark, three or more in a row.
  folded = folded.replace(SPACED_LETTERS, (run) => run.replace(/[ .\-_*]/g, ''));
  // Text speak that keyword rules would otherwise miss.
  // Delimited by letters of any script: `\b` would take the `r` of `für` or `répond` for a word.
  return ascii && (!decoded || !BEYOND_ASCII.test(folded))
    ? spellOutAscii(folded, false)!
    : folded.replace(
        /(?<!\p{L})(?:ur|u|pls|plz|r|ppl)(?!\p{L})/giu,
        (w) => TEXT_SPEAK[w.toLowerCase()] ?? w,
      );
}

/** Single letters between separators, three or more (`i g n o r e`, `i.g.n.o.r.e`). */
const SPACED_LETTERS = /\b(?:[A-Za-z][ .\-_*]){2,}[A-Za-z]\b/g;

const isAsciiLetter = (c: number): boolean => (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
/** ASCII code units by the folding step they may call for: LEETISH's digits and signs, SPACED_LETTERS' separators. */
const LEET_UNIT = 1;
const SPACED_SEPARATOR = 2;
const UNIT_KIND = new Uint8Array(128);
for (const ch of '013457@$!|') UNIT_KIND[ch.charCodeAt(0)]! |= LEET_UNIT;
for (const ch of ' .-_*') UNIT_KIND[ch.charCodeAt(0)]! |= SPACED_SEPARATOR;

/**
 * The text-speak step for ASCII text, where a letter is an ASCII letter: each whole run of letters
 * that is a TEXT_SPEAK word, in any case, spelled out; one walk instead of the Unicode-aware
 * expression's attempt at every position. With `plainOnly`, null when the text might call for
 * another step of `foldForMatching` (a code unit beyond ASCII, a `%`, what LEETISH matches, three
 * single letters between single separators as SPACED_LETTERS needs): the same walk tells.
 */
function spellOutAscii(text: string, plainOnly: boolean): string | null {
  const length = text.length;
  let out = '';
  let copied = 0;
  let start = -1;
  // The run of LEETISH's characters right after a letter, as long as one lasts.
  let leetAfterLetter = false;
  // Single letters in a row, each one separator after the last, and where the last one ended.
  let singles = 0;
  let lastSingleEnd = -2;
  for (let i = 0; i <= length; i++) {
    const c = i < length ? text.charCodeAt(i) : 0;
    if (isAsciiLetter(c)) {
      if (start < 0) {
        if (plainOnly && leetAfterLetter) return null;
        start = i;
      }
      continue;
    }
    if (plainOnly && (c >= 0x80 || c === 0x25)) return null;
    const kind = c < 0x80 ? UNIT_KIND[c]! : 0;
    if (start < 0) {
      leetAfterLetter &&= (kind & LEET_UNIT) !== 0;
      continue;
    }
    if (i - start === 1 && plainOnly) {
      const chained =
        lastSingleEnd === start - 1 &&
        (UNIT_KIND[text.charCodeAt(lastSingleEnd)]! & SPACED_SEPARATOR) !== 0;
      singles = chained ? singles + 1 : 1;
      if (singles >= 3) return null;
      lastSingleEnd = i;
    }
    // Every TEXT_SPEAK word starts with u, p or r: other runs need no lower-cased copy.
    const first = text.charCodeAt(start) | 0x20;
    if (i - start <= 3 && (first === 0x75 || first === 0x70 || first === 0x72)) {
      const word = text.slice(start, i).toLowerCase();
      if (Object.hasOwn(TEXT_SPEAK, word)) {
        out += text.slice(copied, start) + TEXT_SPEAK[word]!;
        copied = i;
      }
    }
    start = -1;
    leetAfterLetter = (kind & LEET_UNIT) !== 0;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * A text cut at line breaks (pieces of at most 2,000 characters), each piece beside its
 * `foldForMatching` form. The screen folds a text once: the rules take a second look at the pieces
 * folding changed, the classifier reads them all.
 */
export interface FoldedLines {
  pieces: string[];
  folded: string[];
}

export function foldLines(text: string): FoldedLines {
  const pieces = linePieces(text);
  return { pieces, folded: pieces.map(foldForMatching) };
}

const MAX_PIECE = 2000;

/**
 * What `text.match(/[^\n]{1,2000}/g)` gives (each line cut every 2,000 characters, empty lines
 * left out), the line breaks found by `indexOf`, where the expression matched its class at every
 * character.
 */
export function linePieces(text: string): string[] {
  const pieces: string[] = [];
  for (let start = 0; start < text.length;) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    for (let at = start; at < end; at += MAX_PIECE)
      pieces.push(text.slice(at, Math.min(end, at + MAX_PIECE)));
    start = end + 1;
  }
  return pieces;
}
