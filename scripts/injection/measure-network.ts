/**
 * `npx tsx scripts/injection/measure-network.ts`: whether a one-hidden-layer network over the
 * classifier's hashed features (src/ml/network.ts, trained as a two-class softmax) moves the
 * injection screen's recall/false-positive frontier, held out as `npm run measure:injection` is:
 * each collection scored by a linear model and a network both trained without it; CLINC150's test
 * utterances, the job-log lines and the multilingual held-out set by models trained on everything.
 *
 * The screen's decision is modelled as it is in assess.ts: a text is flagged when the rules alone
 * reach the flag threshold or the classifier's logit reaches its floor (0.85 in probability): below
 * the floor the classifier adds no signal, and at the floor it alone gives 0.8, above the flag.
 * Each candidate score (the linear model's most suspicious part, the linear model and the network
 * on the whole text, their averages) is compared at the floor where wildguard's held-out false
 * positives are no higher than the linear model's at 0.85: a candidate moves the frontier only if
 * recall is higher there and no other benign set rises.
 *
 * Environment: BITS (network buckets, the 18-bit buckets' low bits; 14), HIDDEN (units; 32),
 * EPOCHS (6), LR (0.1), DROPOUT (0.1), ONLY (comma-separated parts of collection names to hold
 * out, for quick runs). `--dump file` writes each text's rule score and the two logits.
 */
import { writeFileSync } from 'node:fs';
import { DEFAULT_INJECTION_POLICY, assessInjection } from '../../src/security/injection/index.js';
import { injectionProbability } from '../../src/security/injection/classifier.js';
import { featureVector, type SparseVector } from '../../src/security/injection/features.js';
import { trainNetwork, type NetworkWeights } from '../../src/ml/network.js';
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

const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const BITS = env('BITS', 14);
const HIDDEN = env('HIDDEN', 32);
const NETWORK = {
  hidden: HIDDEN,
  epochs: env('EPOCHS', 6),
  learningRate: env('LR', 0.1),
  dropout: env('DROPOUT', 0.1),
  seed: 21,
};
const ONLY = process.env.ONLY?.split(',');
const DUMP = process.argv.includes('--dump')
  ? process.argv[process.argv.indexOf('--dump') + 1]
  : null;
/** The classifier's floor (assess.ts) as a logit. */
const FLOOR = Math.log(0.85 / 0.15);

const examples = [
  ...sharedExamples(),
  ...ownExamples(),
  ...ordinaryExamples(),
  ...documentationExamples(),
];
const vectors = vectorize(examples);
const small: SparseVector[] = examples.map((e) => featureVector(e.text, BITS));

/** The network on the examples `keep` selects, the smaller class repeated to weigh as the larger. */
function trainOn(keep: (i: number) => boolean): NetworkWeights {
  const kept = examples.flatMap((_, i) => (keep(i) ? [i] : []));
  const attacks = kept.filter((i) => examples[i]!.injection).length;
  const benign = kept.length - attacks;
  const copies = (i: number): number =>
    Math.max(1, Math.round(examples[i]!.injection ? benign / attacks : attacks / benign));
  const order = kept.flatMap((i) => Array<number>(copies(i)).fill(i));
  let nnz = 0;
  for (const i of order) nnz += small[i]!.index.length;
  const rowStart = new Int32Array(order.length + 1);
  const columns = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  const labels = new Int32Array(order.length);
  let at = 0;
  order.forEach((i, r) => {
    columns.set(small[i]!.index, at);
    values.set(small[i]!.value, at);
    at += small[i]!.index.length;
    rowStart[r + 1] = at;
    labels[r] = examples[i]!.injection ? 1 : 0;
  });
  return trainNetwork({ rowStart, columns, values }, labels, 2, 1 << BITS, NETWORK);
}

/** The network's logit (attack minus benign) for the whole text. */
function networkLogit(network: NetworkWeights, text: string): number {
  const v = featureVector(text, BITS);
  const z = Float32Array.from(network.hidden.bias);
  const w = network.hidden.weights;
  for (let k = 0; k < v.index.length; k++) {
    const row = v.index[k]! * HIDDEN;
    for (let j = 0; j < HIDDEN; j++) z[j]! += v.value[k]! * w[row + j]!;
  }
  const { bias, weights } = network.output;
  let logit = bias[1]! - bias[0]!;
  for (let j = 0; j < HIDDEN; j++)
    if (z[j]! > 0) logit += z[j]! * (weights[j * 2 + 1]! - weights[j * 2]!);
  return logit;
}

