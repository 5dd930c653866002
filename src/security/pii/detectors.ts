/**
 * The detectors: one pass of regular expressions over the text, each candidate confirmed by a
 * validator (check digit, range, randomness), overlaps resolved by priority.
 *
 * Every pattern stays linear on adversarial input: a match can start only at a token boundary (a
 * lookbehind that rejects a start inside a run of the same characters), every repetition is
 * bounded, and repeated groups are separated by characters the group cannot contain, so a failing
 * attempt backtracks a bounded number of steps. `test/security/pii.test.ts` runs 1 MB inputs of
 * the shapes that would hurt (long digit, hex, base64, dotted and colon runs, repeated prefixes).
 */
import { isIPv6 } from 'node:net';
import {
  ibanValid,
  isPrivateIpv4,
  isPrivateIpv6,
  italianFiscalCodeValid,
  looksRandom,
  luhnValid,
  ninoPrefixValid,
  plausibleCardPrefix,
  spanishIdValid,
  ssnValid,
  IBAN_LENGTHS,
} from './checks.js';
import { PII_KINDS, type PiiKind } from './kinds.js';
import { findPhones } from './phones.js';

export interface DetectOptions {
  /** The kinds to look for; all of them by default. */
  kinds?: readonly PiiKind[];
  /**
   * Whether private, loopback, link-local and CGNAT addresses (10.0.0.0/8, 127.0.0.1, fe80::, ...)
   * count as PII. Default true: an internal address in an incident log still maps a customer's
   * network, and the service cannot tell whose network a private range belongs to.
   */
  privateIps?: boolean;
  /** The high-entropy secret detector (vendor formats are always on with SECRET). */
  entropy?: { enabled?: boolean; minLength?: number; threshold?: number };
  /** Exact values never redacted (e.g. the service's own support address). */
  allow?: readonly string[];
}

export const DEFAULT_ENTROPY = { minLength: 20, threshold: 3.5 } as const;

export interface PiiFinding {
  kind: PiiKind;
  /** Offsets into the text, `end` exclusive. */
  start: number;
  end: number;
  /** The text between start and end (for URL_CREDENTIALS only `user:password`). */
  value: string;
  /** Which detector found it (`email`, `luhn-card`, `openai-key`, `entropy`, ...): for audits and tests. */
  detector: string;
}

interface Candidate extends PiiFinding {
  priority: number;
}

type Emit = (detector: string, start: number, value: string) => void;

interface Detector {
  kind: PiiKind;
  /** Lower wins when two findings overlap; then the longer. */
  priority: number;
  run(text: string, emit: Emit, options: ResolvedOptions): void;
}

interface ResolvedOptions {
  kinds: ReadonlySet<PiiKind>;
  privateIps: boolean;
  entropy: { enabled: boolean; minLength: number; threshold: number };
  allow: ReadonlySet<string>;
}

/** The global instance `scan` runs for each pattern, compiled once (scans never nest, so one suffices). */
const globalOf = new WeakMap<RegExp, RegExp>();

/** Runs a pattern globally and hands each match to `each`. */
function scan(pattern: RegExp, text: string, each: (m: RegExpExecArray) => void): void {
  let re = globalOf.get(pattern);
  if (!re) {
    re = new RegExp(
      pattern.source,
      pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g',
    );
    globalOf.set(pattern, re);
  }
  re.lastIndex = 0;
  try {
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
      each(m);
      if (m[0].length === 0) re.lastIndex++;
    }
  } finally {
    re.lastIndex = 0;
  }
}

/** The sticky instance `scanAt` runs for each pattern, compiled once. */
const stickyOf = new WeakMap<RegExp, RegExp>();

/**
 * What `scan` finds, trying the pattern only at `starts` (ascending), which must hold every
 * position a match can start at: the same matches, without an attempt at every other position.
 */
