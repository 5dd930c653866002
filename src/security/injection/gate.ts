/**
 * The screen's prefilter: one pass over a text collects its words, and a rule's pattern runs only
 * when the text holds what every match of it must (the rule's gate, rules.ts). Most text, a log or
 * a support message, holds the trigger words of few rules, so most patterns never scan it: the
 * screen's result is the same, at a fraction of the cost.
 *
 * The pass does not keep every word of the text (a copy and a string hash per run of letters): it
 * hashes each run as it reads it and looks the hash up among the words the screen ever asks about
 * (INDEXED_WORDS below), so a text's words cost no allocation.
 */
import { FNV_OFFSET_BASIS, FNV_PRIME, hashOfLetters } from './fnv.js';
import { LEXICON_GATE } from './lexicon.js';
import { RULES, type RuleGate } from './rules.js';

/**
 * Told of the prefixes of each run of ASCII letters as `asciiWords` hashes them (FNV-1a of the
 * letters in lower case, fnv.ts `hashOfLetters`), shortest first, until it returns false: the
 * reader's own table of prefixes reads the walk's hash, where hashing the run again cost a second
 * pass over its letters.
 */
export interface RunReader {
  prefix(start: number, hash: number): boolean;
}

/**
 * Every word the screen asks a text about, lower case: the rules' gate words, the lexicon gate's
 * whole words, and the words announcing a whole-text encoding (assess.ts `decodedPayloads`).
 */
export const INDEXED_WORDS: readonly string[] = [
  ...new Set([
    ...RULES.flatMap((rule) => rule.gate.words?.flat() ?? []),
    ...LEXICON_GATE.whole,
    ...['rot', 'backwards', 'reversed', 'reverse'],
  ]),
];
const WORD_IDS = new Map(INDEXED_WORDS.map((word, id) => [word, id]));
/**
 * A text's words are a bitset of INDEXED_WORDS, 32 to an element: 13 elements, small enough for V8
 * to allocate the array inside its heap (typed arrays of up to 64 bytes are); a byte per word, off
 * the heap, cost about a microsecond a call, which short texts (one support message) noticed.
 */
const BITSET_LENGTH = Math.ceil(INDEXED_WORDS.length / 32);
/** Which words open the lexicon's gate whole (lexicon.ts). */
const OPENS_LEXICON = Uint8Array.from(INDEXED_WORDS, (word) =>
  LEXICON_GATE.whole.has(word) ? 1 : 0,
);

/** INDEXED_WORDS by hash, open addressing: `slots` holds a word's id + 1 (0: empty), `hashes` its hash. */
const SLOTS = 4096;
const slots = new Int32Array(SLOTS);
const hashes = new Int32Array(SLOTS);
for (const [id, word] of INDEXED_WORDS.entries()) {
  if (!/^[a-z]+$/.test(word)) throw new Error(`gate word that is no run of letters: ${word}`);
  const hash = hashOfLetters(word);
  let slot = hash & (SLOTS - 1);
  while (slots[slot] !== 0) slot = (slot + 1) & (SLOTS - 1);
  slots[slot] = id + 1;
  hashes[slot] = hash;
}

/**
 * The lexicon's word starts (LEXICON_GATE.starts), found by a run's first letters: those of two
 * letters in a table of the 26 × 26 pairs (`(a - 'a') * 26 + (b - 'a')`), longer ones listed by
 * their first three letters. Nearly every English text holds a word that begins like some start
 * (`re`, `co`, `in`); few words begin with the same three letters as one.
 */
const TWO_LETTER_STARTS = new Uint8Array(26 * 26);
const STARTS_BY_LEAD: (string[] | undefined)[] = new Array(26 * 26 * 26);
const pairOf = (a: number, b: number): number => ((a | 0x20) - 0x61) * 26 + (b | 0x20) - 0x61;
for (const start of LEXICON_GATE.starts) {
  if (!/^[a-z]{2,}$/.test(start))
    throw new Error(`lexicon gate shorter than two letters: ${start}`);
  const pair = pairOf(start.charCodeAt(0), start.charCodeAt(1));
  if (start.length === 2) TWO_LETTER_STARTS[pair] = 1;
  else (STARTS_BY_LEAD[pair * 26 + start.charCodeAt(2) - 0x61] ??= []).push(start);
}

/** Whether the run of letters `text` from `start` to `end` opens the lexicon by its start. */
function startsLexiconWord(text: string, start: number, end: number): boolean {
  if (end - start < 2) return false;
  const pair = pairOf(text.charCodeAt(start), text.charCodeAt(start + 1));
  if (TWO_LETTER_STARTS[pair] === 1) return true;
  if (end - start < 3) return false;
  const starts = STARTS_BY_LEAD[pair * 26 + (text.charCodeAt(start + 2) | 0x20) - 0x61];
  if (starts !== undefined)
    for (const word of starts)
      if (word.length <= end - start && spells(text, start, word)) return true;
  return false;
}

