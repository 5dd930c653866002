import { describe, expect, it } from 'vitest';
import {
  findPii,
  ibanValid,
  looksRandom,
  luhnValid,
  PII_KINDS,
  PiiRedactor,
  redact,
  redactMessages,
  type PiiKind,
} from '../../src/security/pii/index.js';
import { italianFiscalCodeValid, spanishIdValid } from '../../src/security/pii/checks.js';
import { NEAR_MISSES, PII_SAMPLES, SECRETS } from '../fixtures/security/pii-corpus.js';

describe('PII detectors', () => {
  it('covers every kind in the corpus', () => {
    const kinds = new Set(PII_SAMPLES.flatMap((s) => s.expected.map((e) => e.kind)));
    expect([...kinds].sort()).toEqual([...PII_KINDS].sort());
  });

  it.each(PII_SAMPLES)('finds exactly the expected values: $name', ({ text, expected }) => {
    const found = findPii(text).map((f) => ({ kind: f.kind, value: f.value }));
    expect(found).toEqual(expected);
  });

  it.each(NEAR_MISSES)('leaves near-misses alone: $name', ({ text }) => {
    expect(findPii(text)).toEqual([]);
    expect(redact(text).text).toBe(text);
  });

  it('reports offsets that point at the value', () => {
    for (const { text } of PII_SAMPLES) {
      for (const f of findPii(text)) expect(text.slice(f.start, f.end)).toBe(f.value);
    }
  });

  it('keeps the URL scheme and host and redacts only the credentials', () => {
    const { text } = redact(
      'DATABASE_URL=postgres://admin:s3cr3t@db.internal:5432/app?sslmode=require',
    );
    expect(text).toBe(
      'DATABASE_URL=postgres://[CREDENTIALS_1]@db.internal:5432/app?sslmode=require',
    );
  });

  it('keeps the port after a redacted address', () => {
    expect(redact('ECONNREFUSED 10.0.3.7:5432').text).toBe('ECONNREFUSED [IP_1]:5432');
  });
});

describe('redact options', () => {
  const log = 'db 10.0.3.7:5432 (lb 203.0.113.42, ::1, fd12:3456::7) mail bob@example.com';

  it('treats private and loopback addresses as PII by default, and can skip them', () => {
    expect(redact(log).counts.IP_ADDRESS).toBe(4);
    const publicOnly = redact(log, { privateIps: false });
    expect(publicOnly.text).toBe('db 10.0.3.7:5432 (lb [IP_1], ::1, fd12:3456::7) mail [EMAIL_1]');
  });

  it('redacts only the chosen kinds', () => {
    const only = redact(log, { kinds: ['EMAIL'] });
    expect(only.text).toBe('db 10.0.3.7:5432 (lb 203.0.113.42, ::1, fd12:3456::7) mail [EMAIL_1]');
    expect(only.counts).toEqual({ EMAIL: 1 });
  });

  it('never redacts allowed values', () => {
    expect(
      redact('write to support@example.com or bob@example.com', { allow: ['support@example.com'] })
        .text,
    ).toBe('write to support@example.com or [EMAIL_1]');
  });

  it('can turn the entropy detector off while vendor formats stay on', () => {
    const text = `token Xk9mP2qR7vT4wZ8nB3cF6hJ1yL5s and ${SECRETS.GITHUB_PAT}`;
    expect(redact(text, { entropy: { enabled: false } }).text).toBe(
      'token Xk9mP2qR7vT4wZ8nB3cF6hJ1yL5s and [SECRET_1]',
    );
    expect(redact(text).text).toBe('token [SECRET_1] and [SECRET_2]');
  });
});