export function scanAt(
  pattern: RegExp,
  text: string,
  starts: readonly number[],
  each: (m: RegExpExecArray) => void,
): void {
  let re = stickyOf.get(pattern);
  if (!re) {
    re = new RegExp(pattern.source, pattern.flags.replace('g', '') + 'y');
    stickyOf.set(pattern, re);
  }
  let resume = 0;
  for (const start of starts) {
    if (start < resume) continue;
    re.lastIndex = start;
    const m = re.exec(text);
    if (m === null) continue;
    each(m);
    resume = start + Math.max(1, m[0].length);
  }
  re.lastIndex = 0;
}

/** The offset of a capture group that ends its match (groups at the end need no `d` flag). */
function trailingGroupStart(m: RegExpExecArray, group: string): number {
  return m.index + m[0].length - group.length;
}

const digitsOf = (s: string): string => s.replace(/\D/g, '');

// --- EMAIL ---------------------------------------------------------------------------------------

const EMAIL =
  /(?<![\w.%+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,10}[A-Za-z]{2,24}(?![\w-]|\.[A-Za-z0-9])/g;

// --- PHONE: phones.ts ---------------------------------------------------------------------------

// --- PAYMENT_CARD --------------------------------------------------------------------------------

const IBAN_HEAD_BEFORE = /[A-Za-z]{2}\d{2} $/;
/** 12 to 19 digits, bare or in groups (4-4-4-4, 4-6-5, a short last group as in `4112 4431 3179 1`). */
const CARD =
  /(?<![\w.+/:-])(?:\d{12,19}|\d{4}(?:[ -]\d{3,6}){1,4}(?:[ -]\d{1,2})?)(?![\w]|[.:/-]\d)/g;

// --- IBAN ----------------------------------------------------------------------------------------

const IBAN_START = /(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?=[ ]?[A-Za-z0-9]{4})/g;

/** Letter or digit, by char code (the IBAN walk runs per character). */
function isAlnum(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/**
 * The IBAN starting at `start`: its country's length of letters and digits, single spaces allowed,
 * in any case (people type `de89 3704 ...` too; the check digits are computed on upper case).
 */
function ibanAt(text: string, start: number): string | null {
  const length = IBAN_LENGTHS[text.slice(start, start + 2).toUpperCase()];
  if (length === undefined) return null;
  let pos = start + 4;
  let count = 4;
  while (count < length) {
    const code = text.charCodeAt(pos);
    if (isAlnum(code)) {
      count++;
      pos++;
    } else if (code === 32 && isAlnum(text.charCodeAt(pos + 1))) {
      pos++;
    } else {
      return null;
    }
  }
  if (isAlnum(text.charCodeAt(pos))) return null;
  const value = text.slice(start, pos);
  return ibanValid(value.replaceAll(' ', '').toUpperCase()) ? value : null;
}

// --- NATIONAL_ID ---------------------------------------------------------------------------------

const SSN = /(?<![\w.+/:-])(\d{3})-(\d{2})-(\d{4})(?![\w]|[.:/-]\w)/g;
const UK_NINO =
  /(?<![A-Za-z0-9])([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]) ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Za-z0-9])/g;
const ES_DNI_NIE = /(?<![A-Za-z0-9-])(?:\d{8}|[XYZ]-?\d{7})-?[A-Z](?![A-Za-z0-9])/g;
const IT_FISCAL_CODE =
  /(?<![A-Za-z0-9])[A-Z]{6}\d{2}[A-EHLMPR-T]\d{2}[A-Z]\d{3}[A-Z](?![A-Za-z0-9])/g;
/**
 * What every match of ES_DNI_NIE and IT_FISCAL_CODE holds, without their lookbehinds: most text
 * has neither seven digits in a row nor six capitals before a digit, and is not scanned for them.
 */
const SEVEN_DIGITS = /\d{7}/;
const SIX_CAPITALS_DIGIT = /[A-Z]{6}\d/;

// --- IP_ADDRESS ----------------------------------------------------------------------------------

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`(?<![\\w.])(?:${OCTET}\\.){3}${OCTET}(?![\\w]|\\.\\d)`, 'g');
/**
 * What makes a dotted quad a version (`version 0.0.0.6`, `v1.2.3.4`, `@4.17.21.1`) or a time with
 * milliseconds after a date (`2026-11-22 12.30.45.123`): never an address. 0.x.x.x is not a host.
 */
