/**
 * `npm run measure:injection`: the injection screen's recall and false positives as docs/security.md
 * prints them. Every figure for a collection comes from a model trained without that collection
 * (the six sources of the shared file, and each of this project's own sets, held out whole), so
 * none is a score on training data. Ordinary text (CLINC150's test utterances, the job-log
 * fixtures' lines) was never trained on and is scored by the shipped model.
 *
 * Columns: the rules alone, and the rules with the classifier (the screen as shipped). A text
 * counts as flagged at the default policy's flag threshold.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { assessInjection, DEFAULT_INJECTION_POLICY } from '../../src/security/injection/index.js';
import type { InjectionModel } from '../../src/security/injection/classifier.js';
import { clincUtterances } from '../clinc150.js';
import {
  documentationExamples,
  ordinaryExamples,
  ownExamples,
  sharedExamples,
  type Example,
} from './data.js';
import { train, vectorize } from './train.js';

const LOGS = fileURLToPath(new URL('../../test/fixtures/job-logs/', import.meta.url));

const flagged = (text: string, model: InjectionModel | null): boolean =>
  assessInjection(text, { model }).score >= DEFAULT_INJECTION_POLICY.flag;

const percent = (n: number, of: number): string => `${((100 * n) / of).toFixed(1)} %`;

const examples = [
  ...sharedExamples(),
  ...ownExamples(),
  ...ordinaryExamples(),
  ...documentationExamples(),
];
const vectors = vectorize(examples);
const rows: string[] = [];

/** One row per group of a held-out collection. */
function measureHeldOut(collection: string): void {
  const model = train(vectors.filter((_, i) => examples[i]!.collection !== collection));
  const groups = new Map<string, Example[]>();
  for (const e of examples.filter((e) => e.collection === collection))
    groups.set(e.group, [...(groups.get(e.group) ?? []), e]);
  for (const [group, members] of groups) {
    const attacks = members[0]!.injection;
    const rules = members.filter((e) => flagged(e.text, null)).length;
    const both = members.filter((e) => flagged(e.text, model)).length;
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
for (const collection of held) measureHeldOut(collection);
measureOrdinary('CLINC150 test + oos_test', clincUtterances('test', 'oos_test'));
measureOrdinary(
  'job-log fixtures, lines',
  readdirSync(LOGS).flatMap((f) =>
    readFileSync(LOGS + f, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== ''),
  ),
);

console.log('| collection (held out) | group | measure | texts | rules | rules + classifier |');
console.log('|---|---|---|---:|---:|---:|');
for (const row of rows) console.log(row);
