/**
 * Where a rule's match can start. Most rules open with `\b` and a choice of words
 * (`\b(?:reveal|print|repeat|...)`): a match starts at the start of a run of ASCII letters that
 * begins with one of those words' leading letters. On attack text the rules' word gates open, and
 * each pattern, scanned from the start, tries its alternation at every position of the text: most
 * of the screen's cost. Instead, one walk over the text finds the runs that begin such a word, for
 * every rule at once, and each rule's pattern is tried (sticky) only there, in text order. Two
 * more shapes are bounded the same way: a pattern anchored at a line start (`^` in `m` mode) is
 * tried at line starts; one whose words may follow `\b\s*` also at the whitespace before them.
 *
 * The first success is the match a global scan finds: a scan tries every position in order, fails
 * wherever no match can start, and at a given position both run the same backtracking. So the
 * match (its index and text) is the same, only found sooner. A pattern whose start this file cannot
 * bound (classes before any word, `u` mode, a choice that may match nothing) keeps the global scan.
 */
import { asciiWords, type RunReader } from './gate.js';
import { isNonAsciiSpace } from './whitespace.js';
import { hashOfLetters } from './fnv.js';

/** One term of a pattern, as far as its start matters. */
type Term =
  | { kind: 'char'; char: string; min: number; single: boolean }
  | { kind: 'group'; alternatives: Term[][]; min: number }
  | { kind: 'boundary' }
  | { kind: 'lineStart' }
  /** `\s`: JavaScript's whitespace and line terminators. */
  | { kind: 'space'; min: number }
  /** Anything else: classes, escapes such as `\d`, `.`, back-references, `$`, lookarounds. */
  | { kind: 'other'; zeroWidth: boolean; min: number };