describe('placeholders', () => {
  it('are stable within a request and distinct across values', () => {
    const r = redact([
      'From bob@example.com: card 4111 1111 1111 1111 declined',
      'cc alice@example.org; bob@example.com again; card 5500-0000-0000-0004',
      'bob@example.com paid with 4111 1111 1111 1111 in the end',
    ]);
    expect(r.texts).toEqual([
      'From [EMAIL_1]: card [CARD_1] declined',
      'cc [EMAIL_2]; [EMAIL_1] again; card [CARD_2]',
      '[EMAIL_1] paid with [CARD_1] in the end',
    ]);
    expect(r.counts).toEqual({ EMAIL: 4, PAYMENT_CARD: 3 });
    expect(r.distinct).toEqual({ EMAIL: 2, PAYMENT_CARD: 2 });
    expect(r.total).toBe(7);
  });

  it('give one placeholder to differently written forms of one value, restoring the first form', () => {
    const r = redact([
      'Bob@Example.com / 4111-1111-1111-1111',
      'bob@example.com / 4111 1111 1111 1111',
    ]);
    expect(r.texts).toEqual(['[EMAIL_1] / [CARD_1]', '[EMAIL_1] / [CARD_1]']);
    expect(r.restore('[EMAIL_1] [CARD_1]')).toBe('Bob@Example.com 4111-1111-1111-1111');
  });

  it('start again in every request', () => {
    expect(redact('a@example.com').text).toBe('[EMAIL_1]');
    expect(redact('b@example.com').text).toBe('[EMAIL_1]');
  });

  it('never reuse placeholder-like text already present in the request', () => {
    const r = redact([
      'my notes say [EMAIL_1] was redacted before',
      'now write to carol@example.com',
    ]);
    expect(r.texts[1]).toBe('now write to [EMAIL_2]');
    expect(r.restore('[EMAIL_1] and [EMAIL_2]')).toBe('[EMAIL_1] and carol@example.com');
  });

  it('count every kind in the corpus', () => {
    for (const { text, expected } of PII_SAMPLES) {
      const r = redact(text);
      const counts: Partial<Record<PiiKind, number>> = {};
      for (const e of expected) counts[e.kind] = (counts[e.kind] ?? 0) + 1;
      expect(r.counts).toEqual(counts);
      for (const e of expected) expect(r.text).not.toContain(e.value);
    }
  });
});

describe('restore', () => {
  it.each(PII_SAMPLES)('round-trips: $name', ({ text }) => {
    const r = redact(text);
    expect(r.restore(r.text)).toBe(text);
  });

  it('accepts placeholders the model reformatted', () => {
    const r = redact(['mail bob@example.com, call +44 20 7946 0958, SSN 123-45-6789']);
    expect(r.texts[0]).toBe('mail [EMAIL_1], call [PHONE_1], SSN [NATIONAL_ID_1]');
    const output =
      'Wrote to [email_1] ({EMAIL_1}, <Email_1>, (EMAIL_1), [EMAIL 1], [ EMAIL-1 ], EMAIL_1, email_1.) phone PHONE_1; id national_id_1';
    expect(r.restore(output)).toBe(
      'Wrote to bob@example.com (bob@example.com, bob@example.com, bob@example.com, bob@example.com, bob@example.com, bob@example.com, bob@example.com.) phone +44 20 7946 0958; id 123-45-6789',
    );
  });

  it('leaves prose, unknown and longer placeholders alone', () => {
    const r = redact('mail bob@example.com');
    expect(r.restore('email 1 of 3, [EMAIL_2], [EMAIL_12], XEMAIL_1, EMAIL_1x')).toBe(
      'email 1 of 3, [EMAIL_2], [EMAIL_12], XEMAIL_1, EMAIL_1x',
    );
  });

  it('keeps a lone bracket that belongs to the sentence', () => {
    const r = redact('mail bob@example.com');
    expect(r.restore('(see EMAIL_1)')).toBe('(see bob@example.com)');
  });

  it('can keep secrets masked in the answer', () => {
    const r = redact(`key ${SECRETS.OPENAI_KEY} for bob@example.com`, { restoreKinds: ['EMAIL'] });
    expect(r.restore(r.text)).toBe('key [SECRET_1] for bob@example.com');
  });

  it('restores a streamed answer split anywhere, as restore() does on the whole', () => {
    const r = redact([
      'mail bob@example.com and alice@example.org, card 4111 1111 1111 1111, ip 10.0.3.7',
    ]);
    const answer =
      'Sure: [EMAIL_1] then email_2, [ CARD_1 ], IP_1:5432 and [IP 1]. Not [EMAIL_3] nor [link](x). End EMAIL_1';
    const whole = r.restore(answer);
    expect(whole).toContain(
      'bob@example.com then alice@example.org, 4111 1111 1111 1111, 10.0.3.7:5432 and 10.0.3.7.',
    );
    for (let size = 1; size <= 7; size++) {
      const restorer = r.restorer();
      let out = '';
      for (let i = 0; i < answer.length; i += size) out += restorer.push(answer.slice(i, i + size));
      out += restorer.flush();
      expect(out).toBe(whole);
    }
  });

  it('holds back only what could still become a placeholder', () => {
    const restorer = redact('bob@example.com').restorer();
    expect(restorer.push('Hello wor')).toBe('Hello wor');
    expect(restorer.push('ld, write to [EM')).toBe('ld, write to ');
    expect(restorer.push('AIL_1] today')).toBe('bob@example.com today');
    expect(restorer.flush()).toBe('');
  });
});