/** Whether `text` from `start` on spells `word` (lower case) in any case. */
function spells(text: string, start: number, word: string): boolean {
  for (let k = 0; k < word.length; k++)
    if ((text.charCodeAt(start + k) | 0x20) !== word.charCodeAt(k)) return false;
  return true;
}

/** Asked about a word the walk does not look for: add it to INDEXED_WORDS. */
export class UnindexedWordError extends Error {
  constructor(word: string) {
    super(`the screen's word walk does not look for "${word}" (gate.ts INDEXED_WORDS)`);
    this.name = 'UnindexedWordError';
  }
}

/** The runs of ASCII letters of a text, as far as the screen asks about them. */
export class TextWords {
  constructor(
    private readonly present: Int32Array,
    /** Where the runs that open the lexicon's gate (lexicon.ts) start, ascending. */
    readonly lexiconRuns: readonly number[],
  ) {}

  /** Whether a run of the text is `word` (lower case, one of INDEXED_WORDS) in any case. */
  has(word: string): boolean {
    const id = WORD_IDS.get(word);
    if (id === undefined) throw new UnindexedWordError(word);
    return ((this.present[id >>> 5]! >>> (id & 31)) & 1) === 1;
  }

  /** Whether a run is one of the words of these ids (`mayMatch`'s lists, looked up once). */
  hasAnyOf(ids: Int32Array): boolean {
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (((this.present[id >>> 5]! >>> (id & 31)) & 1) === 1) return true;
    }
    return false;
  }
}

/**
 * The runs of ASCII letters in a text, compared in lower case. A run ends at anything else
 * (digits, `_`, punctuation, non-ASCII letters), so every word a `\b`-delimited, case-insensitive
 * pattern matches is one of them, or (next to a digit or `_`) the gate lets the pattern decide. A
 * `reader` is told of each run in the same walk (rule-starts.ts finds where rules can match).
 */
export function asciiWords(text: string, reader?: RunReader): TextWords {
  const present = new Int32Array(BITSET_LENGTH);
  const lexiconRuns: number[] = [];
  let start = -1;
  let hash = 0;
  let readsPrefixes = false;
  const length = text.length;
  for (let i = 0; i <= length; i++) {
    const c = i < length ? text.charCodeAt(i) : 0;
    const lower = c | 0x20;
    // A code unit whose bit 0x20 set gives a lower-case letter is an ASCII letter.
    if (lower >= 0x61 && lower <= 0x7a) {
      if (start < 0) {
        start = i;
        hash = FNV_OFFSET_BASIS;
        readsPrefixes = reader !== undefined;
      }
      hash = Math.imul(hash ^ lower, FNV_PRIME);
      if (readsPrefixes) readsPrefixes = reader!.prefix(start, hash);
    } else if (start >= 0) {
      let opensLexicon = false;
      let slot = hash & (SLOTS - 1);
      for (let entry = slots[slot]!; entry !== 0; entry = slots[slot]!) {
        const word = INDEXED_WORDS[entry - 1]!;
        if (hashes[slot] === hash && word.length === i - start && spells(text, start, word)) {
          present[(entry - 1) >>> 5]! |= 1 << ((entry - 1) & 31);
          opensLexicon = OPENS_LEXICON[entry - 1] === 1;
          break;
        }
        slot = (slot + 1) & (SLOTS - 1);
      }
      if (opensLexicon || startsLexiconWord(text, start, i)) lexiconRuns.push(start);
      start = -1;
    }
  }
  return new TextWords(present, lexiconRuns);
}

/** The ids in INDEXED_WORDS of a gate's word list, by the list (the rules' lists never change). */
const LIST_IDS = new Map<readonly string[], Int32Array>();
function idsOf(list: readonly string[]): Int32Array {
  let ids = LIST_IDS.get(list);
  if (ids === undefined) {
    ids = Int32Array.from(list, (word) => {
      const id = WORD_IDS.get(word);
      if (id === undefined) throw new UnindexedWordError(word);
      return id;
    });
    LIST_IDS.set(list, ids);
  }
  return ids;
}

/** Whether a text with these words could match a rule with this gate. */
export function mayMatch(gate: RuleGate, words: TextWords, text: string): boolean {
  if (gate.words) for (const list of gate.words) if (!words.hasAnyOf(idsOf(list))) return false;
  return gate.text === undefined || gate.text.test(text);
}
