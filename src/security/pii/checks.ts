/**
 * Validators behind the detectors: check digits (Luhn, mod-97, mod-23, the Italian fiscal code's
 * odd/even table), number ranges, and the randomness test for secrets. Every function is pure and
 * linear in its input.
 */

/** The Luhn check of a digit string (payment cards). */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/**
 * Issuer prefixes of the card networks people actually pay with: 2 (Mastercard 2-series, JCB
 * 2131), 3 (Amex, JCB, Diners), 4 (Visa), 5 (Mastercard, Maestro), 6 (Discover, UnionPay 62,
 * Maestro) and JCB's 15-digit 1800. Other numbers starting 0, 1, 7, 8 or 9 (epoch timestamps,
 * order ids, airline UATP) are not cards here. Twelve digits only for Maestro (50, 56-69), the
 * one network that issues them.
 */
export function plausibleCardPrefix(digits: string): boolean {
  if (digits.length < 12 || digits.length > 19) return false;
  if (digits.length === 12) return /^(?:50|5[6-9]|6)/.test(digits);
  if (digits.startsWith('1800')) return digits.length === 15;
  const first = digits.charCodeAt(0) - 48;
  return first >= 2 && first <= 6;
}

/** IBAN lengths by country (ISO 13616 registry). */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IR: 26,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MR: 27,
  MT: 31,
  MU: 30,
  NL: 18,
  NO: 15,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  SA: 24,
  SC: 31,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
};

/** The ISO 7064 mod-97 check of a compact IBAN (no spaces, upper case). */
export function ibanValid(iban: string): boolean {
  const expected = IBAN_LENGTHS[iban.slice(0, 2)];
  if (expected === undefined || iban.length !== expected) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const code = rearranged.charCodeAt(i);
    if (code >= 48 && code <= 57) {
      remainder = (remainder * 10 + (code - 48)) % 97;
    } else if (code >= 65 && code <= 90) {
      remainder = (remainder * 100 + (code - 55)) % 97;
    } else {
      return false;
    }
  }
  return remainder === 1;
}

/**
 * A US Social Security number's ranges: area 000, 666 and 900–999 were never issued, nor group 00
 * or serial 0000; 078-05-1120 and 219-09-9999 are famous published specimens.
 */
export function ssnValid(area: string, group: string, serial: string): boolean {
  const a = Number(area);
  if (a === 0 || a === 666 || a >= 900) return false;
  if (group === '00' || serial === '0000') return false;
  const whole = `${area}-${group}-${serial}`;
  return whole !== '078-05-1120' && whole !== '219-09-9999';
}

/** UK National Insurance number prefixes that are never allocated. */
const NINO_BAD_PREFIXES = new Set(['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ']);

export function ninoPrefixValid(prefix: string): boolean {
  return !NINO_BAD_PREFIXES.has(prefix);
}

const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';

/** Spanish DNI (8 digits + letter) or NIE (X/Y/Z + 7 digits + letter): the mod-23 check letter. */
export function spanishIdValid(compact: string): boolean {
  let digits = compact.slice(0, -1);
  const letter = compact.slice(-1);
  const lead = digits[0];
  if (lead === 'X' || lead === 'Y' || lead === 'Z')
    digits = String('XYZ'.indexOf(lead)) + digits.slice(1);
  if (!/^\d{8}$/.test(digits)) return false;
  return DNI_LETTERS[Number(digits) % 23] === letter;
}

/** Values of characters in odd (1st, 3rd, ...) positions of an Italian codice fiscale. */
const CF_ODD: Readonly<Record<string, number>> = {
  '0': 1,
  '1': 0,
  '2': 5,
  '3': 7,
  '4': 9,
  '5': 13,
  '6': 15,
  '7': 17,
  '8': 19,
  '9': 21,
  A: 1,
  B: 0,
  C: 5,
  D: 7,
  E: 9,
  F: 13,
  G: 15,
  H: 17,
  I: 19,
  J: 21,
  K: 2,
  L: 4,
  M: 18,
  N: 20,
  O: 11,
  P: 3,
  Q: 6,
  R: 8,
  S: 12,
  T: 14,
  U: 16,
  V: 10,
  W: 22,
  X: 25,
  Y: 24,
  Z: 23,
};

/** The check character of an Italian codice fiscale (16 characters, upper case). */
export function italianFiscalCodeValid(code: string): boolean {
  if (code.length !== 16) return false;
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const ch = code[i]!;
    if (i % 2 === 0) {
      const v = CF_ODD[ch];
      if (v === undefined) return false;
      sum += v;
    } else {
      const c = ch.charCodeAt(0);
      sum += c >= 48 && c <= 57 ? c - 48 : c - 65;
    }
  }
  return String.fromCharCode(65 + (sum % 26)) === code[15];
}

/** Shannon entropy in bits per character. */
export function shannonEntropy(text: string): number {
  if (text.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

export interface RandomnessOptions {
  /** Shortest token considered (after trimming `=` padding and edge punctuation). */
  minLength: number;
  /** Shannon entropy in bits per character a token must reach. */
  threshold: number;
}

/**
 * Whether a token looks like a machine-generated secret rather than a word, identifier, path or
 * id. It must be long enough, mix lower case, upper case and digits, not be hexadecimal (hashes,
 * git SHAs, UUIDs, trace ids are identifiers, not secrets), reach the entropy threshold, and not
 * read like words: in `getUserAccountSettings2` or `/api/v1/Users/GetOrderHistory` most letters
 * sit in runs like `Account` or `user`, and such runs carry vowels; in random base62 they rarely do.
 */
export function looksRandom(token: string, options: RandomnessOptions): boolean {
  if (token.length < options.minLength) return false;
  if (/^[0-9a-fA-F-]+$/.test(token)) return false;
  if (!/[a-z]/.test(token) || !/[A-Z]/.test(token) || !/[0-9]/.test(token)) return false;
  if (shannonEntropy(token) < options.threshold) return false;
  let letters = 0;
  let vowels = 0;
  for (const ch of token) {
    if (/[A-Za-z]/.test(ch)) {
      letters++;
      if (/[aeiouAEIOU]/.test(ch)) vowels++;
    }
  }
  let inWords = 0;
  for (const m of token.matchAll(/[A-Z]?[a-z]{3,}|[A-Z]{4,}/g)) inWords += m[0].length;
  const wordy = letters === 0 ? 0 : inWords / letters;
  const vowelRatio = letters === 0 ? 0 : vowels / letters;
  return !(wordy >= 0.8 || (wordy >= 0.55 && vowelRatio >= 0.25));
}

/** RFC 1918, loopback, link-local, CGNAT and "this network" IPv4 ranges. */
export function isPrivateIpv4(ip: string): boolean {
  const parts = ip.split('.').map(Number);
  const [a = -1, b = -1] = parts;
  return (
    a === 10 ||
    a === 127 ||
    a === 0 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254) ||
    (a === 100 && b >= 64 && b <= 127)
  );
}

/** Loopback, unspecified, unique-local (fc00::/7), link-local (fe80::/10) and mapped private IPv4. */
export function isPrivateIpv6(ip: string): boolean {
  const lower = ip.toLowerCase().split('%')[0]!;
  if (lower === '::1' || lower === '::') return true;
  if (/^f[cd][0-9a-f]{0,2}:/.test(lower)) return true;
  if (/^fe[89ab][0-9a-f]?:/.test(lower)) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  return mapped !== null && isPrivateIpv4(mapped[1]!);
}