describe('PiiRedactor and redactMessages', () => {
  it('redacts chat messages keeping their other fields', () => {
    const r = redactMessages([
      { role: 'system' as const, content: 'You draft status updates.' },
      { role: 'user' as const, content: 'Customer bob@example.com on 203.0.113.42' },
    ]);
    expect(r.messages).toEqual([
      { role: 'system', content: 'You draft status updates.' },
      { role: 'user', content: 'Customer [EMAIL_1] on [IP_1]' },
    ]);
    expect(r.counts).toEqual({ EMAIL: 1, IP_ADDRESS: 1 });
    expect(r.restore('Notified [EMAIL_1].')).toBe('Notified bob@example.com.');
  });

  it('keeps numbering across incremental calls', () => {
    const redactor = new PiiRedactor();
    expect(redactor.redact('a@example.com')).toBe('[EMAIL_1]');
    expect(redactor.redact('b@example.com a@example.com')).toBe('[EMAIL_2] [EMAIL_1]');
    expect(redactor.summary).toEqual({ counts: { EMAIL: 3 }, distinct: { EMAIL: 2 }, total: 3 });
  });
});

describe('validators', () => {
  it('check digits', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(ibanValid('GB82WEST12345698765432')).toBe(true);
    expect(ibanValid('GB82WEST12345698765433')).toBe(false);
    expect(ibanValid('GB82WEST1234569876543')).toBe(false);
    expect(spanishIdValid('12345678Z')).toBe(true);
    expect(spanishIdValid('12345678A')).toBe(false);
    expect(italianFiscalCodeValid('RSSMRA85T10A562S')).toBe(true);
    expect(italianFiscalCodeValid('RSSMRA85T10A562T')).toBe(false);
  });

  it('tells random tokens from identifiers', () => {
    const options = { minLength: 20, threshold: 3.5 };
    expect(looksRandom('Xk9mP2qR7vT4wZ8nB3cF6hJ1yL5s', options)).toBe(true);
    expect(looksRandom('wJalrXUtnFEMIK7MDENGbPxRfiCY', options)).toBe(true);
    for (const id of [
      '550e8400-e29b-41d4-a716-446655440000',
      '9fceb02d0ae598e95dc970b74767f19372d61af8',
      'getUserAccountSettingsForOrg2',
      'KafkaConsumerGroupRebalance3x',
      'README_CONTRIBUTING_Guide2024',
      'ap-southeast-2-prod-EKS-cluster01',
      'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaB1',
    ]) {
      expect(looksRandom(id, options), id).toBe(false);
    }
  });
});

describe('adversarial input', () => {
  const SIZE = 1 << 20;
  const fill = (unit: string): string => unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE);
  const shapes: Record<string, string> = {
    digits: fill('1'),
    'spaced digits': fill('4 '),
    'dashed digits': fill('12-'),
    'dotted digits': fill('1.'),
    'IPv4 prefix': fill('1.1.1.'),
    'hex and colons': fill('ab:'),
    'plus signs': fill('+1 '),
    'trunk zeros': fill('(0'),
    letters: fill('a'),
    base64: fill('aB3+'),
    'at signs': fill('a@'),
    'dotted local part': fill('a.'),
    'endless domain': 'x@' + fill('a.'),
    'sk- prefixes': fill('sk-'),
    'JWT prefixes': fill('eyJ'),
    'PEM headers': fill('-----BEGIN PRIVATE KEY-----'),
    'URL schemes': fill('a://b:c'),
    'password keys': fill('password='),
    'bearer words': fill('Bearer '),
    'IBAN prefixes': fill('DE89 '),
    'card groups': fill('4111 '),
    'phone keywords': fill('phone '),
    slashes: fill('a/'),
    underscores: fill('a_'),
  };

  it.each(Object.entries(shapes))('scans 1 MB of %s in linear time', (_name, text) => {
    const started = performance.now();
    const r = redact(text);
    const elapsed = performance.now() - started;
    expect(r.text.length).toBeGreaterThan(0);
    // Unloaded every shape takes 0.05-0.35 s. The bound leaves room for a busy CI machine and is
    // still far below what quadratic backtracking over 1 MB would cost (minutes).
    expect(elapsed).toBeLessThan(2000);
  });
});
