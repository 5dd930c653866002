/** CLINC150 (../shared/datasets), a stand-in for a customer's labeled ticket history. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type ClincSplit = 'train' | 'val' | 'test' | 'oos_train' | 'oos_val' | 'oos_test';
export type ClincData = Record<ClincSplit, [string, string][]>;

export const CLINC_PATH = fileURLToPath(
  new URL('../../../shared/datasets/clinc150/data_full.json', import.meta.url),
);

let cached: ClincData | undefined;

export function loadClinc(): ClincData {
  cached ??= JSON.parse(readFileSync(CLINC_PATH, 'utf8')) as ClincData;
  return cached;
}

/** The rows of the given intents only. */
export function clincSubset(split: ClincSplit, intents: readonly string[]): [string, string][] {
  const wanted = new Set(intents);
  return loadClinc()[split].filter(([, intent]) => wanted.has(intent));
}