const isAsciiLetter = (c: number): boolean => (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;

/** Parses a pattern's source (not `u` mode) into its alternatives, each a sequence of terms. */
function parse(source: string): Term[][] {
  let at = 0;
  const alternatives = (): Term[][] => {
    const out: Term[][] = [[]];
    while (at < source.length && source[at] !== ')') {
      if (source[at] === '|') {
        at++;
        out.push([]);
        continue;
      }
      const term = atom();
      const quantified = quantifier();
      if (quantified !== null) {
        if (term.kind === 'char') {
          term.min = quantified.min;
          term.single = false;
        } else if (term.kind !== 'boundary' && term.kind !== 'lineStart') term.min = quantified.min;
      }
      out[out.length - 1]!.push(term);
    }
    return out;
  };
  const quantifier = (): { min: number } | null => {
    const c = source[at];
    let min: number;
    if (c === '?' || c === '*') min = 0;
    else if (c === '+') min = 1;
    else {
      const braces = /^\{(\d+)(?:,\d*)?\}/.exec(source.slice(at));
      if (c !== '{' || !braces) return null;
      min = Number(braces[1]);
      at += braces[0].length - 1;
    }
    at++;
    if (source[at] === '?') at++;
    return { min };
  };
  const atom = (): Term => {
    const c = source[at++]!;
    if (c === '(') {
      let zeroWidth = false;
      if (source.startsWith('?:', at)) at += 2;
      else if (/^\?<?[=!]/.test(source.slice(at, at + 3))) {
        zeroWidth = true;
        at += source[at + 1] === '<' ? 3 : 2;
      } else if (source.startsWith('?<', at)) at = source.indexOf('>', at) + 1;
      const inner = alternatives();
      at++; // ')'
      return zeroWidth
        ? { kind: 'other', zeroWidth: true, min: 1 }
        : { kind: 'group', alternatives: inner, min: 1 };
    }
    if (c === '[') {
      while (at < source.length && source[at] !== ']') at += source[at] === '\\' ? 2 : 1;
      at++;
      return { kind: 'other', zeroWidth: false, min: 1 };
    }
    if (c === '\\') {
      const e = source[at++]!;
      if (e === 'b') return { kind: 'boundary' };
      if (e === 'B') return { kind: 'other', zeroWidth: true, min: 1 };
      if (e === 's') return { kind: 'space', min: 1 };
      // Classes, back-references, escapes of code points: none of them is read as a letter here.
      if (/[dDwWsSpPk1-9ux0cfnrtv]/.test(e)) return { kind: 'other', zeroWidth: false, min: 0 };
      return { kind: 'char', char: e, min: 1, single: true };
    }
    if (c === '^') return { kind: 'lineStart' };
    if (c === '$') return { kind: 'other', zeroWidth: true, min: 1 };
    if (c === '.') return { kind: 'other', zeroWidth: false, min: 1 };
    return { kind: 'char', char: c, min: 1, single: true };
  };
  const out = alternatives();
  if (at !== source.length) throw new Error(`unbalanced pattern: ${source}`);
  return out;
}

/** Where the matches of some terms begin (see `leads`). */
interface Lead {
  /** Leading letters (lower case), each at the start of a run of ASCII letters. */
  runs: Set<string>;
  /** Also at a line start. */
  lineStart: boolean;
  /** Also at each of these characters (ASCII, not letters: no case to fold). */
  chars: Set<string>;
  /** Also at the start of the whitespace right before such a run. */
  spaceBefore: boolean;
  /** The terms may match nothing: the start is then decided by what follows them. */
  nullable: boolean;
}

/**
 * Where every match of a sequence of terms, from `from` on, begins: with leading letters right
 * after a `\b`, at a line start (`^`), or at whitespace after a `\b` that is followed by such
 * letters. null: a match may start elsewhere.
 */
function leads(terms: readonly Term[], from: number, boundary: boolean): Lead | null {
  const lead = (runs: Iterable<string>): Lead => ({
    runs: new Set(runs),
    lineStart: false,
    chars: new Set(),
    spaceBefore: false,
    nullable: false,
  });
  for (let i = from; i < terms.length; i++) {
    const term = terms[i]!;
    if (term.kind === 'boundary') {
      boundary = true;
      continue;
    }
    if (term.kind === 'lineStart') return { ...lead([]), lineStart: true };
    // Lookarounds and `$` consume nothing: passing over them only loosens the condition.
    if (term.kind === 'other') {
      if (term.zeroWidth) continue;
      return null;
    }
    if (term.kind === 'space') {
      // After `\b`, whitespace starts a match only at the start of its run (a word unit is
      // before it), and what follows the whitespace starts a run of letters.
      const rest = boundary ? leads(terms, i + 1, true) : null;
      if (
        rest === null ||
        rest.nullable ||
        rest.lineStart ||
        rest.chars.size > 0 ||
        rest.runs.size === 0
      )
        return null;
      return { ...rest, spaceBefore: true };
    }
    if (term.kind === 'char') {
      const c = term.char.charCodeAt(0);
      if (term.min === 0) return null;
      // A sign starts a match where it stands, with or without a boundary before it.
      if (c < 0x80 && !isAsciiLetter(c)) return { ...lead([]), chars: new Set([term.char]) };
      if (!boundary || !isAsciiLetter(c)) return null;
      let run = '';
      for (let j = i; j < terms.length; j++) {
        const next = terms[j]!;
        if (next.kind !== 'char' || next.min === 0 || !isAsciiLetter(next.char.charCodeAt(0)))
          break;
        run += next.char.toLowerCase();
        if (!next.single) break;
      }
      return lead([run]);
    }
    const union = lead([]);
    union.nullable = term.min === 0;
    const add = (part: Lead): void => {
      for (const run of part.runs) union.runs.add(run);
      union.lineStart ||= part.lineStart;
      for (const char of part.chars) union.chars.add(char);
      union.spaceBefore ||= part.spaceBefore;
    };
    for (const alternative of term.alternatives) {
      const part = leads(alternative, 0, boundary);
      if (part === null) return null;
      add(part);
      union.nullable ||= part.nullable;
    }
    if (!union.nullable) return union;
    const rest = leads(terms, i + 1, boundary);
    if (rest === null) return null;
    add(rest);
    union.nullable = rest.nullable;
    return union;
  }
  return { ...lead([]), nullable: true };
}

/** Where every match of a rule's pattern begins (see `leads`); null when it may begin anywhere. */
export interface RuleLead {
  /** Leading letters (lower case), at the start of a run of ASCII letters. */
  letters: readonly string[];
  lineStart: boolean;
  spaceBefore: boolean;
  /** Characters (ASCII, not letters) at which a match may start, besides line starts. */
  chars: readonly string[];
}

export function ruleLead(pattern: RegExp): RuleLead | null {
  if (pattern.unicode || pattern.flags.includes('v')) return null;
  const lead = leads([{ kind: 'group', alternatives: parse(pattern.source), min: 1 }], 0, false);
  // Line starts and characters are found before the walk, runs of letters during it: a rule with
  // both would need its two kinds of start merged in order, and none has both.
  if (
    lead === null ||
    lead.nullable ||
    ((lead.lineStart || lead.chars.size > 0) && lead.runs.size > 0)
  )
    return null;
  return {
    letters: [...lead.runs],
    lineStart: lead.lineStart,
    spaceBefore: lead.spaceBefore,
    chars: [...lead.chars],
  };
}

/** Open addressing: twice the slots the prefixes need, at least. */
const SLOTS = 1 << 12;

/**
 * The rules' leading letters, and every prefix of them, by an FNV-1a hash of their letters: a walk
 * reads a run's letters only while they spell the prefix of some rule's leading letters.
 */
export class RuleStarts {
  /** Per slot: the prefix's full hash. */
  private readonly hashes = new Int32Array(SLOTS);
  /** Per slot: 0 when empty, 1 for a prefix only, else 2 + the index of its rules in `lists`. */
  private readonly entries = new Int32Array(SLOTS);
  /** The rules (by index) whose leading letters a prefix is. */
  private readonly lists: (readonly number[])[] = [];
  /** Per rule: where its match can start, or null when anywhere (it scans the whole text). */
  private readonly leads: (RuleLead | null)[];
  /** The rules tried at line starts only. */
  private readonly atLineStarts: readonly number[];
  /** The rules tried at characters (and line starts, for those with both). */
  private readonly atChars: readonly number[];
  /** Per rule: whether its starts are bounded, else it scans the whole text. */
  readonly indexed: readonly boolean[];
  private readonly sticky: (RegExp | null)[];

  constructor(patterns: readonly RegExp[]) {
    this.leads = patterns.map(ruleLead);
    this.indexed = this.leads.map((lead) => lead !== null);
    this.atLineStarts = this.leads.flatMap((lead, rule) =>
      lead?.lineStart && lead.chars.length === 0 ? [rule] : [],
    );
    this.atChars = this.leads.flatMap((lead, rule) =>
      lead && lead.chars.length > 0 ? [rule] : [],
    );
    const byPrefix = new Map<string, number[]>();
    this.leads.forEach((lead, rule) => {
      for (const run of lead?.letters ?? []) {
        for (let k = 1; k < run.length; k++)
          if (!byPrefix.has(run.slice(0, k))) byPrefix.set(run.slice(0, k), []);
        const list = byPrefix.get(run) ?? [];
        if (!list.includes(rule)) list.push(rule);
        byPrefix.set(run, list);
      }
    });
    if (byPrefix.size * 2 > SLOTS) throw new Error('too many rule prefixes for the table');
    // A lookup stops at the first slot holding its hash: two prefixes sharing one would hide one.
    const owners = new Map<number, string>();
    for (const [prefix, rules] of byPrefix) {
      const hash = hashOfLetters(prefix);
      if (owners.has(hash))
        throw new Error(`rule prefixes ${owners.get(hash)} and ${prefix} collide`);
      owners.set(hash, prefix);
      let slot = hash & (SLOTS - 1);
      while (this.entries[slot] !== 0) slot = (slot + 1) & (SLOTS - 1);
      this.hashes[slot] = hash;
      this.entries[slot] = rules.length === 0 ? 1 : 2 + this.lists.push(rules) - 1;
    }
    this.sticky = patterns.map((pattern, rule) =>
      this.indexed[rule] ? new RegExp(pattern.source, pattern.flags.replace('g', '') + 'y') : null,
    );
  }

  /** The entry of the prefix whose hash is `hash` (see `entries`), 0 when there is none. */
  private entry(hash: number): number {
    let slot = hash & (SLOTS - 1);
    for (let entry = this.entries[slot]!; entry !== 0; entry = this.entries[slot]!) {
      if (this.hashes[slot] === hash) return entry;
      slot = (slot + 1) & (SLOTS - 1);
    }
    return 0;
  }

  /**
   * Reads a text's runs of letters (give it to `asciiWords`, which walks the text once for both),
   * then holds, per indexed rule with a candidate, the positions (ascending) where its match may
   * start: runs of ASCII letters that start with one of its leading letters (and the whitespace
   * right before them, for the rules that start there too) or line starts; undefined for the
   * others (`indexed` tells which have none and which scan). A hash shared by two prefixes only
   * adds a position, never loses one.
   */
  reader(text: string): RunReader & { starts: (number[] | undefined)[] } {
    const starts: (number[] | undefined)[] = new Array(this.indexed.length);
    if (text.length > 0) {
      // Lists shared by the rules: runs of letters add to no rule that starts at line starts or
      // characters.
      let lines: number[] | undefined;
      if (this.atLineStarts.length > 0) {
        lines = lineStarts(text);
        for (const rule of this.atLineStarts) starts[rule] = lines;
      }
      const byChar = new Map<string, number[]>();
      for (const rule of this.atChars) {
        const lead = this.leads[rule]!;
        let at: number[] = lead.lineStart ? (lines ??= lineStarts(text)) : [];
        for (const char of lead.chars) {
          let found = byChar.get(char);
          if (found === undefined) byChar.set(char, (found = positionsOf(text, char)));
          at = mergeAscending(at, found);
        }
        if (at.length > 0) starts[rule] = at;
      }
    }
    return { starts, prefix: (start, hash) => this.prefix(text, start, hash, starts) };
  }

  /** The candidates of a text (see `reader`). */
  candidates(text: string): (number[] | undefined)[] {
    const reader = this.reader(text);
    asciiWords(text, reader);
    return reader.starts;
  }

  /**
   * Adds the starts a run of letters at `start` gives, told of its prefixes by their hash (see
   * `reader`); false once no longer prefix can give any.
   */
  private prefix(
    text: string,
    start: number,
    hash: number,
    starts: (number[] | undefined)[],
  ): boolean {
    const entry = this.entry(hash);
    if (entry === 0) return false;
    if (entry === 1) return true;
    for (const rule of this.lists[entry - 2]!) {
      const list = (starts[rule] ??= []);
      if (list[list.length - 1] === start) continue;
      if (this.leads[rule]!.spaceBefore && start > 0 && isSpace(text.charCodeAt(start - 1))) {
        let space = start - 1;
        while (space > 0 && isSpace(text.charCodeAt(space - 1))) space--;
        list.push(space);
      }
      list.push(start);
    }
    return true;
  }

  /** The first match of rule `rule`'s pattern in `text`, tried at `starts` only (from `candidates`). */
  firstMatch(rule: number, text: string, starts: readonly number[]): RegExpExecArray | null {
    const sticky = this.sticky[rule]!;
    for (const start of starts) {
      sticky.lastIndex = start;
      const m = sticky.exec(text);
      if (m) return m;
    }
    return null;
  }
}

/**
 * Where `^` matches in `m` mode: at 0 and after \n, \r, U+2028 and U+2029 (not at the end). Most
 * text breaks lines with \n alone, found by `indexOf` faster than by a loop.
 */
function lineStarts(text: string): number[] {
  const starts = [0];
  if (/[\r\u2028\u2029]/.test(text)) {
    for (let i = 0; i + 1 < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x0a || c === 0x0d || c === 0x2028 || c === 0x2029) starts.push(i + 1);
    }
    return starts;
  }
  for (let i = text.indexOf('\n'); i >= 0 && i + 1 < text.length; i = text.indexOf('\n', i + 1))
    starts.push(i + 1);
  return starts;
}

/** Where `char` stands in `text`, ascending (`indexOf` finds it faster than a loop). */
function positionsOf(text: string, char: string): number[] {
  const at: number[] = [];
  for (let i = text.indexOf(char); i >= 0; i = text.indexOf(char, i + 1)) at.push(i);
  return at;
}

/** Two ascending lists as one, each position once. */
function mergeAscending(a: readonly number[], b: readonly number[]): number[] {
  if (a.length === 0) return b as number[];
  if (b.length === 0) return a as number[];
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!;
    if (out[out.length - 1] !== next) out.push(next);
  }
  return out;
}

/** What `\s` matches: JavaScript's whitespace and line terminators. */
function isSpace(c: number): boolean {
  if (c < 0x80) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  return isNonAsciiSpace(c);
}