/** The linear model's logit for the whole text (no parts, no short-text bonus). */
function wholeLogit(model: ReturnType<typeof train>, text: string): number {
  const v = featureVector(text, model.bits);
  let logit = model.bias;
  for (let k = 0; k < v.index.length; k++) logit += v.value[k]! * model.weights[v.index[k]!]!;
  return logit;
}

interface Scored {
  set: string;
  injection: boolean;
  rules: number;
  linear: number;
  /** The linear model on the whole text only, as the network reads it. */
  whole: number;
  network: number;
}
const scored: Scored[] = [];
const clamp = (p: number): number => Math.min(1 - 1e-9, Math.max(1e-9, p));
function score(
  set: string,
  members: readonly Example[],
  linear: ReturnType<typeof train>,
  network: NetworkWeights,
): void {
  for (const e of members) {
    const p = clamp(injectionProbability(e.text, linear));
    scored.push({
      set: e.injection ? set : `${set} (benign)`,
      injection: e.injection,
      rules: assessInjection(e.text, { model: null }).score,
      linear: Math.log(p / (1 - p)),
      whole: wholeLogit(linear, e.text),
      network: networkLogit(network, e.text),
    });
  }
}

const held = [...new Set(examples.map((e) => e.collection))].filter(
  (c) =>
    !c.startsWith('clinc150') &&
    c !== 'own:carriers' &&
    (!ONLY || ONLY.some((part) => c.includes(part))),
);
for (const c of held) {
  const keep = (i: number): boolean => examples[i]!.collection !== c;
  score(
    c,
    examples.filter((e) => e.collection === c),
    train(vectors.filter((_, i) => keep(i))),
    trainOn(keep),
  );
}
const linear = train(vectors);
const network = trainOn(() => true);
const ordinary = (set: string, texts: string[]): Example[] =>
  texts.map((text) => ({ text, injection: false, collection: set, group: set }));
score('own:multilingual-heldout', heldOutExamples(), linear, network);
score(
  'clinc150:test',
  ordinary('clinc150:test', clincUtterances('test', 'oos_test')),
  linear,
  network,
);
score('job-log lines', ordinary('job-log lines', jobLogLines()), linear, network);
if (DUMP) writeFileSync(DUMP, JSON.stringify(scored));

const sets = [...new Set(scored.map((s) => s.set))];
const shared = sets.filter((s) => scored.find((x) => x.set === s)!.injection && !s.includes(':'));
const benign = sets.filter(
  (s) => s.endsWith('(benign)') || !scored.find((x) => x.set === s)!.injection,
);
const rate = (set: string, candidate: (s: Scored) => number, floor: number): number => {
  const members = scored.filter((s) => s.set === set);
  const flagged = members.filter(
    (s) => s.rules >= DEFAULT_INJECTION_POLICY.flag || candidate(s) >= floor,
  ).length;
  return (100 * flagged) / members.length;
};
const candidates: [string, (s: Scored) => number][] = [
  ['linear', (s) => s.linear],
  ['linear, whole text', (s) => s.whole],
  ['network', (s) => s.network],
  ['average 0.7 / 0.3', (s) => 0.7 * s.linear + 0.3 * s.network],
  ['average 0.5 / 0.5', (s) => 0.5 * s.linear + 0.5 * s.network],
];
const wildguard = 'wildguard_benign (benign)';
const cap = rate(wildguard, candidates[0]![1], FLOOR);
console.log(
  `| candidate | floor (logit) | ${shared.join(' | ')} | shared mean | ${benign.join(' | ')} |`,
);
console.log(`|---|---:|${'---:|'.repeat(shared.length + 1 + benign.length)}`);
for (const [name, candidate] of candidates) {
  let floor = name === 'linear' ? FLOOR : -2;
  while (rate(wildguard, candidate, floor) > cap && floor < 20) floor += 0.05;
  const recall = shared.map((s) => rate(s, candidate, floor));
  const mean = recall.reduce((a, b) => a + b, 0) / recall.length;
  console.log(
    `| ${name} | ${floor.toFixed(2)} | ${recall.map((r) => r.toFixed(1)).join(' | ')} | ${mean.toFixed(1)} | ${benign.map((s) => rate(s, candidate, floor).toFixed(1)).join(' | ')} |`,
  );
}
