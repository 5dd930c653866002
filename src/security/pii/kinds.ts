/**
 * The kinds of personal data and secrets the redactor knows, and the label each one's
 * placeholders carry (`[EMAIL_1]`, `[CARD_2]`, `https://[CREDENTIALS_1]@host/`).
 */
export type PiiKind =
  | 'EMAIL'
  | 'PHONE'
  | 'PAYMENT_CARD'
  | 'IBAN'
  | 'NATIONAL_ID'
  | 'IP_ADDRESS'
  | 'SECRET'
  | 'URL_CREDENTIALS';

export const PII_KINDS: readonly PiiKind[] = [
  'EMAIL',
  'PHONE',
  'PAYMENT_CARD',
  'IBAN',
  'NATIONAL_ID',
  'IP_ADDRESS',
  'SECRET',
  'URL_CREDENTIALS',
];

/** The label inside a kind's placeholders. Short, upper case, unlikely in prose as `LABEL_<n>`. */
export const PLACEHOLDER_LABEL: Readonly<Record<PiiKind, string>> = {
  EMAIL: 'EMAIL',
  PHONE: 'PHONE',
  PAYMENT_CARD: 'CARD',
  IBAN: 'IBAN',
  NATIONAL_ID: 'NATIONAL_ID',
  IP_ADDRESS: 'IP',
  SECRET: 'SECRET',
  URL_CREDENTIALS: 'CREDENTIALS',
};
