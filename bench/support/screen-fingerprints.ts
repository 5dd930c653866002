/**
 * What the injection screen and the PII detector make of every text of every corpus at hand, one
 * line per text: the classifier's normalized text and feature buckets (hashed), its probability,
 * the assessment (score and signals), the action the default policy takes, the PII findings.
 * Run it in two checkouts and diff the files: a change meant only to make the screen cheaper must
 * leave every line as it was, since the shipped weights are tied to the features bucket for bucket.
 *
 *   npx tsx bench/support/screen-fingerprints.ts /tmp/after.tsv
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { clincUtterances } from '../../scripts/clinc150.js';
import {
  documentationExamples,
  heldOutExamples,
  ordinaryExamples,
  ownExamples,
  sharedExamples,
} from '../../scripts/injection/data.js';
import { lookalikeSets } from '../../scripts/injection/lookalikes.js';
import { MODEL_BITS } from '../../scripts/injection/train.js';
import { forEachFeature, normalizeForModel } from '../../src/security/injection/features.js';
import {
  assessInjection,
  injectionAction,
  injectionProbability,
} from '../../src/security/injection/index.js';
import { findPii } from '../../src/security/pii/index.js';
import * as benign from '../../test/fixtures/security/benign-texts.js';
import * as prompts from '../../test/fixtures/security/injection-prompts.js';
import { NEAR_MISSES, PII_SAMPLES } from '../../test/fixtures/security/pii-corpus.js';

const out = process.argv[2];
if (!out) throw new Error('usage: screen-fingerprints.ts <output file>');

const LOGS = fileURLToPath(new URL('../../test/fixtures/job-logs/', import.meta.url));
const logFiles = [
  ...readdirSync(LOGS).filter((name) => name.endsWith('.log')),
  ...readdirSync(LOGS + 'failure-kinds')
    .filter((name) => name.endsWith('.log'))
    .map((name) => `failure-kinds/${name}`),
]
  .sort()
  .map((name) => readFileSync(LOGS + name, 'utf8'));
const allLogs = logFiles.join('\n');

const corpora: [string, string[]][] = [
  ['shared-train', sharedExamples().map((e) => e.text)],
  ['own', ownExamples().map((e) => e.text)],
  ['held-out', heldOutExamples().map((e) => e.text)],
  ['ordinary', ordinaryExamples().map((e) => e.text)],
  ['clinc150', clincUtterances('train', 'val', 'test', 'oos_train', 'oos_val', 'oos_test')],
  ['docs', documentationExamples(20000).map((e) => e.text)],
  ['lookalikes', lookalikeSets().flatMap((s) => s.texts)],
  ['job-logs', logFiles],
  ['job-log-pieces', allLogs.match(/[\s\S]{1,4096}/g) ?? []],
  ['job-log-lines', allLogs.split('\n')],
  [
    'fixtures',
    [
      ...Object.values(benign).flatMap((v) => (Array.isArray(v) ? (v as string[]) : [])),
      ...Object.values(prompts).flatMap((v) =>
        Array.isArray(v) ? (v as { text: string }[]).map((s) => s.text) : [],
      ),
      ...PII_SAMPLES.map((s) => s.text),
      ...NEAR_MISSES.map((s) => s.text),
    ],
  ],
];

const sha = (data: string | Uint8Array): string =>
  createHash('sha1').update(data).digest('hex').slice(0, 16);

const lines: string[] = [];
let texts = 0;
for (const [corpus, list] of corpora) {
  list.forEach((text, i) => {
    const normalized = normalizeForModel(text);
    const features: number[] = [];
    forEachFeature(normalized, MODEL_BITS, (position, bucket) => features.push(position, bucket));
    const assessment = assessInjection(text);
    const pii = findPii(text).map((f) => [f.kind, f.start, f.end, f.detector]);
    lines.push(
      [
        corpus,
        i,
        sha(normalized),
        sha(new Uint8Array(Int32Array.from(features).buffer)),
        injectionProbability(text),
        assessment.score,
        injectionAction(assessment.score),
        assessInjection(text, { model: null }).score,
        sha(JSON.stringify(assessment.signals)),
        JSON.stringify(pii),
      ].join('\t'),
    );
    texts++;
  });
}
writeFileSync(out, lines.join('\n') + '\n');
console.log(`${texts} texts in ${corpora.length} corpora written to ${out}`);
