/**
 * Pinned keyword rules match what a person reads, not the code points a sender chose: a ticket
 * that writes `charge\u200bback`, `charge\u00adback`, `сhargeback` with a Cyrillic `с`, or
 * `chárgeback` with a combining accent still says chargeback to its reader and must meet the rule.
 * Keyword and ticket are folded the same way (invisible characters out, NFKC, confusables to
 * Latin, accents off, one space, lower case), so a rule in any script matches its own script too.
 */
import { foldLookAlikes } from '../../security/injection/normalize.js';
import type { KeywordRule } from '../../infra/store/routing/taxonomies.js';

/** NFKD splits an accented letter into its base and combining marks, which then go; any run of spaces is one. */
export function keywordForm(text: string): string {
  return foldLookAlikes(text)
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/\s+/g, ' ')
    .toLowerCase();
}

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The first rule whose keyword stands as a whole word (or words) in a ticket's text, for every
 * ticket of a batch; the rules' patterns are built once per batch.
 */
export function keywordMatcher(
  rules: readonly KeywordRule[],
): (text: string) => KeywordRule | null {
  const patterns = rules.map((rule) => ({
    rule,
    pattern: new RegExp(
      `(?<![\\p{L}\\p{N}_])${escaped(keywordForm(rule.keyword))}(?![\\p{L}\\p{N}_])`,
      'u',
    ),
  }));
  return (text) => {
    const folded = keywordForm(text);
    return patterns.find(({ pattern }) => pattern.test(folded))?.rule ?? null;
  };
}
