/**
 * Prompt-injection screening of untrusted text: a trained classifier (classifier.ts) and phrase
 * rules, then a second look at the text with obfuscations undone, then decoded payloads (base64,
 * hex, percent and `\x` escapes, ROT13, reversed text, Unicode tag characters), each decoded text
 * assessed like the original, classifier included.
 *
 * The score combines signals as a noisy-OR over signal kinds, `1 - Π(1 - w)`, with each kind
 * counted once at its strongest weight: independent kinds of evidence add up, one phrase repeated
 * twenty times does not. Weights (rules.ts, concepts.ts, and below for the structural signals)
 * are the probability that a text showing only that signal is an injection, set by hand on the
 * fixtures. With the default policy (policy.ts) one strong signal (0.6-0.8) flags, a weak one
 * (0.2-0.45) is only logged, and blocking (0.9) takes two strong signals or a decoded payload.
 *
 * What it is and is not: a fast first screen that catches the phrasings of public jailbreak and
 * injection collections, their paraphrases as far as the classifier generalizes, and their cheap
 * disguises (docs/security.md, data protection, for the measured figures). The fence around untrusted text
 * and the canary check on outputs are the defences that do not depend on wording.
 */
import { injectionProbability, shippedModel, type InjectionModel } from './classifier.js';
import { conceptSignals } from './concepts.js';
import { asciiWords, mayMatch, type TextWords } from './gate.js';
import { countInvisible, foldLines, mixedScriptWords, type FoldedLines } from './normalize.js';
import { quotedSpans, type Span } from './quotes.js';
import { RuleStarts } from './rule-starts.js';
import { RULES, type InjectionSignalKind } from './rules.js';

export interface InjectionSignal {
  kind: InjectionSignalKind;
  /**
   * The text that raised it (at most 120 characters, whitespace collapsed). It is a quote of
   * untrusted input: redact it before logging, or log only kinds and weights.
   */
  evidence: string;
  weight: number;
}

export interface InjectionAssessment {
  /** 0..1: the combined weight of the signals. */
  score: number;
  /** Strongest first. */
  signals: InjectionSignal[];
}

export interface AssessOptions {
  /** How many layers of encoding to look through (base64 inside base64 ...). Default 2. */
  maxDepth?: number;
  /**
   * The trained classifier whose probability joins the rules' signals; the shipped one by
   * default, null for the rules alone (to measure what each contributes).
   */
  model?: InjectionModel | null;
}

/** Structural signal weights. */
export const STRUCTURAL_WEIGHTS = {
  /** Unicode tag characters: invisible ASCII, no legitimate use in support or log text. */
  tagCharacters: 0.7,
  /** Zero-width characters inside words. One is often a copy-paste accident; several are not. */
  zeroWidthFew: 0.2,
  zeroWidthMany: 0.4,
  /** Bidi overrides and isolates (Trojan Source). */
  bidiControls: 0.35,
  /** Latin mixed with Cyrillic or Greek look-alikes inside one word. */
  mixedScript: 0.45,
  /** Rules that match only once obfuscation is undone: the disguise itself is evidence. */
  obfuscation: 0.6,
  /** Base of an encoded payload whose decoded text carries signals; the decoded score adds to it. */
  encodedBase: 0.5,
  /**
   * The classifier's probability counts as a signal from `classifierFloor`, at most at
   * `classifierCap`: the model alone can flag (0.5) but never block (0.9); blocking takes a rule or
   * a decoded payload as well, so a false positive there needs two independent mistakes. The floor
   * is high because on text unlike anything it was trained on (held-out look-alikes, role-play
   * prompts) the model's probabilities run high. Calibrated on the held-out probabilities of
   * `npm run measure:injection -- --dump` (every collection scored by a model trained without it):
   * from 0.8 to 0.85 costs 1.9 points of recall (averaged over attack collections) and saves
   * 1.5-3.4 points of false positives on each look-alike set; higher floors cost recall faster
   * than they save look-alikes, and letting a rule's presence lower the floor adds more false
   * positives than it finds attacks.
   */
  classifierFloor: 0.85,
  classifierCap: 0.8,
  /**
   * A rule matched wholly inside a short quotation that the text talks about (quotes.ts) weighs
   * this much of its weight: "our guard flags \"ignore previous instructions\"" mentions an attack,
   * it does not make one. A mention can still be logged, and the classifier still reads it.
   */
  quotedMention: 0.5,
} as const;

