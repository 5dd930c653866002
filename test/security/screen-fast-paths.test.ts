/**
 * The screen's hand-written scans give what the regular expressions they replaced gave, on every
 * UTF-16 code unit and on random mixes of the characters each one treats specially: the shipped
 * classifier's weights are tied to its features bucket for bucket, so the model's view of a text
 * must not move by one character. (`bench/support/screen-fingerprints.ts` compares whole corpora
 * between two checkouts.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldModelText, forEachFeature } from '../../src/security/injection/features.js';
import { encodedRuns } from '../../src/security/injection/assess.js';
import { asciiWords, INDEXED_WORDS, mayMatch } from '../../src/security/injection/gate.js';
import {
  ENTRIES,
  englishLexicon,
  LEXICON_GATE,
  mayHoldLexicon,
  piecesMayHoldLexicon,
} from '../../src/security/injection/lexicon.js';
import {
  CYRILLIC_OR_GREEK_BLOCKS,
  foldForMatching,
  foldLines,
  linePieces,
  LEET,
  MAY_HOLD_INVISIBLE,
  TEXT_SPEAK,
} from '../../src/security/injection/normalize.js';
import { ruleLead, RuleStarts } from '../../src/security/injection/rule-starts.js';
import { RULES } from '../../src/security/injection/rules.js';
// The PII detector's patterns that are tried at their starts only, as it ships them.
import {
  forEachTokenRun,
  IPV6_CANDIDATE,
  ipv6Starts,
  scanAt,
  schemeStarts,
  URL_CREDENTIALS,
} from '../../src/security/pii/detectors.js';
import { INJECTION_PROMPTS } from '../fixtures/security/injection-prompts.js';

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

/** `count` seeded random texts, each of up to `maxPieces - 1` pieces drawn from `pieces`. */
function randomTexts(seed: number, pieces: readonly string[], maxPieces: number, count: number) {
  const next = random(seed);
  const out: string[] = [];
  for (let n = 0; n < count; n++) {
    let text = '';
    const length = Math.floor(next() * maxPieces);
    for (let i = 0; i < length; i++) text += pieces[Math.floor(next() * pieces.length)];
    out.push(text);
  }
  return out;
}

/** Every match of a global pattern, as the global scan finds them. */
const all = (pattern: RegExp, text: string): string[] =>
  [...text.matchAll(pattern)].map((m) => `${m.index}:${m[0]}`);
/** The matches `scanAt` finds trying the pattern only at `starts`. */
function at(pattern: RegExp, text: string, starts: number[]): string[] {
  const found: string[] = [];
  scanAt(pattern, text, starts, (m) => found.push(`${m.index}:${m[0]}`));
  return found;
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
    const differ: string[] = [];
    for (const text of randomTexts(21, alphabet, 24, 50000)) {
      if (foldModelText(text) !== referenceModelText(text)) differ.push(JSON.stringify(text));
    }
    expect(differ).toEqual([]);
  });
});

