/**
 * CLINC150 (../shared/datasets/clinc150): 23,700 short support-style utterances, the everyday text
 * the injection screen and the PII detector must leave alone. The path is relative to the
 * repository, so it works in any clone that has ../shared beside it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CLINC150 = fileURLToPath(
  new URL('../../shared/datasets/clinc150/data_full.json', import.meta.url),
);

export type ClincSplit = 'train' | 'val' | 'test' | 'oos_train' | 'oos_val' | 'oos_test';

/** The utterances of the given splits (in-scope and out-of-scope). */
export function clincUtterances(...splits: ClincSplit[]): string[] {
  const data = JSON.parse(readFileSync(CLINC150, 'utf8')) as Record<ClincSplit, [string, string][]>;
  return splits.flatMap((split) => data[split].map(([text]) => text));
}
