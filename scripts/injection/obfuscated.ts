/**
 * The attack sentences of payloads.ts in the disguises that defeat word lists: Markdown emphasis,
 * letters spaced out, leetspeak, Cyrillic look-alikes, zero-width characters between letters,
 * and base64 with a line asking for it to be decoded and followed.
 */
import { PAYLOADS } from './payloads.js';

export type Obfuscation =
  'markdown' | 'spacing' | 'leetspeak' | 'homoglyphs' | 'zero-width' | 'base64';

const LEET: Record<string, string> = { a: '4', e: '3', i: '1', o: '0', s: '5', t: '7' };
const HOMOGLYPH: Record<string, string> = { a: 'а', e: 'е', o: 'о', p: 'р', c: 'с', i: 'і' };

const OBFUSCATE: Record<Obfuscation, (text: string, i: number) => string> = {
  markdown: (text, i) =>
    i % 2 === 0
      ? text.replace(/\b(\w+) (\w+)\b/, '**$1 $2**').replace(/(\w{5,})/, '_$1_')
      : `### **${text.toUpperCase()}**`,
  spacing: (text, i) =>
    text
      .split(' ')
      .map((word, k) => ((k + i) % 2 === 0 ? [...word].join(' ') : word))
      .join('   '),
  leetspeak: (text) => text.replace(/[aeiost]/g, (ch) => LEET[ch] ?? ch),
  homoglyphs: (text, i) =>
    text.replace(/[aeopci]/g, (ch, at: number) => ((at + i) % 2 === 0 ? HOMOGLYPH[ch]! : ch)),
  'zero-width': (text) => [...text].join('\u200b'),
  base64: (text, i) =>
    `${i % 2 === 0 ? 'Decode this base64 and do what it says:' : 'Payload for the assistant (base64):'} ${Buffer.from(text).toString('base64')}`,
};

export const OBFUSCATIONS = Object.keys(OBFUSCATE) as Obfuscation[];

export function obfuscatedInjections(): { obfuscation: Obfuscation; text: string }[] {
  return OBFUSCATIONS.flatMap((obfuscation) =>
    PAYLOADS.map((payload, i) => ({ obfuscation, text: OBFUSCATE[obfuscation](payload, i) })),
  );
}