/** What `forEachFeature` replaced: every n-gram hashed from its first code unit on. */
function referenceFeatures(normalized: string, bits: number): number[] {
  const FNV_PRIME = 0x01000193;
  const SEED_WORD = 0x811c9dc5;
  const isWordUnit = (c: number): boolean =>
    c < 0x80
      ? (c >= 0x61 && c <= 0x7a) ||
        (c >= 0x30 && c <= 0x39) ||
        (c >= 0x41 && c <= 0x5a) ||
        c === 0x27
      : c >= 0xc0 &&
        !(c >= 0x2000 && c <= 0x2bff) &&
        !(c >= 0x3000 && c <= 0x303f) &&
        !(c >= 0xff00 && c <= 0xff0f) &&
        !(c >= 0xff1a && c <= 0xff20);
  const out: number[] = [];
  const mask = (1 << bits) - 1;
  const length = normalized.length;
  let wordHash = SEED_WORD;
  let inWord = false;
  let previousWord = 0;
  let hasPrevious = false;
  for (let i = -1; i < length; i++) {
    let h = 0x9e3779b9;
    for (let n = 0; n < 5; n++) {
      const at = i + n;
      if (at > length) break;
      const c = at < 0 || at === length ? 0x20 : normalized.charCodeAt(at);
      h = Math.imul(h ^ c, FNV_PRIME);
      if (n >= 3) out.push(i < 0 ? 0 : i, ((h >>> 0) ^ n) & mask);
    }
    if (i < 0) continue;
    const c = normalized.charCodeAt(i);
    if (isWordUnit(c)) {
      wordHash = Math.imul((inWord ? wordHash : SEED_WORD) ^ c, FNV_PRIME);
      inWord = true;
    }
    if (inWord && (i + 1 === length || !isWordUnit(normalized.charCodeAt(i + 1)))) {
      const word = wordHash >>> 0;
      out.push(i, (Math.imul(word, 0x2545f491) >>> 0) & mask);
      if (hasPrevious)
        out.push(i, ((Math.imul(previousWord ^ 0x5bd1e995, FNV_PRIME) ^ word) >>> 0) & mask);
      previousWord = word;
      hasPrevious = true;
      inWord = false;
    }
  }
  return out;
}

describe("the classifier's features", () => {
  it('are the same buckets at the same positions as before, for texts of every length', () => {
    const alphabet = [..."ab z'.,-09", '\u00e9', '\u4e2d', '\u3002', '\u2014', '\uff01', '\ud83d'];
    const differ: string[] = [];
    for (const text of randomTexts(19, alphabet, 12, 20000)) {
      const features: number[] = [];
      forEachFeature(text, 18, (position, bucket) => features.push(position, bucket));
      if (features.join() !== referenceFeatures(text, 18).join()) differ.push(JSON.stringify(text));
    }
    expect(differ).toEqual([]);
  });
});

