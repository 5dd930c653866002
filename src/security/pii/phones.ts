/**
 * Phone numbers, in the formats of every region libphonenumber-js knows: a candidate is any run of
 * digit groups written the way phone numbers are (a leading `+` or `00`, parentheses around an
 * area code, spaces, dashes, dots or slashes between groups, an extension such as `x4587`,
 * `ext. 12` or `#3`), and the library decides whether its digits can be a number:
 *
 * - international: `+` and 8 to 15 digits, or `00` and a possible number of the country its
 *   calling code names;
 * - national, written in groups (`020 7946 0958`, `(27) 48413-0079`, `06 12 34 56 78`): a possible
 *   number of some region, 8 digits at least;
 * - a bare digit run, or a short local number (`555-1234`, 6 and 7 digits), only after a word that
 *   says it is a phone number (`call`, `phone`, `tel`, `Telefon`, `电话`, ...) or when it begins
 *   with a trunk 0, since order numbers, ports and counters are bare digit runs too.
 *
 * Dates, build tags and decimals have phone-like digits and are never phones.
 */
import {
  getCountries,
  parsePhoneNumberFromString,
  validatePhoneNumberLength,
} from 'libphonenumber-js';
import type { CountryCode } from 'libphonenumber-js';

/** Digit groups with single separators, an optional international prefix and extension. */
const CANDIDATE =
  /(?<![\w+.,/:#-])(?:\(\+\d{1,3}\)[ ]?|\+[ ]?|00)?(?:\(\d{1,5}\)[ .-]?)?\d{1,15}(?:(?:[ .-]|[ ]?\/[ ]?|[ ]-[ ])\(?\d{1,12}\)?){0,6}(?:[ ]?(?:x|ext\.?|extn?\.?|extension|#)[ ]?\d{1,6})?(?![\w]|[.,:/-]\d)/gi;
const EXTENSION = /[ ]?(?:x|ext\.?|extn?\.?|extension|#)[ ]?\d{1,6}$/i;

/** Words that say the next number is a phone number, in the languages of the locales tested. */
const CONTEXT =
  /(?:phone|tel|telephone|mobile|cell|call|fax|whatsapp|sms|ring|dial|reach|contact|hotline|telefon\w*|téléphone|portable|teléfono|celular|móvil|telefone|telemóvel|telefono|cellulare|tlf|puhelin|телефон\w*|тел|電話|电话|手机|전화|휴대폰|携帯)(?:[^\p{L}\p{N}]+\p{L}{1,8}){0,3}[^\p{L}\p{N}]{0,4}$/iu;

/**
 * Dates (also as the start of a build tag, `2026.11.22-3`), SSN shapes, and decimals (a dot
 * before a single digit, `2041.3`): phone-shaped digits that are not phones.
 */
const NOT_A_PHONE =
  /^(?:(?:19|20)\d\d[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.](?:19|20)\d\d(?!\d))|^\d{3}-\d{2}-\d{4}$|\.\d(?!\d)/;
/** Dotted groups of at most three digits: a version or an address unless context says phone. */
const DOTTED_TRIPLETS = /^\d{1,3}(?:\.\d{1,3}){2,}$/;

const COUNTRIES: readonly CountryCode[] = getCountries();

const digitsOf = (s: string): string => s.replace(/\D/g, '');

function possibleSomewhere(national: string): boolean {
  return COUNTRIES.some((country) => validatePhoneNumberLength(national, country) === undefined);
}

function isPhone(candidate: string, before: string): boolean {
  const main = candidate.replace(EXTENSION, '');
  const digits = digitsOf(main);
  if (digits.length < 6 || digits.length > 15 || NOT_A_PHONE.test(main)) return false;
  // Dots with slashes or parentheses are measurements (`1604.12 / 0.00`, `2041.3 (2083.5)`).
  if (main.includes('.') && /[/()]/.test(main)) return false;
  // `+` and 8 to 15 digits is E.164 by construction, even in a range no carrier has assigned yet.
  if (/^\(?\+/.test(main)) return digits.length >= 8;
  if (main.startsWith('00') && parsePhoneNumberFromString(`+${digits.slice(2)}`)?.isPossible())
    return true;
  const grouped = /[ ()./-]/.test(main);
  const context = CONTEXT.test(before);
  if (DOTTED_TRIPLETS.test(main) && !context) return false;
  // The North American shape without a trunk 0 (which other countries' 3-3-4 numbers have):
  // area code and exchange never start with 1, the exchange never with 0.
  const nanp = /^(?:1[ .-])?\(?([1-9])\d\d\)?[ .-]?(\d)\d\d[ .-]\d{4}$/.exec(main);
  if (nanp && (nanp[1] === '1' || nanp[2]! < '2')) return false;
  if (digits.length < 8 && !context) return false;
  if (!grouped && !context && !digits.startsWith('0')) return false;
  return possibleSomewhere(digits);
}

/** Calls `emit` with the start and text of every phone number in `text`. */
export function findPhones(text: string, emit: (start: number, value: string) => void): void {
  CANDIDATE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = CANDIDATE.exec(text)) !== null) {
    // Too short for six digits: most candidates in digit-heavy text, skipped before any check.
    if (m[0].length < 6) continue;
    let value = m[0].replace(/[ .-]+$/, '');
    // A closing parenthesis without its opening one is the sentence's: `(alt 415.555.0132)`.
    if (value.endsWith(')') && !value.includes('(')) value = value.slice(0, -1);
    if (isPhone(value, text.slice(Math.max(0, m.index - 40), m.index))) emit(m.index, value);
  }
}