const MAX_SIGNALS = 24;
const MAX_DECODED_BLOBS = 32;
/** How much text after "rot13" or "read backwards" is decoded. */
const ANNOUNCED_WINDOW = 4000;

function evidenceOf(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 117)}...` : flat;
}

/** Where each rule's match can start (rule-starts.ts), built once for all texts. */
const RULE_STARTS = new RuleStarts(RULES.map((rule) => rule.pattern));
/** The rules' gates without their expressions (`text`), for the rules tried at their starts only. */
const WORD_GATES = RULES.map((rule) => ({ words: rule.gate.words }));

/** A text's runs of letters (gate.ts) and where each rule can match in it, in one walk. */
interface WordsAndStarts {
  words: TextWords;
  starts: (number[] | undefined)[];
}

function readWords(text: string): WordsAndStarts {
  const reader = RULE_STARTS.reader(text);
  return { words: asciiWords(text, reader), starts: reader.starts };
}

function runRules(
  text: string,
  { words, starts }: WordsAndStarts,
  signals: InjectionSignal[],
  quotes: readonly Span[] = quotedSpans(text),
): void {
  for (let i = 0; i < RULES.length; i++) {
    const rule = RULES[i]!;
    const at = starts[i];
    let m: RegExpExecArray | null;
    if (RULE_STARTS.indexed[i]) {
      // A rule whose match can start only where a run of letters spells its first word cannot
      // match where none does; where some do, trying it there costs less than its gate's
      // expression, so only the word lists are asked.
      if (at === undefined || !mayMatch(WORD_GATES[i]!, words, text)) continue;
      m = RULE_STARTS.firstMatch(i, text, at);
    } else {
      if (!mayMatch(rule.gate, words, text)) continue;
      rule.pattern.lastIndex = 0;
      m = rule.pattern.exec(text);
      rule.pattern.lastIndex = 0;
    }
    if (!m) continue;
    const end = m.index + m[0].length;
    const mentioned = quotes.some((q) => m.index >= q.start && end <= q.end);
    signals.push({
      kind: rule.kind,
      evidence: evidenceOf(m[0]),
      weight: mentioned ? rule.weight * STRUCTURAL_WEIGHTS.quotedMention : rule.weight,
    });
  }
}

/** Printable-text ratio of a decoded buffer: encoded text decodes to text, hashes to noise. */
function asText(bytes: Buffer): string | null {
  if (bytes.length < 8) return null;
  const text = bytes.toString('utf8');
  let printable = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (
      (c >= 0x20 && c < 0x7f) ||
      c === 0x0a ||
      c === 0x0d ||
      c === 0x09 ||
      (c >= 0xa0 && c !== 0xfffd)
    )
      printable++;
  }
  return printable / [...text].length >= 0.9 ? text : null;
}

/**
 * ASCII code units by what the payload walks make of them: base64 and base64url letters and `=`
 * (what a blob is made of and must not touch), hex digits, and the single separators hex bytes may
 * have between them. A table lookup is a third of the comparisons' cost per character.
 */
const BASE64_UNIT = 1;
const HEX_DIGIT = 2;
const HEX_SEPARATOR = 4;
const UNIT_KIND = new Uint8Array(128);
for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-')
  UNIT_KIND[ch.charCodeAt(0)]! |= BASE64_UNIT;
for (const ch of '0123456789abcdefABCDEF') UNIT_KIND[ch.charCodeAt(0)]! |= HEX_DIGIT;
for (const ch of ' :') UNIT_KIND[ch.charCodeAt(0)]! |= HEX_SEPARATOR;

const kindOf = (c: number): number => (c < 128 ? UNIT_KIND[c]! : 0);

const HEX_BLOB = /(?<![0-9A-Fa-f])(?:[0-9A-Fa-f]{2}(?:[ :]?)){12,4096}(?![0-9A-Fa-f])/g;

/**
 * In one walk over the text (each unit's kind read once, where a second walk for the hex digits
 * read them all again): what `/(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{16,8192}={0,2}(?![A-Za-z0-9+/=_-])/g`
 * matches, whole runs of base64 units whose only `=` are at most two at the end, with 16 to 8,192
 * units before them; and whether HEX_BLOB may match, i.e. 24 hex digits with nothing but spaces or
 * colons between, which its every match holds.
 */
export function encodedRuns(text: string): { base64: string[]; mayHoldHex: boolean } {
  const base64: string[] = [];
  const length = text.length;
  /** Hex digits since the last unit that is neither one nor a separator. */
  let digits = 0;
  let mayHoldHex = false;
  let i = 0;
  while (i < length) {
    const kind = kindOf(text.charCodeAt(i));
    if ((kind & BASE64_UNIT) === 0) {
      // Not a hex digit either (they are base64 units).
      if ((kind & HEX_SEPARATOR) === 0) digits = 0;
      i++;
      continue;
    }
    let end = i;
    let firstPad = -1;
    for (; end < length; end++) {
      const c = text.charCodeAt(end);
      const unit = kindOf(c);
      if ((unit & BASE64_UNIT) === 0) break;
      if ((unit & HEX_DIGIT) === 0) digits = 0;
      else if (++digits >= 24) mayHoldHex = true;
      if (c === 0x3d && firstPad < 0) firstPad = end;
    }
    const body = firstPad < 0 ? end : firstPad;
    if (end - body <= 2 && body - i >= 16 && body - i <= 8192) {
      let padded = true;
      for (let k = body; k < end; k++) padded &&= text.charCodeAt(k) === 0x3d;
      if (padded) base64.push(text.slice(i, end));
    }
    i = end;
  }
  return { base64, mayHoldHex };
}

const ESCAPED_BYTES = /(?:\\x[0-9A-Fa-f]{2}|%[0-9A-Fa-f]{2}){8,4096}/g;
const UNICODE_ESCAPES = /(?:\\u[0-9A-Fa-f]{4}){6,4096}/g;

/** Texts hidden in encodings, each with how it was hidden. */
function decodedPayloads(text: string, words: TextWords): { how: string; text: string }[] {
  const out: { how: string; text: string }[] = [];
  const push = (how: string, decoded: string | null): void => {
    if (decoded !== null && out.length < MAX_DECODED_BLOBS) out.push({ how, text: decoded });
  };
  const runs = encodedRuns(text);
  for (const blob of runs.base64) {
    // Words and identifiers are not payloads: a blob needs digits or mixed case and no long word runs.
    if (!/[A-Z]/.test(blob) || !/[a-z]/.test(blob) || /^[A-Za-z]+$/.test(blob)) continue;
    push('base64', asText(Buffer.from(blob.replace(/-/g, '+').replace(/_/g, '/'), 'base64')));
  }
  // Each scan runs only on text that holds what its every match must.
  if (runs.mayHoldHex)
    for (const m of text.matchAll(HEX_BLOB))
      push('hex', asText(Buffer.from(m[0].replace(/[ :]/g, ''), 'hex')));
  if (text.includes('%') || text.includes('\\x'))
    for (const m of text.matchAll(ESCAPED_BYTES)) {
      const hex = m[0].replace(/\\x|%/g, '');
      push('escaped bytes', asText(Buffer.from(hex, 'hex')));
    }
  if (text.includes('\\u'))
    for (const m of text.matchAll(UNICODE_ESCAPES)) {
      const decoded = m[0].replace(/\\u([0-9A-Fa-f]{4})/g, (_, hex: string) =>
        String.fromCharCode(parseInt(hex, 16)),
      );
      push('unicode escapes', decoded);
    }
  // Whole-text transforms are announced; the payload is what follows the announcement.
  const rot13 = words.has('rot') ? /\brot-?13\b/i.exec(text) : null;
  if (rot13) {
    const window = text.slice(rot13.index, rot13.index + ANNOUNCED_WINDOW);
    push(
      'rot13',
      window.replace(/[A-Za-z]/g, (c) => {
        const base = c <= 'Z' ? 65 : 97;
        return String.fromCharCode(((c.charCodeAt(0) - base + 13) % 26) + base);
      }),
    );
  }
  const reversed =
    words.has('backwards') || words.has('reversed') || words.has('reverse')
      ? /\b(?:backwards|reversed|in reverse|reverse (?:it|this|the text))\b/i.exec(text)
      : null;
  if (reversed)
    push(
      'reversed',
      [...text.slice(reversed.index, reversed.index + ANNOUNCED_WINDOW)].reverse().join(''),
    );
  return out;
}

/**
 * The folded form of the lines (in chunks of at most 2,000 characters) that folding changes,
 * joined; null when it changes none. A long log with one disguised line gets a second look at
 * that line only.
 */
function foldedSegments(lines: FoldedLines): string | null {
  const changed = lines.folded.filter((folded, i) => folded !== lines.pieces[i]);
  return changed.length === 0 ? null : changed.join('\n');
}

function combine(signals: InjectionSignal[]): number {
  const strongest = new Map<InjectionSignalKind, number>();
  for (const s of signals) strongest.set(s.kind, Math.max(strongest.get(s.kind) ?? 0, s.weight));
  let keep = 1;
  for (const w of strongest.values()) keep *= 1 - w;
  return Math.round((1 - keep) * 1000) / 1000;
}

function assess(text: string, depth: number, model: InjectionModel | null): InjectionAssessment {
  const signals: InjectionSignal[] = [];
  // Folded once, for the classifier and the rules' second look.
  const lines = foldLines(text);
  const read = readWords(text);
  const words = read.words;
  if (model) {
    const probability = injectionProbability(text, model, lines, words);
    if (probability >= STRUCTURAL_WEIGHTS.classifierFloor)
      signals.push({
        kind: 'classifier',
        evidence: `trained classifier: ${probability.toFixed(2)}`,
        weight: Math.min(STRUCTURAL_WEIGHTS.classifierCap, probability),
      });
  }
  const quotes = quotedSpans(text);
  runRules(text, read, signals, quotes);
  for (const c of conceptSignals(text, quotes))
    signals.push({ kind: c.kind, evidence: evidenceOf(c.evidence), weight: c.weight });
  const seen = new Set(signals.map((s) => s.kind));

  // Invisible characters, and the ASCII that tag characters smuggle.
  const invisible = countInvisible(text);
  if (invisible.tagCharacters > 0) {
    signals.push({
      kind: 'invisible-characters',
      evidence: `${invisible.tagCharacters} Unicode tag characters`,
      weight: STRUCTURAL_WEIGHTS.tagCharacters,
    });
  }
  if (invisible.zeroWidth > 0) {
    const weight =
      invisible.zeroWidth >= 3 ? STRUCTURAL_WEIGHTS.zeroWidthMany : STRUCTURAL_WEIGHTS.zeroWidthFew;
    signals.push({
      kind: 'invisible-characters',
      evidence: `${invisible.zeroWidth} zero-width characters`,
      weight,
    });
  }
  if (invisible.bidiControls > 0) {
    signals.push({
      kind: 'invisible-characters',
      evidence: `${invisible.bidiControls} bidi control characters`,
      weight: STRUCTURAL_WEIGHTS.bidiControls,
    });
  }
  const mixed = mixedScriptWords(text);
  if (mixed.length > 0) {
    signals.push({
      kind: 'obfuscation',
      evidence: `mixed-script words: ${mixed.join(', ')}`,
      weight: STRUCTURAL_WEIGHTS.mixedScript,
    });
  }

  // A second look with obfuscations undone: what shows only now was hidden on purpose.
  const folded = foldedSegments(lines);
  if (folded !== null) {
    const again: InjectionSignal[] = [];
    runRules(folded, readWords(folded), again);
    for (const c of conceptSignals(folded, quotedSpans(folded)))
      again.push({ kind: c.kind, evidence: evidenceOf(c.evidence), weight: c.weight });
    const revealed = again.filter(
      (s) => !seen.has(s.kind) && s.kind !== 'system-prompt-mention' && s.kind !== 'role-play',
    );
    for (const s of revealed) {
      signals.push(s);
      seen.add(s.kind);
    }
    if (revealed.length > 0) {
      signals.push({
        kind: 'obfuscation',
        evidence: `after normalizing: ${revealed[0]!.evidence}`,
        weight: STRUCTURAL_WEIGHTS.obfuscation,
      });
    }
  }

  // Decoded payloads, assessed like the text itself.
  if (depth > 0) {
    const hidden = decodedPayloads(text, words);
    if (invisible.hiddenText.length > 0)
      hidden.unshift({ how: 'tag characters', text: invisible.hiddenText });
    for (const payload of hidden) {
      const inner = assess(payload.text, depth - 1, model);
      if (inner.signals.length === 0 || inner.score < 0.3) continue;
      const weight = Math.min(0.95, STRUCTURAL_WEIGHTS.encodedBase + inner.score / 2);
      signals.push({
        kind: 'encoded-payload',
        evidence: `${payload.how}: ${evidenceOf(payload.text)}`,
        weight,
      });
    }
  }

  signals.sort((a, b) => b.weight - a.weight);
  return { score: combine(signals), signals: signals.slice(0, MAX_SIGNALS) };
}

/** Screens untrusted text (a ticket body, a log line, a user message) for prompt injection. */
export function assessInjection(text: string, options: AssessOptions = {}): InjectionAssessment {
  const model = options.model === undefined ? shippedModel() : options.model;
  return assess(text, options.maxDepth ?? 2, model);
}