const VERSION_BEFORE =
  /(?:\b(?:version|ver|release|build|rev|revision|tag|firmware|fw)\b\.?[ \t]*[:=]?[ \t]*v?|\bv|@|\d{4}[-/.]\d{2}[-/.]\d{2}[ T])$/i;
/** A run of hex digits, colons and dots that contains a colon; node's parser decides. */
export const IPV6_CANDIDATE =
  /(?<![\w:.])(?=[0-9A-Fa-f.]{0,39}:)[0-9A-Fa-f:.]{2,45}(?:%[A-Za-z0-9]{1,16})?(?![\w])/g;

const isHexOrDot = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66) || c === 0x2e;
/** IPV6_CANDIDATE's lookbehind: a word unit, `:` or `.`. */
const isIpv6Joiner = (c: number): boolean => c === 0x3a || c === 0x2e || c === 0x5f || isAlnum(c);

/**
 * Where an IPV6_CANDIDATE match can start: its lookahead puts a colon after at most 39 hex digits
 * and dots, and its lookbehind lets no hex digit or dot come before, so before each `:` the whole
 * run of them that ends there (when 39 at most), unless a word unit, `:` or `.` precedes it. Most
 * text has few colons; the scan tried the lookbehind at every position.
 */
export function ipv6Starts(text: string): number[] {
  const starts: number[] = [];
  for (let k = text.indexOf(':'); k >= 0; k = text.indexOf(':', k + 1)) {
    let s = k;
    while (s > 0 && k - s <= 39 && isHexOrDot(text.charCodeAt(s - 1))) s--;
    if (k - s <= 39 && (s === 0 || !isIpv6Joiner(text.charCodeAt(s - 1)))) starts.push(s);
  }
  return starts;
}

/**
 * A sentence may end an address with ':' or '.' (`on fe80::1: refused`, `from 2001:db8::.`):
 * drop the punctuation, keeping a final `::` that belongs to the address.
 */
function trimIpv6(candidate: string): string {
  const tail = /[:.]+$/.exec(candidate)?.[0];
  if (tail === undefined) return candidate;
  const head = candidate.slice(0, -tail.length);
  return tail.startsWith('::') && !head.includes('::') ? `${head}::` : head;
}

// --- SECRET --------------------------------------------------------------------------------------

const OPENAI_PREFIX = /^sk-(?:proj-|svcacct-|admin-|ant-(?:api|admin)\d\d-)?/;
/** Real keys mix lower case, upper case and digits; `sk-learn-classification-pipeline` does not. */
const mixesCases = (body: string): boolean =>
  /[a-z]/.test(body) && /[A-Z]/.test(body) && /\d/.test(body);

/**
 * `needs`: a literal every match holds, or an expression without lookbehind that every match
 * matches (a scan for it skips ahead by its literals, where the pattern's lookbehind is tried at
 * every position); text without it is not scanned for that vendor.
 */
const VENDOR_SECRETS: readonly {
  name: string;
  pattern: RegExp;
  randomBody?: boolean;
  needs?: string | RegExp;
}[] = [
  {
    name: 'private-key',
    needs: '-----BEGIN',
    pattern:
      /-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:[^-]|-(?!----)){16,20000}(?:-----END[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----)?/g,
  },
  // OpenAI (sk-, sk-proj-, sk-svcacct-, sk-admin-) and Anthropic (sk-ant-api03-) keys.
  {
    name: 'openai-key',
    needs: 'sk-',
    pattern:
      /(?<![\w-])sk-(?:proj-|svcacct-|admin-|ant-(?:api|admin)\d\d-)?[A-Za-z0-9_-]{20,300}(?![\w-])/g,
    randomBody: true,
  },
  {
    name: 'aws-access-key-id',
    needs: /AKIA|ASIA|ABIA|ACCA/,
    pattern: /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])/g,
  },
  {
    name: 'github-token',
    needs: /gh[pousr]_|github_pat_/,
    pattern: /(?<!\w)(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})(?!\w)/g,
  },
  {
    name: 'slack-token',
    needs: 'xox',
    pattern: /(?<![\w-])xox[abposr]-[A-Za-z0-9-]{10,250}(?![\w-])/g,
  },
  {
    name: 'slack-webhook',
    needs: 'hooks.slack.com',
    pattern: /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9_/]{20,120}/g,
  },
  {
    name: 'stripe-key',
    needs: '_',
    pattern:
      /(?<!\w)(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,247}(?!\w)|(?<!\w)whsec_[A-Za-z0-9]{20,100}(?!\w)/g,
  },
  { name: 'google-api-key', needs: 'AIza', pattern: /(?<![\w-])AIza[0-9A-Za-z_-]{35}(?![\w-])/g },
  {
    name: 'jwt',
    needs: 'eyJ',
    pattern:
      /(?<![\w-])eyJ[A-Za-z0-9_-]{8,4096}\.eyJ[A-Za-z0-9_-]{8,8192}\.[A-Za-z0-9_-]{0,4096}(?![\w-])/g,
  },
];