describe('the walks that replaced token-shaped regular expressions', () => {
  /** Random texts of runs of base64 units, padding, and what ends a run. */
  function texts(seed: number, count: number): string[] {
    const pieces = ['A', 'b', '9', '+', '/', '_', '-', '=', '==', ' ', '.', '\u00e9'];
    const next = random(seed);
    const out: string[] = [];
    for (let n = 0; n < count; n++) {
      let text = '';
      while (next() < 0.9) {
        const piece = pieces[Math.floor(next() * pieces.length)]!;
        text += piece.repeat(1 + Math.floor(next() * (next() < 0.1 ? 1200 : 12)));
      }
      out.push(text);
    }
    return out;
  }

  it('finds the base64 blobs the expression found', () => {
    const BASE64_BLOB = /(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{16,8192}={0,2}(?![A-Za-z0-9+/=_-])/g;
    const differ = texts(7, 5000).filter(
      (text) =>
        encodedRuns(text).base64.join('|') !==
        [...text.matchAll(BASE64_BLOB)].map((m) => m[0]).join('|'),
    );
    expect(differ).toEqual([]);
  });

  it('tells, in the same walk, whether a text holds 24 hex digits with only spaces or colons between', () => {
    const HEX_RUN = /[0-9A-Fa-f](?:[ :]*[0-9A-Fa-f]){23}/;
    const pieces = ['0a1b2c3d', 'e', 'F', '9', ' ', ':', '::', 'g', '=', '+', '.', '\u00e9'];
    const differ = randomTexts(23, pieces, 30, 20000).filter(
      (text) => encodedRuns(text).mayHoldHex !== HEX_RUN.test(text),
    );
    expect(differ).toEqual([]);
  });

  it('finds the entropy candidates the expression found', () => {
    const ENTROPY_TOKEN = /(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/=_-]{20,1024}(?![A-Za-z0-9+/=_-])/g;
    const differ = texts(8, 5000).filter((text) => {
      const found: string[] = [];
      forEachTokenRun(text, (index, run) => found.push(`${index}:${run}`));
      const expected = [...text.matchAll(ENTROPY_TOKEN)].map((m) => `${m.index}:${m[0]}`);
      return found.join('|') !== expected.join('|');
    });
    expect(differ).toEqual([]);
  });
});

describe("the lexicon's walk", () => {
  /** What `englishLexicon` replaced: one global alternation of every literal, two forms. */
  const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const isAscii = (s: string): boolean => !/[\u0080-\uffff]/.test(s);
  const LEXICON = new RegExp(
    ENTRIES.map(
      ([, stems, cjk]) =>
        `(${[
          ...stems.map((s) =>
            s.endsWith('$')
              ? `(?<!\\p{L})${escape(s.slice(0, -1))}(?!\\p{L})`
              : `(?<!\\p{L})${escape(s)}\\p{L}*`,
          ),
          ...cjk.map(escape),
        ].join('|')})`,
    ).join('|'),
    'gu',
  );
  const LEXICON_ASCII = new RegExp(
    ENTRIES.map(([, stems]) => {
      const ascii = stems.filter(isAscii);
      return ascii.length === 0
        ? '((?!))'
        : `(${ascii
            .map((s) =>
              s.endsWith('$') ? `\\b${escape(s.slice(0, -1))}\\b` : `\\b${escape(s)}[a-z]*`,
            )
            .join('|')})`;
    }).join('|'),
    'g',
  );
  function referenceLexicon(text: string): string {
    const lower = text.toLowerCase();
    let changed = false;
    const english = lower.replace(isAscii(lower) ? LEXICON_ASCII : LEXICON, (...groups) => {
      for (let i = 0; i < ENTRIES.length; i++)
        if (groups[i + 1] !== undefined) {
          changed = true;
          return ` ${ENTRIES[i]![0]} `;
        }
      return String(groups[0]);
    });
    return changed ? english : text;
  }

  it('replaces what the alternation replaced, in ASCII and beyond', () => {
    const literals = ENTRIES.flatMap(([, stems, cjk]) => [
      ...stems.map((s) => s.replace(/\$$/, '')),
      ...cjk,
    ]);
    // What borders a literal: letters of several scripts and planes, word units, separators.
    const around = [
      'a',
      'Z',
      'en',
      '0',
      '_',
      ' ',
      '-',
      '\n',
      'é',
      'ß',
      'ж',
      'İ',
      '𝐀',
      '\ud835',
      '\udc00',
      '的',
      '.',
    ];
    const next = random(11);
    const differ: string[] = [];
    let replaced = 0;
    for (let n = 0; n < 20000; n++) {
      let text = '';
      while (next() < 0.85) {
        const pool = next() < 0.5 ? literals : around;
        let piece = pool[Math.floor(next() * pool.length)]!;
        if (next() < 0.2) piece = piece.toUpperCase();
        if (next() < 0.1) piece = piece.slice(0, -1);
        text += piece;
      }
      const english = englishLexicon(text);
      if (english !== text) replaced++;
      if (english !== referenceLexicon(text)) differ.push(text);
    }
    expect(differ).toEqual([]);
    expect(replaced).toBeGreaterThan(5000);
  });
});

describe('folding for matching', () => {
  it('folds ASCII text on its fast path as the full path folds it', () => {
    // A middle dot is no letter and survives every step: beside it the text takes the full path.
    const pieces = ['u', 'U', 'r', 'ur', 'Ur', 'pls', 'PLZ', 'ppl', 'urn', 'a', 'b', '1', '3', '@'];
    const more = [' ', '.', '-', '_', '*', '%41', '%20', '%C3%A9', '%zz', "'", '\n'];
    const alphabet = [...pieces, ...more, ...more];
    const differ: string[] = [];
    for (const text of randomTexts(5, alphabet, 16, 20000)) {
      if (`${foldForMatching(text)} \u00b7` !== foldForMatching(`${text} \u00b7`))
        differ.push(JSON.stringify(text));
    }
    expect(differ).toEqual([]);
  });
});

describe('the PII scan tried only where a match can start', () => {
  /** Random texts of the characters the pattern cares about. */
  function texts(seed: number, count: number): string[] {
    const pieces = [
      ...['a', 'F', '0', '9', ':', '::', '.', '%', 'eth0', ' ', '_', 'g', '-', '+', '/'],
      ...['://', '@', 'user', ':pw', 'https', 'x'.repeat(17), 'fe80', '2001:db8', '\n', '['],
      ...['0123456789abcdef0123', '1.2', 'é'],
    ];
    return randomTexts(seed, pieces, 30, count);
  }

  /** `pattern` tried at `startsOf` finds what its global scan finds, on fuzzed texts that reach matches. */
  function expectGlobalScan(
    pattern: RegExp,
    startsOf: (text: string) => number[],
    seed: number,
    reached: number,
  ): void {
    const fuzzed = texts(seed, 30000);
    const differ = fuzzed.filter(
      (text) => at(pattern, text, startsOf(text)).join('|') !== all(pattern, text).join('|'),
    );
    expect(differ).toEqual([]);
    // The fuzz reaches matches, not only misses.
    expect(fuzzed.filter((text) => all(pattern, text).length > 0).length).toBeGreaterThan(reached);
  }

  it('finds every URL with credentials', () => {
    expectGlobalScan(URL_CREDENTIALS, schemeStarts, 4, 10);
  });

  it('finds every IPv6 candidate', () => {
    expectGlobalScan(IPV6_CANDIDATE, ipv6Starts, 5, 1000);
  });
});

describe("the rules' patterns tried where a match can start", () => {
  const starts = new RuleStarts(RULES.map((rule) => rule.pattern));

  it('bounds the start only where every match begins with letters after a word boundary', () => {
    const letters = (pattern: RegExp) => ruleLead(pattern)?.letters ?? null;
    expect(letters(/\b(?:reveal|print)\s+your\b/gi)).toEqual(['reveal', 'print']);
    expect(letters(/\b(?:the\s+)?(?:user|customer)'s\s+message/gi)).toEqual([
      'the',
      'user',
      'customer',
    ]);
    expect(letters(/\b(?:do not|don't|stop)\b/gi)).toEqual(['do', 'don', 'stop']);
    expect(letters(/\bbroken? free|\bjail\s?break/gi)).toEqual(['broke', 'jail']);
    // At a line start, or at the whitespace a word boundary opens before the words.
    expect(ruleLead(/^[ \t]*(?:system|assistant)[ \t]*:/gim)).toEqual({
      letters: [],
      lineStart: true,
      spaceBefore: false,
      chars: [],
    });
    expect(ruleLead(/\b(?:dear|hey)?\s*(?:ai|llm)\s*,/gi)).toEqual({
      letters: ['dear', 'hey', 'ai', 'llm'],
      lineStart: false,
      spaceBefore: true,
      chars: [],
    });
    // At a sign (an ASCII character that is not a letter), with or without line starts.
    expect(ruleLead(/<\|?im_(?:start|end)\|?>|<\|(?:system|user)\|>/gi)?.chars).toEqual(['<']);
    expect(ruleLead(/\[\/?INST\]|<<\/?SYS>>/gi)?.chars).toEqual(['[', '<']);
    expect(ruleLead(/^[ \t]*x|-{3,}[ \t]*end/gim)).toEqual({
      letters: [],
      lineStart: true,
      spaceBefore: false,
      chars: ['-'],
    });
    // No boundary, a class first, `u` mode, a choice that may match nothing: unbounded.
    expect(ruleLead(/(?:ai|llm)s?\s*[:!]/gi)).toBeNull();
    expect(ruleLead(/\s*(?:ai|llm)/gi)).toBeNull();
    expect(ruleLead(/\bignore|-{3,}end/gi)).toBeNull();
    expect(ruleLead(/-?ignore/gi)).toBeNull();
    expect(ruleLead(/\bignore/giu)).toBeNull();
    expect(ruleLead(/\b(?:ignore|)\d/gi)).toBeNull();
    expect(ruleLead(/\b(?:ignore)?/gi)).toBeNull();
    // Most rules are bounded; the others keep their scan.
    expect(starts.indexed.filter(Boolean).length).toBeGreaterThan(80);
  });

  /** Texts of the rules' own words, in any case, between what ends or does not end a word. */
  const words = [
    ...new Set(RULES.flatMap((rule) => rule.pattern.source.match(/[A-Za-z']{2,}/g) ?? [])),
  ];
  const pieces = [
    ...words.map((word) => `${word} `),
    ...words.map((word) => `${word.toUpperCase()} `),
    ...words.map((word) => `${word[0]!.toUpperCase()}${word.slice(1)} `),
    ...words,
    ...[' ', '  ', '\n', '\t', '.', ',', ':', '!', '-', '_', '1', "'", '"', '<', '>', '|', '['],
    ...[']', '(', '#', '##', '/', 'é', 'ü', 'и', '\u00a0', '\u2028', '\r\n', ' \n ', '\u3000'],
    ...['s', 'ing', 'AI', 'u', 'ai, ', 'ai: ', ' AI, ignore ', '## ', '-- ', '=== ', '\nsystem: '],
    ...['\n## Instructions\n', '\n== END OF THE TICKET ==\n', '\n[begin new system instructions'],
    ...['<|', '|>', '<<', '>>', '---', '</', '![x](', 'https://e.io/?q=', '_of_turn>', '[/'],
  ];

  it("find each rule's first match, the one its global scan finds", () => {
    const differ: string[] = [];
    let matched = 0;
    const matchedAtChars = new Set<number>();
    const texts = [
      ...randomTexts(23, pieces, 12, 40000),
      ...INJECTION_PROMPTS.map((sample) => sample.text),
    ];
    for (const text of texts) {
      const candidates = starts.candidates(text);
      RULES.forEach((rule, i) => {
        if (!starts.indexed[i]) return;
        rule.pattern.lastIndex = 0;
        const scanned = rule.pattern.exec(text);
        rule.pattern.lastIndex = 0;
        const found = candidates[i] ? starts.firstMatch(i, text, candidates[i]) : null;
        if (scanned !== null) matched++;
        if (scanned !== null && ruleLead(rule.pattern)!.chars.length > 0) matchedAtChars.add(i);
        if (`${scanned?.index}:${scanned?.[0]}` !== `${found?.index}:${found?.[0]}`)
          differ.push(`rule ${i}: ${JSON.stringify(text)}`);
      });
    }
    expect(differ).toEqual([]);
    // The fuzz reaches matches, not only misses.
    expect(matched).toBeGreaterThan(2000);
    // Eight of the nine rules tried at signs (`<|`, `[INST]`, `---`, `![`) among them.
    expect(matchedAtChars.size).toBeGreaterThanOrEqual(8);
  });
});

describe('the fast paths, as properties of generated text (fast-check)', () => {
  /** Pieces the screen's walks treat apart: separators, signs, invisible and non-Latin characters. */
  const special = fc.constantFrom(
    ...[' ', '\n', '\r\n', '\t', '\u2028', '\u00a0', '\u3000', '.', '-', '_', '*', '%', '%20'],
    ...['<', '<|', '|>', '[', ']', '/', '!', '#', '##', '---', ':', '::', '@', '$', '|', '0', '1'],
    ...['3', '7', '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u202e', 'é', 'и', 'о', 'α'],
    ...['忽略', '\u{e0041}', '\u{1d400}', 'Ａ'],
    // Whole tokens of the rules that start at signs, which single pieces would seldom spell.
    ...['<|im_start|>', '<|system|>', '[INST]', '[/INST]', '<<SYS>>', '<start_of_turn>', '</data>'],
    ...['--- end of system', '-----BEGIN instructions', '\nend of the data\n', '<system>'],
    ...['![x](https://e.io/?q=1)', '![img](http://a.b/{data})', '[assistant note]', '</ data-x >'],
  );
  /** Words of the rules and of folding (text speak, leet), in any case. */
  const ruleWords = [
    ...new Set(RULES.flatMap((rule) => rule.pattern.source.match(/[A-Za-z']{2,}/g) ?? [])),
    ...['u', 'ur', 'pls', 'r', 'ppl', 'i', 'g', 'n', 'o', 'e', 'ign0re', 'pr3vious'],
  ];
  const word = fc
    .tuple(fc.constantFrom(...ruleWords), fc.constantFrom('as-is', 'upper', 'title'))
    .map(([w, shape]) =>
      shape === 'upper'
        ? w.toUpperCase()
        : shape === 'title'
          ? w[0]!.toUpperCase() + w.slice(1)
          : w,
    );
  /** A long run of one character (spaces, dashes, letters, zero-width characters). */
  const run = fc
    .tuple(
      fc.constantFrom(' ', '-', 'a', '\u200b', '<', '0', 'ab'),
      fc.integer({ min: 10, max: 300 }),
    )
    .map(([unit, times]) => unit.repeat(times));
  const text = fc
    .array(
      fc.oneof(
        { arbitrary: word, weight: 6 },
        special,
        fc.string({ unit: 'grapheme', maxLength: 4 }),
        run,
      ),
      {
        maxLength: 24,
      },
    )
    .map((parts) => parts.join(''));

  it("rule-start scan: each rule's first match is its global scan's", () => {
    const starts = new RuleStarts(RULES.map((rule) => rule.pattern));
    fc.assert(
      fc.property(text, (sample) => {
        const candidates = starts.candidates(sample);
        RULES.forEach((rule, i) => {
          if (!starts.indexed[i]) return;
          rule.pattern.lastIndex = 0;
          const scanned = rule.pattern.exec(sample);
          rule.pattern.lastIndex = 0;
          const found = candidates[i] ? starts.firstMatch(i, sample, candidates[i]) : null;
          expect(`${found?.index}:${found?.[0]}`).toBe(`${scanned?.index}:${scanned?.[0]}`);
        });
      }),
      { numRuns: 3000, seed: 21 },
    );
  });

  it('word walk: the runs of letters found by hash are the set of lower-cased runs it replaced', () => {
    /** The lexicon's gate words and word starts, with letters after them, in any case. */
    const lexiconWord = fc
      .tuple(
        fc.constantFrom(...LEXICON_GATE.whole, ...LEXICON_GATE.starts),
        fc.constantFrom('', 'e', 'en', 's', 'x'),
        fc.boolean(),
      )
      .map(([stem, ending, upper]) => (upper ? (stem + ending).toUpperCase() : stem + ending));
    const sample = fc
      .array(fc.oneof(text, lexiconWord, fc.constantFrom(' ', '\u212a', 'é', '1', '_', '`', '@')), {
        maxLength: 12,
      })
      .map((parts) => parts.join(''));
    const opensLexicon = (run: string): boolean =>
      LEXICON_GATE.whole.has(run) || [...LEXICON_GATE.starts].some((s) => run.startsWith(s));
    fc.assert(
      fc.property(sample, (sample) => {
        const runs = [...sample.matchAll(/[A-Za-z]+/g)];
        const lower = new Set(runs.map((m) => m[0].toLowerCase()));
        const words = asciiWords(sample);
        expect(INDEXED_WORDS.filter((word) => words.has(word))).toEqual(
          INDEXED_WORDS.filter((word) => lower.has(word)),
        );
        // The rules' word gates, asked by the ids of their lists.
        expect(RULES.map((rule) => mayMatch({ words: rule.gate.words }, words, sample))).toEqual(
          RULES.map((rule) =>
            (rule.gate.words ?? []).every((list) => list.some((w) => lower.has(w))),
          ),
        );
        expect(words.lexiconRuns).toEqual(
          runs.filter((m) => opensLexicon(m[0].toLowerCase())).map((m) => m.index),
        );
      }),
      { numRuns: 3000, seed: 21 },
    );
  });

  it('lexicon per line: a line it skips is one the lexicon leaves as it is', () => {
    const literal = fc
      .tuple(
        fc.constantFrom(...ENTRIES.flatMap(([, stems, cjk]) => [...stems, ...cjk])),
        fc.constantFrom('', 'en', 'd', 'x'),
        fc.boolean(),
      )
      .map(([stem, ending, upper]) => {
        const word = stem.replace(/\$$/, '') + ending;
        return upper ? word.toUpperCase() : word;
      });
    const part = fc.oneof(
      { arbitrary: literal, weight: 3 },
      { arbitrary: word, weight: 3 },
      fc.constantFrom(' ', ' ', '.', '1', '_', 'xx', '\u212a', 'İ', 'é', '\u2019', '忽'),
    );
    // Lines of up to 2,000 characters, and longer ones that `foldLines` cuts, often inside a word.
    const line = fc.oneof(
      fc.array(part, { maxLength: 10 }).map((parts) => parts.join('')),
      fc
        .tuple(fc.integer({ min: 1980, max: 2000 }), fc.array(part, { maxLength: 6 }))
        .map(([spaces, parts]) => ' '.repeat(spaces) + parts.join('')),
    );
    const sample = fc.array(line, { maxLength: 5 }).map((lines) => lines.join('\n'));
    fc.assert(
      fc.property(sample, (sample) => {
        const { pieces } = foldLines(sample);
        const { lexiconRuns } = asciiWords(sample);
        const whole = mayHoldLexicon(sample, lexiconRuns);
        const perPiece = piecesMayHoldLexicon(sample, pieces, lexiconRuns);
        expect(pieces.map((piece, i) => (perPiece[i] ? englishLexicon(piece) : piece))).toEqual(
          pieces.map((piece) => (whole ? englishLexicon(piece) : piece)),
        );
      }),
      { numRuns: 3000, seed: 21 },
    );
  });

  it('line pieces: cut where the expression cut them', () => {
    const sample = fc
      .array(
        fc.oneof(
          fc.constantFrom('\n', '\n\n', '\r\n', 'a', ' ', '\u2028', '忽', '\u{1d400}'),
          fc
            .tuple(fc.constantFrom('a', 'b ', '\u00e9'), fc.integer({ min: 1, max: 4100 }))
            .map(([unit, times]) => unit.repeat(times).slice(0, times)),
        ),
        { maxLength: 8 },
      )
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(sample, (sample) => {
        expect(linePieces(sample)).toEqual(sample.match(/[^\n]{1,2000}/g) ?? []);
      }),
      { numRuns: 2000, seed: 21 },
    );
  });

  /** What `foldForMatching` ran on ASCII text before its one walk: each pass as an expression. */
  function referenceAsciiFold(ascii: string): string {
    let folded = ascii;
    if (/[A-Za-z][013457@$!|]+[A-Za-z]/.test(folded))
      folded = folded.replace(/[A-Za-z][A-Za-z013457@$!|]*[A-Za-z]/g, (w) =>
        w.replace(/[013457@$!|]/g, (ch) => LEET[ch] ?? ch),
      );
    if ((folded.match(/%[0-9A-Fa-f]{2}/g)?.length ?? 0) >= 3)
      folded = folded.replace(/(?:%[0-9A-Fa-f]{2})+/g, (escaped) => {
        try {
          return decodeURIComponent(escaped);
        } catch {
          return escaped;
        }
      });
    folded = folded.replace(/\b(?:[A-Za-z][ .\-_*]){2,}[A-Za-z]\b/g, (spaced) =>
      spaced.replace(/[ .\-_*]/g, ''),
    );
    return folded.replace(
      /(?<!\p{L})(?:ur|u|pls|plz|r|ppl)(?!\p{L})/giu,
      (w) => TEXT_SPEAK[w.toLowerCase()] ?? w,
    );
  }

  it('folding: ASCII text folds as the passes it replaced', () => {
    const asciiPart = fc.oneof(
      { arbitrary: word, weight: 4 },
      fc.constantFrom(
        ' ',
        '.',
        '-',
        '_',
        '*',
        '%',
        '%20',
        '%2',
        '@',
        '$',
        '!',
        '|',
        '0',
        '1',
        '3',
        '\n',
      ),
      // Single letters, which spaced-out words (`i g n o r e`) are made of.
      { arbitrary: fc.constantFrom('i', 'G', 'n', 'o', 'r', 'u', 'e'), weight: 3 },
      fc.constantFrom('i g n', 'i.g.n.o.r.e', 'a-b', 'x_y_z', 'p*w*n', 'u r', 'r u'),
      fc.string({ unit: 'binary-ascii', maxLength: 3 }),
    );
    fc.assert(
      fc.property(fc.array(asciiPart, { maxLength: 30 }), (parts) => {
        const sample = parts.join('');
        expect(foldForMatching(sample)).toBe(referenceAsciiFold(sample));
      }),
      { numRuns: 20000, seed: 21 },
    );
  });

  it('IPv6 candidates: tried at their starts, the same matches as the global scan', () => {
    const hexish = fc.array(
      fc.oneof(
        fc.constantFrom(
          ':',
          '::',
          '.',
          'fe80',
          '2001',
          'db8',
          'g',
          '_',
          ' ',
          '%eth0',
          'é',
          '\u200b',
        ),
        fc.integer({ min: 1, max: 60 }).map((n) => 'a'.repeat(n)),
      ),
      { maxLength: 20 },
    );
    fc.assert(
      fc.property(hexish, (parts) => {
        const sample = parts.join('');
        expect(at(IPV6_CANDIDATE, sample, ipv6Starts(sample))).toEqual(all(IPV6_CANDIDATE, sample));
      }),
      { numRuns: 20000, seed: 21 },
    );
  });

  it('the invisible-character prefilter holds every character the four expressions remove', () => {
    const removed = [
      /[\u200B\u2060-\u2064\uFEFF\u180E\u00AD\u115F\u1160\u3164]|\u034F/,
      /(?<=[A-Za-z])[\u200C\u200D]+(?=[A-Za-z])/,
      /[\u202A-\u202E\u2066-\u2069]/,
      /[\u{E0000}-\u{E007F}]+/u,
    ];
    const missed: string[] = [];
    for (let c = 0x80; c <= 0x10ffff; c++) {
      const sample = `a${String.fromCodePoint(c)}b`;
      if (removed.some((re) => re.test(sample)) && !MAY_HOLD_INVISIBLE.test(sample))
        missed.push(c.toString(16));
    }
    expect(missed).toEqual([]);
  });

  it('Cyrillic and Greek blocks hold every letter of the two scripts', () => {
    const missed: string[] = [];
    const exact = /[\p{Script=Cyrillic}\p{Script=Greek}]/u;
    for (let c = 0; c <= 0x10ffff; c++) {
      const ch = String.fromCodePoint(c);
      if (exact.test(ch) && !CYRILLIC_OR_GREEK_BLOCKS.test(ch)) missed.push(c.toString(16));
    }
    expect(missed).toEqual([]);
  });
});
