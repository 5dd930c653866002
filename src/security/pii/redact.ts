/**
 * Reversible redaction for one request. Every distinct value gets a numbered placeholder per
 * kind (`[EMAIL_1]`, `[CARD_2]`), the same value the same placeholder across all messages of the
 * request, and `restore()` puts the originals back into what the model answers.
 *
 * Restoring is tolerant of what models do to placeholders: any case (`[email_1]`), other brackets
 * (`{EMAIL_1}`, `<EMAIL_1>`, `(EMAIL_1)`), a space or dash for the underscore inside brackets
 * (`[EMAIL 1]`, `[Email-1]`), and no brackets at all (`EMAIL_1`, but then only with the
 * underscore, so prose like "phone 1" is left alone). Only placeholders this request issued are
 * restored; `[EMAIL_9]` that it never issued stays as it is. Placeholder-like text already in the
 * input (`[EMAIL_1]` pasted from an earlier redacted transcript) is never reused as a number, so
 * it cannot be "restored" into somebody's address.
 *
 * A value's placeholder is keyed on its normalized form (emails lower-cased; phone, card and
 * IBAN digits without separators), so `4111 1111 1111 1111` and `4111-1111-1111-1111` share one
 * placeholder; `restore()` writes back the form first seen.
 */
import { findPii, type DetectOptions } from './detectors.js';
import { PII_KINDS, PLACEHOLDER_LABEL, type PiiKind } from './kinds.js';

export interface RedactOptions extends DetectOptions {
  /**
   * Kinds whose originals `restore()` puts back; all by default. Leave SECRET out to keep
   * credentials masked in answers too (an answer may be stored and shown again).
   */
  restoreKinds?: readonly PiiKind[];
}

export type PiiCounts = Partial<Record<PiiKind, number>>;

/** What a redaction tells an auditor: how much of what, never the values. */
export interface RedactionSummary {
  /** Occurrences redacted per kind (the same email twice counts 2). */
  counts: PiiCounts;
  /** Distinct values redacted per kind (the same email twice counts 1). */
  distinct: PiiCounts;
  /** All occurrences redacted. */
  total: number;
}

/** Incremental restore of a streamed answer: placeholders may be split across deltas. */
export interface StreamRestorer {
  /** Takes the next delta; returns the text that is safe to emit now (possibly ''). */
  push(delta: string): string;
  /** Returns whatever was held back, restored. Call once at the end of the stream. */
  flush(): string;
}

export interface Restorable {
  restore(output: string): string;
  restorer(): StreamRestorer;
}

export interface Redaction extends RedactionSummary, Restorable {
  text: string;
}

export interface RequestRedaction extends RedactionSummary, Restorable {
  texts: string[];
}

interface Entry {
  kind: PiiKind;
  placeholder: string;
  original: string;
}

const LABELS = [...new Set(Object.values(PLACEHOLDER_LABEL))].sort((a, b) => b.length - a.length);
/** A placeholder as issued or as a model may have reformatted it. */
const PLACEHOLDER_LIKE = new RegExp(
  `([[{<(][ ]?)?\\b(${LABELS.join('|')})([_ -])(\\d{1,6})\\b([ ]?[\\]}>)])?`,
  'gi',
);
const LONGEST_PLACEHOLDER = 2 + Math.max(...LABELS.map((l) => l.length)) + 2 + 6 + 2;

function normalizedKey(kind: PiiKind, value: string): string {
  switch (kind) {
    case 'EMAIL':
      return value.toLowerCase();
    case 'PHONE':
    case 'PAYMENT_CARD':
      return value.replace(/\D/g, '');
    case 'IBAN':
      return value.replaceAll(' ', '');
    default:
      return value;
  }
}

/**
 * The redaction state of one request. Use one per request (never share across accounts: it holds
 * the originals). `redact()` each text in turn; `restore()` or `restorer()` the answer.
 */
export class PiiRedactor implements Restorable {
  private readonly byValue = new Map<string, Entry>();
  private readonly byPlaceholder = new Map<string, Entry>();
  private readonly next = new Map<string, number>();
  private readonly reserved = new Set<string>();
  private readonly restoreKinds: ReadonlySet<PiiKind>;
  private readonly occurrences: PiiCounts = {};
  private readonly distinctCounts: PiiCounts = {};
  private occurrencesTotal = 0;

  constructor(private readonly options: RedactOptions = {}) {
    this.restoreKinds = new Set(options.restoreKinds ?? PII_KINDS);
  }

  /**
   * Marks placeholder-like text in inputs as taken, so no issued placeholder collides with it.
   * `redact()` does this for its own text; call it first with all texts of a request when later
   * messages might contain placeholder-like text (the `redactTexts` helper does).
   */
  reserve(text: string): void {
    for (const m of text.matchAll(PLACEHOLDER_LIKE))
      this.reserved.add(`${m[2]!.toUpperCase()}_${Number(m[4])}`);
  }

  redact(text: string): string {
    this.reserve(text);
    const findings = findPii(text, this.options);
    if (findings.length === 0) return text;
    let out = '';
    let at = 0;
    for (const f of findings) {
      out += text.slice(at, f.start) + this.placeholderFor(f.kind, f.value);
      at = f.end;
    }
    return out + text.slice(at);
  }