/** The credential after an Authorization scheme (`Authorization: Bearer x`, `Bearer x`, `Basic x`). */
const AUTH_HEADER =
  /(?:\bauthorization["']?[ \t]*[:=][ \t]*["']?(?:bearer|basic|token|apikey)|\bbearer)[ \t]+([A-Za-z0-9._~+/=-]{8,4096})/gi;
/**
 * A value assigned to a secret-sounding key: `password=...`, `"api_key": "..."`, `GITHUB_TOKEN=...`,
 * also inside a JSON string, where the quotes arrive escaped (`{\"api_key\": \"...\"}`, as a prompt
 * that embeds a log line as JSON carries it). A backslash belongs to the value unless a quote follows.
 */
const KEYWORD_SECRET =
  /(?:password|passwd|passphrase|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret)(?:\\?["'])?[ \t]*[:=][ \t]*(?:\\?["'])?((?:[^\s"'`,;&<>\\]|\\(?!["'])){4,512})/gi;
/** Values that say a secret is absent or already masked. */
const NOT_A_SECRET_VALUE =
  /^(?:\*+|x{3,}|<[^>]*>?|\$\{.*|\{\{.*|%[A-Z_]+%|\[.*|null|nil|none|undefined|true|false|redacted|hidden|masked|required|optional|string)$/i;

/** Base64 and base64url letters with `=` (what a random token is made of), by ASCII code unit. */
const TOKEN_UNIT = new Uint8Array(128);
for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-')
  TOKEN_UNIT[ch.charCodeAt(0)] = 1;
const isTokenUnit = (c: number): boolean => c < 128 && TOKEN_UNIT[c] === 1;

/**
 * Each whole run of 20 to 1,024 token units (what
 * `/(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/=_-]{20,1024}(?![A-Za-z0-9+/=_-])/g` matches), found in one
 * walk over the text instead of a match attempt at every position.
 */
export function forEachTokenRun(text: string, each: (index: number, run: string) => void): void {
  const length = text.length;
  let i = 0;
  while (i < length) {
    if (!isTokenUnit(text.charCodeAt(i))) {
      i++;
      continue;
    }
    let end = i + 1;
    while (end < length && isTokenUnit(text.charCodeAt(end))) end++;
    if (end - i >= 20 && end - i <= 1024) each(i, text.slice(i, end));
    i = end;
  }
}

// --- URL_CREDENTIALS -----------------------------------------------------------------------------

/** A URL with `user:password@` (tried at `schemeStarts` only; exported for the test of those). */
export const URL_CREDENTIALS =
  /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,15}:\/\/([^\s/?#@:"'<>]{1,128}:[^\s/?#"'<>]{1,256})@(?=[A-Za-z0-9[])/g;

const isSchemeUnit = (c: number): boolean =>
  (c >= 0x61 && c <= 0x7a) ||
  (c >= 0x41 && c <= 0x5a) ||
  (c >= 0x30 && c <= 0x39) ||
  c === 0x2b ||
  c === 0x2e ||
  c === 0x2d;

/**
 * Where a URL_CREDENTIALS match can start: before each `://`, the whole run of scheme characters
 * that ends there (its lookbehind), 2 to 16 of them, the first a letter.
 */
export function schemeStarts(text: string): number[] {
  const starts: number[] = [];
  for (let k = text.indexOf('://'); k >= 0; k = text.indexOf('://', k + 1)) {
    let s = k;
    while (s > 0 && k - s <= 16 && isSchemeUnit(text.charCodeAt(s - 1))) s--;
    const first = text.charCodeAt(s) | 0x20;
    if (k - s >= 2 && k - s <= 16 && first >= 0x61 && first <= 0x7a) starts.push(s);
  }
  return starts;
}

// --- the table -----------------------------------------------------------------------------------

const DETECTORS: readonly Detector[] = [
  {
    kind: 'SECRET',
    priority: 0,
    run(text, emit) {
      for (const { name, pattern, randomBody, needs } of VENDOR_SECRETS) {
        if (
          needs !== undefined &&
          !(typeof needs === 'string' ? text.includes(needs) : needs.test(text))
        )
          continue;
        scan(pattern, text, (m) => {
          if (randomBody && !mixesCases(m[0].replace(OPENAI_PREFIX, ''))) return;
          emit(name, m.index, m[0]);
        });
      }
    },
  },
  {
    kind: 'URL_CREDENTIALS',
    priority: 1,
    run(text, emit) {
      scanAt(URL_CREDENTIALS, text, schemeStarts(text), (m) => {
        const userinfo = m[1]!;
        emit('url-userinfo', m.index + m[0].length - userinfo.length - 1, userinfo);
      });
    },
  },
  {
    kind: 'SECRET',
    priority: 2,
    run(text, emit) {
      // Both patterns are case-insensitive over ASCII words: the lower-cased text holds one.
      const lower = text.toLowerCase();
      if (lower.includes('bearer') || lower.includes('authorization'))
        scan(AUTH_HEADER, text, (m) =>
          emit('authorization-header', trailingGroupStart(m, m[1]!), m[1]!),
        );
      if (
        !lower.includes('pass') &&
        !lower.includes('secret') &&
        !lower.includes('token') &&
        !lower.includes('key')
      )
        return;
      scan(KEYWORD_SECRET, text, (m) => {
        const value = m[1]!;
        if (NOT_A_SECRET_VALUE.test(value)) return;
        emit('keyword-assignment', trailingGroupStart(m, value), value);
      });
    },
  },
  {
    kind: 'EMAIL',
    priority: 3,
    run(text, emit) {
      if (text.includes('@')) scan(EMAIL, text, (m) => emit('email', m.index, m[0]));
    },
  },
  {
    kind: 'IBAN',
    priority: 4,
    run(text, emit) {
      scan(IBAN_START, text, (m) => {
        const value = ibanAt(text, m.index);
        if (value !== null) emit('iban-mod97', m.index, value);
      });
    },
  },
  {
    kind: 'PAYMENT_CARD',
    priority: 5,
    run(text, emit) {
      scan(CARD, text, (m) => {
        const digits = digitsOf(m[0]);
        // The digits after an IBAN's country and check (`DE89 3704 0044 ...`) are its account.
        if (IBAN_HEAD_BEFORE.test(text.slice(Math.max(0, m.index - 5), m.index))) return;
        if (plausibleCardPrefix(digits) && luhnValid(digits)) emit('luhn-card', m.index, m[0]);
      });
    },
  },
  {
    kind: 'NATIONAL_ID',
    priority: 6,
    run(text, emit) {
      scan(SSN, text, (m) => {
        if (ssnValid(m[1]!, m[2]!, m[3]!)) emit('us-ssn', m.index, m[0]);
      });
      scan(UK_NINO, text, (m) => {
        if (ninoPrefixValid(m[1]!)) emit('uk-nino', m.index, m[0]);
      });
      if (SEVEN_DIGITS.test(text))
        scan(ES_DNI_NIE, text, (m) => {
          if (spanishIdValid(m[0].replaceAll('-', ''))) emit('es-dni-nie', m.index, m[0]);
        });
      if (SIX_CAPITALS_DIGIT.test(text))
        scan(IT_FISCAL_CODE, text, (m) => {
          if (italianFiscalCodeValid(m[0])) emit('it-codice-fiscale', m.index, m[0]);
        });
    },
  },
  {
    kind: 'IP_ADDRESS',
    priority: 7,
    run(text, emit, options) {
      scan(IPV4, text, (m) => {
        if (
          m[0].startsWith('0.') ||
          VERSION_BEFORE.test(text.slice(Math.max(0, m.index - 16), m.index))
        )
          return;
        if (options.privateIps || !isPrivateIpv4(m[0])) emit('ipv4', m.index, m[0]);
      });
      scanAt(IPV6_CANDIDATE, text, ipv6Starts(text), (m) => {
        const value = trimIpv6(m[0]);
        if ((value.match(/:/g)?.length ?? 0) < 2 || !/[0-9A-Fa-f]/.test(value)) return;
        if (!isIPv6(value.split('%')[0]!)) return;
        if (options.privateIps || !isPrivateIpv6(value)) emit('ipv6', m.index, value);
      });
    },
  },
  {
    kind: 'PHONE',
    priority: 8,
    run(text, emit) {
      findPhones(text, (start, value) => emit('libphonenumber', start, value));
    },
  },
  {
    kind: 'SECRET',
    priority: 9,
    run(text, emit, options) {
      if (!options.entropy.enabled) return;
      forEachTokenRun(text, (index, run) => {
        // Trim edge punctuation and base64 padding: `/path/`, `key==`.
        const lead = /^[/=_-]*/.exec(run)![0].length;
        const token = run.slice(lead).replace(/[/=_-]+$/, '');
        // A path (`/var/lib/...`, `charts/checkout-api/values`) is random only if a segment is.
        const path =
          lead > 0 && run.startsWith('/') ? true : (token.match(/\//g)?.length ?? 0) >= 2;
        const random = path
          ? token.split('/').some((segment) => looksRandom(segment, options.entropy))
          : looksRandom(token, options.entropy);
        if (random) emit('entropy', index + lead, token);
      });
    },
  },
];

function resolve(options: DetectOptions): ResolvedOptions {
  return {
    kinds: new Set(options.kinds ?? PII_KINDS),
    privateIps: options.privateIps ?? true,
    entropy: {
      enabled: options.entropy?.enabled ?? true,
      minLength: options.entropy?.minLength ?? DEFAULT_ENTROPY.minLength,
      threshold: options.entropy?.threshold ?? DEFAULT_ENTROPY.threshold,
    },
    allow: new Set(options.allow ?? []),
  };
}

/**
 * Finds personal data and secrets in a text: non-overlapping findings in text order. When two
 * detectors claim overlapping text, the one with the lower priority number wins (vendor secrets,
 * then URL credentials, keyword secrets, emails, IBANs, cards, national ids, IPs, phones, and
 * high-entropy tokens last), then the longer finding.
 */
export function findPii(text: string, options: DetectOptions = {}): PiiFinding[] {
  const resolved = resolve(options);
  const candidates: Candidate[] = [];
  for (const detector of DETECTORS) {
    if (!resolved.kinds.has(detector.kind)) continue;
    detector.run(
      text,
      (name, start, value) => {
        if (value.length === 0 || resolved.allow.has(value)) return;
        candidates.push({
          kind: detector.kind,
          start,
          end: start + value.length,
          value,
          detector: name,
          priority: detector.priority,
        });
      },
      resolved,
    );
  }
  if (candidates.length === 0) return [];
  candidates.sort(
    (a, b) => a.priority - b.priority || b.end - b.start - (a.end - a.start) || a.start - b.start,
  );
  const taken = new Uint8Array(text.length);
  const accepted: PiiFinding[] = [];
  for (const c of candidates) {
    let free = true;
    for (let i = c.start; i < c.end; i++) {
      if (taken[i]) {
        free = false;
        break;
      }
    }
    if (!free) continue;
    taken.fill(1, c.start, c.end);
    accepted.push({
      kind: c.kind,
      start: c.start,
      end: c.end,
      value: c.value,
      detector: c.detector,
    });
  }
  return accepted.sort((a, b) => a.start - b.start);
}
