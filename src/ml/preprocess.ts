/**
 * Ticket text normalisation, shared by training and prediction so that the model sees text of the
 * same shape at both times. Support tickets arrive as e-mails or web-form HTML; what decides the
 * category is what the customer wrote this time, not their signature, the markup or the earlier
 * thread quoted below. Everything here is plain string work with no state.
 */

/**
 * Characters of a subject or body that are looked at. What the customer wrote this time comes
 * first; a long tail is quoted threads, logs or attachments inlined by a mail client, and cutting
 * it bounds the cost of the regular expressions below on pathological input.
 */
export const MAX_TICKET_CHARS = 50_000;

/** Normalised text for one ticket: subject (if any) then body, lowercased, one space between words. */
export function normalizeTicketText(subject: string | undefined, body: string): string {
  const parts: string[] = [];
  if (subject !== undefined) parts.push(cleanSubject(subject.slice(0, MAX_TICKET_CHARS)));
  parts.push(stripReplyAndSignature(htmlToText(body.slice(0, MAX_TICKET_CHARS))));
  return collapse(parts.join('\n'));
}

/** Reply and forward markers say nothing about the category; drop them from the subject. */
function cleanSubject(subject: string): string {
  return htmlToText(subject).replace(/^\s*(?:(?:re|fw|fwd|aw|sv|tr)\s*(?:\[\d+\])?\s*:\s*)+/i, '');
}

/* ---------------------------------------------------------------- HTML ---------------------------------------------------------------- */

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  ndash: '-',
  mdash: '-',
  hellip: '...',
  lsquo: "'",
  rsquo: "'",
  ldquo: '"',
  rdquo: '"',
  copy: '(c)',
  reg: '(r)',
  trade: '(tm)',
  euro: 'eur',
  pound: 'gbp',
};

/**
 * Markup to plain text. Only runs the (comparatively slow) tag passes when the text looks like
 * HTML, because most tickets are plain text. Block elements become line breaks so that the
 * line-based signature and quote rules below still see lines.
 */
export function htmlToText(text: string): string {
  let out = text;
  if (/<[a-z!/][^>]*>/i.test(out)) {
    out = out
      .replace(/<(script|style|head|title)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ')
      .replace(/<!--[\s\S]*?-->/g, ' ')
      // A quoted earlier message in an HTML mail is a blockquote (or Gmail's quote div); it is not this ticket.
      .replace(/<blockquote\b[^>]*>[\s\S]*?<\/blockquote\s*>/gi, '\n')
      .replace(/<div\s+class="?gmail_quote[\s\S]*$/i, '\n')
      .replace(/<br\s*\/?>/gi, '\n')
      .replace(
        /<\/?(p|div|li|ul|ol|tr|table|h[1-6]|pre|section|article|header|footer)\b[^>]*>/gi,
        '\n',
      )
      .replace(/<[^>]*>/g, ' ');
  }
  if (out.includes('&')) out = decodeEntities(out);
  return out;
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z][a-z0-9]*);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code =
        name[1] === 'x' || name[1] === 'X'
          ? parseInt(name.slice(2), 16)
          : parseInt(name.slice(1), 10);
      // Invalid code points would throw in fromCodePoint; a space is as good as anything for a classifier.
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff
        ? String.fromCodePoint(code)
        : ' ';
    }
    return NAMED_ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/* ------------------------------------------------------- quoted replies and signatures ------------------------------------------------------- */

/** "On Tue, 3 Jan 2024 at 10:02, Ann <ann@x.com> wrote:" (clients wrap it over up to three lines). */
const REPLY_HEADER_START = /^\s*(?:on|le|am|el)\s.+/i;
const REPLY_HEADER_END = /(?:wrote|écrit|schrieb|escribió)\s*:\s*$/i;
/** Outlook-style forwarded or replied thread: everything after it is the earlier message. */
const ORIGINAL_MESSAGE =
  /^\s*(?:-{2,}\s*(?:original message|forwarded message)\s*-{2,}|_{10,})\s*$/i;
const OUTLOOK_HEADER = /^\s*from:\s.+/i;
const OUTLOOK_HEADER_NEXT = /^\s*(?:sent|date|to|subject|cc):\s/i;
/** RFC 3676 signature separator: a line that is exactly "--" (conventionally "-- "). */
const SIGNATURE_DELIMITER = /^\s*--\s*$/;
/** Mobile and client boilerplate that ends the written text. */
const CLIENT_FOOTER =
  /^\s*(?:sent from my\s.+|sent from (?:outlook|mail|yahoo mail)\b.*|get outlook for\s.+|sent via\s.+)$/i;
/** A closing formula on its own line ("Best regards,", "Thanks, Ann"): what follows is name, title, phone. */
const SIGN_OFF_FORMULA =
  /^\s*(?:(?:best|kind|warm|many|with)\s+)?(?:regards|wishes|thanks|thank you|cheers|sincerely|yours(?: truly| sincerely)?|best|respectfully|br|thx|rgds)(?=[\s,.!-]|$)/i;
/** What may follow the formula on the same line: punctuation and a capitalised name, nothing else. */
const SIGN_OFF_NAME = /^[\s,.!-]*(?:\p{Lu}[\p{L}.'-]*(?:\s+\p{Lu}[\p{L}.'-]*){0,3})?\s*$/u;
/** Lines after a sign-off that still look like a signature block; more than this and it was not one. */
const MAX_SIGNATURE_LINES = 6;

/**
 * Removes what is not the customer's new text: quoted lines, the earlier thread below a reply
 * header, and the signature. Works line by line on text that `htmlToText` already flattened.
 */
export function stripReplyAndSignature(text: string): string {
  const lines = text.split(/\r\n|\r|\n/);
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (/^\s*>/.test(line)) continue;
    if (ORIGINAL_MESSAGE.test(line) || SIGNATURE_DELIMITER.test(line) || CLIENT_FOOTER.test(line))
      break;
    if (OUTLOOK_HEADER.test(line) && OUTLOOK_HEADER_NEXT.test(lines[i + 1] ?? '')) break;
    if (isReplyHeader(lines, i)) break;
    if (isSignOff(line) && hasContent(kept) && looksLikeSignatureTail(lines, i + 1)) break;
    kept.push(line);
  }
  return kept.join('\n');
}

function isReplyHeader(lines: readonly string[], start: number): boolean {
  const first = lines[start] ?? '';
  if (!REPLY_HEADER_START.test(first)) return false;
  let joined = first;
  for (let j = start; j < Math.min(lines.length, start + 3); j++) {
    if (j > start) joined += ' ' + (lines[j] ?? '');
    if (REPLY_HEADER_END.test(joined)) return true;
  }
  return false;
}

function isSignOff(line: string): boolean {
  const formula = SIGN_OFF_FORMULA.exec(line);
  return formula !== null && SIGN_OFF_NAME.test(line.slice(formula[0].length));
}

function hasContent(lines: readonly string[]): boolean {
  return lines.some((l) => l.trim() !== '');
}

/** A sign-off is only a signature when few, short lines follow it (name, title, phone). */
function looksLikeSignatureTail(lines: readonly string[], from: number): boolean {
  let count = 0;
  for (let j = from; j < lines.length; j++) {
    const line = (lines[j] ?? '').trim();
    if (line === '') continue;
    count++;
    if (count > MAX_SIGNATURE_LINES || line.length > 80) return false;
  }
  return true;
}

/* -------------------------------------------------------------- whitespace -------------------------------------------------------------- */

/** Lowercase, fold compatibility forms and typographic quotes, one space between words. */
function collapse(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc`]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[\s\u00a0\u200b]+/g, ' ')
    .trim();
}