  private placeholderFor(kind: PiiKind, value: string): string {
    const key = `${kind}\u0000${normalizedKey(kind, value)}`;
    let entry = this.byValue.get(key);
    if (!entry) {
      const label = PLACEHOLDER_LABEL[kind];
      let n = this.next.get(label) ?? 1;
      while (this.reserved.has(`${label}_${n}`)) n++;
      this.next.set(label, n + 1);
      const id = `${label}_${n}`;
      entry = { kind, placeholder: `[${id}]`, original: value };
      this.byValue.set(key, entry);
      this.byPlaceholder.set(id, entry);
      this.distinctCounts[kind] = (this.distinctCounts[kind] ?? 0) + 1;
    }
    this.occurrences[kind] = (this.occurrences[kind] ?? 0) + 1;
    this.occurrencesTotal++;
    return entry.placeholder;
  }

  get summary(): RedactionSummary {
    return {
      counts: { ...this.occurrences },
      distinct: { ...this.distinctCounts },
      total: this.occurrencesTotal,
    };
  }

  /** Puts the originals back for every placeholder this redactor issued. */
  restore(output: string): string {
    if (this.byPlaceholder.size === 0) return output;
    return output.replace(
      PLACEHOLDER_LIKE,
      (
        match: string,
        open: string | undefined,
        label: string,
        sep: string,
        n: string,
        close: string | undefined,
      ) => {
        if (!open && !close && sep !== '_') return match;
        const entry = this.byPlaceholder.get(`${label.toUpperCase()}_${Number(n)}`);
        if (!entry || !this.restoreKinds.has(entry.kind)) return match;
        // A lone bracket on one side is the model's punctuation, not the placeholder's: keep it.
        const keepOpen = open && !close ? open : '';
        const keepClose = close && !open ? close : '';
        return keepOpen + entry.original + keepClose;
      },
    );
  }

  restorer(): StreamRestorer {
    let pending = '';
    return {
      push: (delta) => {
        pending += delta;
        const cut = safeCut(pending);
        const ready = pending.slice(0, cut);
        pending = pending.slice(cut);
        return this.restore(ready);
      },
      flush: () => {
        const rest = this.restore(pending);
        pending = '';
        return rest;
      },
    };
  }
}

/** Whether `tail` (without any opening bracket) could grow into a placeholder. */
function couldBePlaceholderStart(tail: string): boolean {
  const upper = tail.toUpperCase();
  return LABELS.some(
    (label) =>
      label.startsWith(upper) ||
      (upper.startsWith(label) && /^(?:[_ -]\d{0,6})?[ ]?$/.test(upper.slice(label.length))),
  );
}

/**
 * Where a streamed buffer can be cut so that no placeholder is split: before an unclosed opening
 * bracket or a trailing word that could still become one; otherwise at the end.
 */
function safeCut(buffer: string): number {
  const window = Math.max(0, buffer.length - LONGEST_PLACEHOLDER);
  for (let i = buffer.length - 1; i >= window; i--) {
    const ch = buffer[i]!;
    if (']}>)'.includes(ch)) break;
    if ('[{<('.includes(ch)) {
      if (couldBePlaceholderStart(buffer.slice(i + 1).replace(/^ /, ''))) return i;
      break;
    }
  }
  const word = /[A-Za-z0-9_]+$/.exec(buffer.slice(window));
  if (word && couldBePlaceholderStart(word[0])) {
    const start = buffer.length - word[0].length;
    // Only a word that starts at a word boundary can be a placeholder.
    if (start === 0 || !/\w/.test(buffer[start - 1]!)) return start;
  }
  return buffer.length;
}

function asRestorable(redactor: PiiRedactor): Restorable {
  return { restore: (output) => redactor.restore(output), restorer: () => redactor.restorer() };
}

/**
 * Redacts one text, or all texts of a request with placeholders shared across them.
 * `restore()` on the result puts the originals back into the model's answer.
 */
export function redact(text: string, options?: RedactOptions): Redaction;
export function redact(texts: readonly string[], options?: RedactOptions): RequestRedaction;
export function redact(
  input: string | readonly string[],
  options: RedactOptions = {},
): Redaction | RequestRedaction {
  const redactor = new PiiRedactor(options);
  if (typeof input === 'string') {
    const text = redactor.redact(input);
    return { text, ...redactor.summary, ...asRestorable(redactor) };
  }
  for (const text of input) redactor.reserve(text);
  const texts = input.map((text) => redactor.redact(text));
  return { texts, ...redactor.summary, ...asRestorable(redactor) };
}

/**
 * Redacts the contents of chat messages (any `{ content: string }`), keeping every other field.
 * The shape the gateway sends to a third-party provider.
 */
export function redactMessages<M extends { content: string }>(
  messages: readonly M[],
  options: RedactOptions = {},
): RedactionSummary & Restorable & { messages: M[] } {
  const { texts, ...rest } = redact(
    messages.map((m) => m.content),
    options,
  );
  return { messages: messages.map((m, i) => ({ ...m, content: texts[i]! })), ...rest };
}
