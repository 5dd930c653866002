/**
 * `npm run measure:pii`: the redactor's recall per kind on generated data in many locales, and
 * its findings in text that holds no personal data (CLINC150 utterances, the job-log fixtures'
 * lines). A value counts as found when one finding of its kind covers all of it.
 */
import { findPii } from '../../src/security/pii/index.js';
import { clincUtterances } from '../clinc150.js';
import { ordinaryLogLines } from './ordinary.js';
import { generatedSamples, LOCALES, type MeasuredKind } from './samples.js';

const samples = generatedSamples();
const found = new Map<MeasuredKind, [number, number]>();
const misses: string[] = [];
for (const s of samples) {
  const hit = findPii(s.text).some(
    (f) => f.kind === s.kind && f.start <= s.start && f.end >= s.end,
  );
  const [n, of] = found.get(s.kind) ?? [0, 0];
  found.set(s.kind, [n + (hit ? 1 : 0), of + 1]);
  if (!hit && process.argv.includes('--misses')) misses.push(`${s.kind} ${s.locale}: ${s.text}`);
}
console.log(`| kind | recall (${LOCALES.length} locales) |`);
console.log('|---|---:|');
for (const [kind, [n, of]] of found)
  console.log(`| ${kind} | ${((100 * n) / of).toFixed(1)} % of ${of} |`);
for (const [name, texts] of [
  [
    'CLINC150 utterances',
    clincUtterances('train', 'val', 'test', 'oos_train', 'oos_val', 'oos_test'),
  ],
  ['job-log fixtures, ordinary lines', ordinaryLogLines()],
] as const) {
  const withFindings = texts.filter((t) => findPii(t).length > 0);
  console.log(`| findings in ${name} | ${withFindings.length} of ${texts.length} texts |`);
  if (process.argv.includes('--misses'))
    for (const t of withFindings.slice(0, 20))
      misses.push(`FP ${JSON.stringify(findPii(t).map((f) => f.value))}: ${t}`);
}
for (const m of misses) console.log(m);
