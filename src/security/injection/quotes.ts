/**
 * Short quotations in a text that also says something of its own: where an attack phrase is
 * mentioned rather than used. Support and security text quotes attacks and error messages all the
 * time ("our guard flags \"ignore previous instructions\"", a log line saying "previous
 * instructions cache ignored"); an attack quotes its payload far less often, and when the whole
 * text is one quotation it is not a mention (nothing frames it).
 *
 * Double quotes only (straight, curly, guillemets, low-9): single quotes are apostrophes too often.
 */

export interface Span {
  start: number;
  end: number;
}

/** A quotation on one line, 2 to 100 characters between its marks. */
const QUOTATION =
  /"[^"\n]{2,100}"|\u201c[^\u201d\n]{2,100}\u201d|\u00ab[^\u00bb\n]{2,100}\u00bb|\u201e[^\u201c\u201d\n]{2,100}[\u201c\u201d]/g;
const QUOTE_MARK = /["\u201c\u00ab\u201e]/;
/**
 * What makes a quotation a payload rather than a mention: a field or attribute value (`msg="..."`,
 * `title: "..."`) or an order to output it (`print "..."`, `answer with "..."`).
 */
const PAYLOAD_BEFORE =
  /(?:[=:]|\b(?:print|say|write|output|type|repeat|return|echo|with|prefix|append|start|end)(?:\s+(?:it|this|that|the|exactly|only|just|out|following))*)\s*$/i;
/** Letters outside the quotations a text needs for them to count as mentions. */
const MIN_FRAME = 20;

export function quotedSpans(text: string): Span[] {
  if (!QUOTE_MARK.test(text)) return [];
  const spans: Span[] = [];
  let quoted = 0;
  for (const m of text.matchAll(QUOTATION)) {
    if (PAYLOAD_BEFORE.test(text.slice(Math.max(0, m.index - 40), m.index))) continue;
    spans.push({ start: m.index, end: m.index + m[0].length });
    quoted += m[0].length;
  }
  if (spans.length === 0) return spans;
  if (quoted >= text.length) return [];
  // Only whether the frame has MIN_FRAME letters matters: the count stops there.
  let frame = 0;
  let at = 0;
  for (const span of spans) {
    frame += countLetters(text, at, span.start, MIN_FRAME - frame);
    at = span.end;
  }
  frame += countLetters(text, at, text.length, MIN_FRAME - frame);
  return frame >= MIN_FRAME ? spans : [];
}

/** The ASCII letters from `from` to `to`, counted up to `enough` at most. */
function countLetters(text: string, from: number, to: number, enough: number): number {
  let n = 0;
  for (let i = from; i < to && n < enough; i++) {
    const c = text.charCodeAt(i) | 0x20;
    if (c >= 0x61 && c <= 0x7a) n++;
  }
  return n;
}

/** The text with its quotations blanked (same length, so positions hold). */
export function withoutQuotations(text: string, spans: readonly Span[]): string {
  if (spans.length === 0) return text;
  let out = '';
  let at = 0;
  for (const span of spans) {
    out += text.slice(at, span.start) + ' '.repeat(span.end - span.start);
    at = span.end;
  }
  return out + text.slice(at);
}
