/**
 * `npm run measure:injection`: the injection screen's recall and false positives as docs/security.md
 * prints them. Every figure for a collection comes from a model trained without that collection
 * (the six sources of the shared file, and each of this project's own sets, held out whole), so
 * none is a score on training data. Ordinary text (CLINC150's test utterances, the job-log
 * fixtures' lines) was never trained on and is scored by the shipped model; the multilingual
 * held-out set (multilingual-heldout.ts) is never trained on either, and is scored by a model
 * trained on everything else, as the shipped one is.
 *
 * After the table, one row per collection and label, and recall averaged over the attack
 * collections (each collection counting once, as the target does).
 *
 * Columns: the rules alone, and the rules with the classifier (the screen as shipped). A text
 * counts as flagged at the default policy's flag threshold.
 */
import { writeFileSync } from 'node:fs';
import { assessInjection, DEFAULT_INJECTION_POLICY } from '../../src/security/injection/index.js';
import {
  injectionProbability,
  type InjectionModel,
} from '../../src/security/injection/classifier.js';
import { clincUtterances } from '../clinc150.js';
import {
  documentationExamples,
  heldOutExamples,
  jobLogLines,
  ordinaryExamples,
  ownExamples,
  sharedExamples,
  type Example,
} from './data.js';
import { train, vectorize } from './train.js';

const flagged = (text: string, model: InjectionModel | null): boolean =>
  assessInjection(text, { model }).score >= DEFAULT_INJECTION_POLICY.flag;

const percent = (n: number, of: number): string => `${((100 * n) / of).toFixed(1)} %`;

/** `--dump file`: also write each held-out text's rule score and classifier probability (JSON). */
const DUMP = process.argv.includes('--dump')
  ? process.argv[process.argv.indexOf('--dump') + 1]
  : null;
const dumped: unknown[] = [];
/** `--only a,b`: hold out only the collections whose names contain one of these (while iterating). */
const ONLY = process.argv.includes('--only')
  ? process.argv[process.argv.indexOf('--only') + 1]!.split(',')
  : null;
const selected = (collection: string): boolean =>
  ONLY === null || ONLY.some((part) => collection.includes(part));

const examples = [
  ...sharedExamples(),
  ...ownExamples(),
  ...ordinaryExamples(),
  ...documentationExamples(),
];
const vectors = vectorize(examples);
const rows: string[] = [];
/** Per collection and label: texts and flagged by the screen as shipped, for the averages. */
const totals = new Map<string, { injection: boolean; texts: number; flagged: number }>();

/** One row per group of a held-out collection. */
function measureHeldOut(
  collection: string,
  members: readonly Example[] = examples.filter((e) => e.collection === collection),
  model: InjectionModel = train(vectors.filter((_, i) => examples[i]!.collection !== collection)),
): void {
  const groups = new Map<string, Example[]>();
  // By group and label: a source with both attacks and benign texts (deepset) gets a row for each.
  for (const e of members) {
    const key = `${e.group}${e.injection ? '' : ' (benign)'}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  for (const [group, members] of groups) {
    const attacks = members[0]!.injection;
    const rules = members.filter((e) => flagged(e.text, null)).length;
    const both = members.filter((e) => flagged(e.text, model)).length;
    const key = `${collection}${attacks ? '' : ' (benign)'}`;
    const total = totals.get(key) ?? { injection: attacks, texts: 0, flagged: 0 };
    totals.set(key, {
      ...total,
      texts: total.texts + members.length,
      flagged: total.flagged + both,
    });
    if (DUMP)
      for (const e of members)
        dumped.push({
          collection,
          group,
          injection: e.injection,
          rules: assessInjection(e.text, { model: null }).score,
          probability: injectionProbability(e.text, model),
          length: e.text.length,
        });
    rows.push(
      `| ${collection} | ${group} | ${attacks ? 'recall' : 'false positives'} | ${members.length} | ${percent(rules, members.length)} | ${percent(both, members.length)} |`,
    );
  }
}

function measureOrdinary(name: string, texts: string[]): void {
  const rules = texts.filter((t) => flagged(t, null)).length;
  const both = texts.filter((t) => flagged(t, undefined as never)).length;
  rows.push(
    `| ${name} | never trained on | false positives | ${texts.length} | ${percent(rules, texts.length)} | ${percent(both, texts.length)} |`,
  );
}

const held = [...new Set(examples.map((e) => e.collection))].filter(
  (c) => !c.startsWith('clinc150') && c !== 'own:carriers',
);
for (const collection of held.filter(selected)) measureHeldOut(collection);
// The set no model is trained on, screened by a model trained on everything (the shipped one).
if (selected('own:multilingual-heldout'))
  measureHeldOut('own:multilingual-heldout', heldOutExamples(), train(vectors));
if (ONLY === null) {
  measureOrdinary('CLINC150 test + oos_test', clincUtterances('test', 'oos_test'));
  measureOrdinary('job-log fixtures, lines', jobLogLines());
}

console.log('| collection (held out) | group | measure | texts | rules | rules + classifier |');
console.log('|---|---|---|---:|---:|---:|');
for (const row of rows) console.log(row);
console.log('\n| collection (held out) | measure | texts | rules + classifier |');
console.log('|---|---|---:|---:|');
for (const [key, t] of totals)
  console.log(
    `| ${key} | ${t.injection ? 'recall' : 'false positives'} | ${t.texts} | ${percent(t.flagged, t.texts)} |`,
  );
const mean = (keys: string[]): string =>
  `${((keys.reduce((sum, k) => sum + totals.get(k)!.flagged / totals.get(k)!.texts, 0) * 100) / keys.length).toFixed(1)} %`;
const attackKeys = [...totals.keys()].filter((k) => totals.get(k)!.injection);
console.log(
  `\nrecall averaged over attack collections: shared sources ${mean(attackKeys.filter((k) => !k.startsWith('own:')))}, own sets ${mean(attackKeys.filter((k) => k.startsWith('own:')))}, all ${mean(attackKeys)}`,
);
if (DUMP) writeFileSync(DUMP, JSON.stringify(dumped));
