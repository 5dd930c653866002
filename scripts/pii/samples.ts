/**
 * Generated personal data across many locales, each value inside a sentence: what the redactor's
 * recall is measured on (`npm run measure:pii`, test/security/pii-recall.test.ts). Faker supplies
 * names, e-mails, phone numbers in each locale's national and international styles (extensions
 * included), IBANs and IP addresses; cards and national ids are built here so every issuer prefix
 * and length the detectors promise appears, with valid check digits. Seeded: the same samples
 * every run.
 */
import { allFakers, type Faker } from '@faker-js/faker';
import type { PiiKind } from '../../src/security/pii/index.js';

export const LOCALES = [
  'en_US',
  'en_GB',
  'en_AU',
  'en_CA',
  'en_IN',
  'en_IE',
  'en_ZA',
  'de',
  'de_AT',
  'de_CH',
  'fr',
  'fr_BE',
  'fr_CH',
  'es',
  'es_MX',
  'it',
  'nl',
  'nl_BE',
  'pt_BR',
  'pt_PT',
  'sv',
  'da',
  'nb_NO',
  'fi',
  'pl',
  'cs_CZ',
  'sk',
  'hu',
  'ro',
  'hr',
  'el',
  'tr',
  'ru',
  'uk',
  'ja',
  'ko',
  'zh_CN',
  'zh_TW',
  'he',
  'ar',
  'id_ID',
  'vi',
  'th',
] as const;

export type MeasuredKind = Exclude<PiiKind, 'SECRET' | 'URL_CREDENTIALS'>;

export interface GeneratedSample {
  kind: MeasuredKind;
  locale: string;
  text: string;
  /** Where the value sits in `text` (UTF-16 code units, end exclusive). */
  start: number;
  end: number;
}

/** Sentences a value appears in; `{v}` is the value. */
const CONTEXTS: Record<MeasuredKind, readonly string[]> = {
  EMAIL: ['Please reply to {v} when it ships.', 'From: {n} <{v}>', 'Kontakt: {v}', 'email={v}'],
  PHONE: [
    'Call me on {v} after 5 pm.',
    'Phone: {v}',
    '{n}, {v}',
    'Tel. {v} (office)',
    'Reach the customer at {v}.',
  ],
  PAYMENT_CARD: [
    'Card {v} was declined.',
    'Payment with card number {v}, exp 09/29.',
    '{n} paid with {v}',
  ],
  IBAN: ['Please transfer the refund to {v}.', 'IBAN: {v}', 'Bankverbindung {v}, {n}'],
  NATIONAL_ID: ['SSN on file: {v}', 'The ID document number is {v}.', '{n} ({v})'],
  IP_ADDRESS: [
    'Login from {v} failed.',
    'client_ip={v} status=403',
    'Blocked {v} after 5 attempts.',
  ],
};

function luhnComplete(faker: Faker, prefix: string, length: number): string {
  let body = prefix;
  while (body.length < length - 1) body += faker.string.numeric(1);
  for (let check = 0; check <= 9; check++) {
    const candidate = body + check;
    let sum = 0;
    for (let i = 0; i < candidate.length; i++) {
      let d = Number(candidate[candidate.length - 1 - i]);
      if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
      sum += d;
    }
    if (sum % 10 === 0) return candidate;
  }
  throw new Error('unreachable');
}

/** Issuer prefixes and lengths: Visa, Mastercard, Amex, Discover, Diners, JCB, Maestro, UnionPay. */
const CARD_SHAPES: readonly [string, number][] = [
  ['4', 16],
  ['4', 13],
  ['4', 19],
  ['51', 16],
  ['2221', 16],
  ['34', 15],
  ['37', 15],
  ['6011', 16],
  ['65', 16],
  ['36', 14],
  ['3528', 16],
  ['1800', 15],
  ['2131', 15],
  ['50', 12],
  ['5018', 13],
  ['6304', 16],
  ['6759', 18],
  ['67', 19],
  ['62', 16],
  ['62', 17],
  ['62', 19],
];

function card(faker: Faker, i: number): string {
  const [prefix, length] = CARD_SHAPES[i % CARD_SHAPES.length]!;
  const digits = luhnComplete(faker, prefix, length);
  return i % 3 === 0 ? digits : (digits.match(/.{1,4}/g) ?? []).join(i % 3 === 1 ? ' ' : '-');
}

const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';

function nationalId(faker: Faker, i: number): string {
  if (i % 3 === 0) {
    const area = faker.number.int({ min: 1, max: 899 });
    const safeArea = area === 666 ? 667 : area;
    return `${String(safeArea).padStart(3, '0')}-${String(faker.number.int({ min: 1, max: 99 })).padStart(2, '0')}-${String(faker.number.int({ min: 1, max: 9999 })).padStart(4, '0')}`;
  }
  if (i % 3 === 1) {
    const number = faker.number.int({ min: 10000000, max: 99999999 });
    return `${number}${DNI_LETTERS[number % 23]}`;
  }
  const prefix = faker.helpers.arrayElement(['AB', 'CE', 'JK', 'PR', 'SW', 'YZ']);
  return `${prefix} ${faker.string.numeric(2)} ${faker.string.numeric(2)} ${faker.string.numeric(2)} ${faker.helpers.arrayElement(['A', 'B', 'C', 'D'])}`;
}

function value(kind: MeasuredKind, faker: Faker, i: number): string {
  switch (kind) {
    case 'EMAIL':
      return faker.internet.email();
    case 'PHONE':
      return faker.phone.number({
        style: (['human', 'national', 'international'] as const)[i % 3]!,
      });
    case 'PAYMENT_CARD':
      return card(faker, i);
    case 'IBAN': {
      const iban = faker.finance.iban({ formatted: i % 2 === 0 });
      return i % 4 === 1 ? iban.toLowerCase() : iban;
    }
    case 'NATIONAL_ID':
      return nationalId(faker, i);
    case 'IP_ADDRESS':
      return i % 4 === 3 ? faker.internet.ipv6() : faker.internet.ipv4();
  }
}

/** `perLocale` samples of each kind in each locale. */
export function generatedSamples(perLocale = 12, seed = 97): GeneratedSample[] {
  const out: GeneratedSample[] = [];
  for (const locale of LOCALES) {
    const faker = allFakers[locale];
    faker.seed(seed);
    for (const kind of Object.keys(CONTEXTS) as MeasuredKind[]) {
      for (let i = 0; i < perLocale; i++) {
        const v = value(kind, faker, i);
        const template = CONTEXTS[kind][i % CONTEXTS[kind].length]!;
        const withName = template.replace('{n}', faker.person.fullName());
        const start = withName.indexOf('{v}');
        out.push({ kind, locale, text: withName.replace('{v}', v), start, end: start + v.length });
      }
    }
  }
  return out;
}
