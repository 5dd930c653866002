/**
 * Ticket-router benchmark on CLINC150 ("full"): trains on `train`, tunes calibration and the
 * Unknown threshold on `val` + `oos_val` + `oos_train`, evaluates on `test` + `oos_test` (never
 * tuned on). The out-of-scope examples never train the weights (`unknownLabel`): they only place
 * the threshold, and 200 of them place it less noisily than oos_val's 100.
 *
 *   npx tsx bench/routing-clinc150.ts            all variants (about three minutes of CPU)
 *   npx tsx bench/routing-clinc150.ts --chosen   only the default model
 *
 * Prints figures only (no assertions): the numbers depend on the machine and its load (CPU seconds
 * of this process are printed next to wall times: they move less when others share the machine).
 * Results are recorded in bench/routing.md.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  cascadeCurve,
  deserializeRouter,
  expectedCalibrationError,
  serializeRouter,
  thresholdForPrecision,
  thresholdForUnknownRecall,
  trainRouter,
  type LabeledText,
  type RouterPrediction,
  type TrainOptions,
  type TrainedRouter,
} from '../src/capabilities/routing/classifier/index.js';

const DATA = process.env['CLINC150_PATH'] ?? new URL('../../shared/datasets/clinc150/data_full.json', import.meta.url).pathname;
const OOS = 'oos';
/** Published in-scope accuracy on this split (Larson et al. 2019, Table 2, "Full"). */
const PUBLISHED = { svm: 91.0, mlpUse: 93.5, bert: 96.9 } as const;
const CASCADE_PRECISION = 0.97;

type Split = 'train' | 'val' | 'test' | 'oos_train' | 'oos_val' | 'oos_test';
const raw = JSON.parse(readFileSync(DATA, 'utf8')) as Record<Split, [string, string][]>;
const split = (name: Split): LabeledText[] => raw[name].map(([text, label]) => ({ text, label }));
const train = split('train');
const val = split('val');
/** Out-of-scope tickets for tuning only: oos_val and oos_train. */
const oosTuning = [...split('oos_val'), ...split('oos_train')];
const tuning = [...val, ...oosTuning];
const test = split('test');
const oosTest = split('oos_test');

interface Variant {
  name: string;
  options: TrainOptions;
}

const WORDS_ONLY = { pairWindow: 0, charNgramMax: 0 };
const WORDS_CHARS = { pairWindow: 0 };
const VARIANTS: Variant[] = [
  { name: 'words (uni+bigram) · logistic regression', options: { algorithm: 'logistic', features: WORDS_ONLY, network: false } },
  { name: 'words (uni+bigram) · linear SVM', options: { algorithm: 'svm', features: WORDS_ONLY, network: false } },
  { name: 'words + chars 2–5 · logistic regression', options: { algorithm: 'logistic', features: WORDS_CHARS, network: false } },
  { name: 'words + chars 2–5 · linear SVM', options: { algorithm: 'svm', features: WORDS_CHARS, network: false } },
  { name: 'words + pairs + chars · logistic regression', options: { algorithm: 'logistic', network: false } },
  { name: 'words + pairs + chars · Crammer–Singer SVM', options: { algorithm: 'crammer-singer', network: false } },
  { name: 'words + pairs + chars · one-vs-rest linear SVM', options: { network: false } },
  { name: 'words + pairs + chars · hidden-layer network (64 ReLU units)', options: { networkShare: 1 } },
  { name: 'words + pairs + chars · SVM + network, calibrated scores averaged (default)', options: {} },
];
const CHOSEN = VARIANTS[VARIANTS.length - 1]!;

interface Evaluation {
  name: string;
  trainSeconds: number;
  /** CPU time of this process while training: steadier than wall time when others share the machine. */
  trainCpuSeconds: number;
  valAccuracy: number;
  testTop1: number;
  ece: number;
  /** Default threshold (router's objective, tuned on val + oos_val). */
  defaultThreshold: number;
  defaultInScope: number;
  defaultOosRecall: number;
  /** Threshold tuned for >= 50% recall on the tuning out-of-scope tickets (the paper's "oos-threshold" setting). */
  paperThreshold: number;
  paperInScope: number;
  paperOosRecall: number;
  perSecond: number;
  /** Tickets per CPU-second of this process in the same loop. */
  perCpuSecond: number;
}

function evaluate(variant: Variant): { evaluation: Evaluation; model: TrainedRouter; testPredictions: RouterPrediction[]; oosPredictions: RouterPrediction[] } {
  const cpu = process.cpuUsage();
  const model = trainRouter(train, { tuningExamples: tuning, unknownLabel: OOS, seed: 1, ...variant.options });
  const trainCpu = process.cpuUsage(cpu);
  const testPredictions = model.predict(test.map((e) => e.text));
  const oosPredictions = model.predict(oosTest.map((e) => e.text));
  const truth = test.map((e) => e.label);
  const top1 = testPredictions.map((p, i) => p.alternatives[0]?.label === truth[i]);
  // A custom threshold t decides a ticket when its confidence >= t (CLINC texts always share some
  // feature with training, so the router's "no feature, no decision" rule never applies here).
  const inScopeAt = (t: number) => testPredictions.filter((p, i) => p.confidence >= t && top1[i]).length / test.length;
  const recallAt = (t: number) => oosPredictions.filter((p) => p.confidence < t).length / oosTest.length;
  const oosTuningConfidence = model.predict(oosTuning.map((e) => e.text)).map((p) => p.confidence);
  const paperThreshold = thresholdForUnknownRecall(oosTuningConfidence, 0.5);
  const evaluation: Evaluation = {
    name: variant.name,
    trainSeconds: model.metrics.trainingMs / 1000,
    trainCpuSeconds: (trainCpu.user + trainCpu.system) / 1e6,
    valAccuracy: model.metrics.heldoutAccuracy,
    testTop1: top1.filter(Boolean).length / test.length,
    ece: expectedCalibrationError(
      testPredictions.map((p) => p.confidence),
      top1,
    ),
    defaultThreshold: model.threshold,
    defaultInScope: testPredictions.filter((p, i) => p.label === truth[i]).length / test.length,
    defaultOosRecall: oosPredictions.filter((p) => p.label === null).length / oosTest.length,
    paperThreshold,
    paperInScope: inScopeAt(paperThreshold),
    paperOosRecall: recallAt(paperThreshold),
    ...throughput(model, [...test, ...oosTest].map((e) => e.text)),
  };
  return { evaluation, model, testPredictions, oosPredictions };
}

/** Batched predictions per second (wall and CPU) in this process: batches of 1,000 for at least two seconds. */
function throughput(model: TrainedRouter, texts: string[], batch = 1000): { perSecond: number; perCpuSecond: number } {
  model.predict(texts.slice(0, batch)); // warm-up (JIT)
  let done = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  while (performance.now() - started < 2000) {
    for (let from = 0; from < texts.length; from += batch) {
      const chunk = texts.slice(from, from + batch);
      model.predict(chunk);
      done += chunk.length;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { perSecond: done / seconds, perCpuSecond: done / ((used.user + used.system) / 1e6) };
}

const pct = (x: number) => (100 * x).toFixed(2);
const ratio = (x: number, published: number) => (100 * x / published).toFixed(3);

function main(): void {
  const onlyChosen = process.argv.includes('--chosen');
  console.log(`# Ticket router on CLINC150 full`);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, single process; load average at start ${loadavg().map((l) => l.toFixed(2)).join(' / ')}`);
  console.log(`train ${train.length} · tune ${val.length} val + ${oosTuning.length} oos_val/oos_train (tuning only) · test ${test.length} + ${oosTest.length} oos_test\n`);

  const results: Evaluation[] = [];
  let chosen: ReturnType<typeof evaluate> | undefined;
  for (const variant of onlyChosen ? [CHOSEN] : VARIANTS) {
    const run = evaluate(variant);
    results.push(run.evaluation);
    if (variant === CHOSEN) chosen = run;
    console.error(`done: ${variant.name}`);
  }

  console.log('## Variants (train on train, tune on val + oos_val + oos_train, evaluate on test + oos_test)\n');
  console.log(
    '| variant | train s (CPU s) | val acc | test top-1 | ÷ SVM 91.0 | ÷ MLP 93.5 | test ECE | in-scope / oos recall @ default t | in-scope / oos recall @ t for 50% tuning-oos recall | pred/s (per CPU-s) |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(
      `| ${r.name} | ${r.trainSeconds.toFixed(2)} (${r.trainCpuSeconds.toFixed(2)}) | ${pct(r.valAccuracy)} | ${pct(r.testTop1)} | ${ratio(r.testTop1, PUBLISHED.svm)} | ${ratio(r.testTop1, PUBLISHED.mlpUse)} | ${r.ece.toFixed(4)} | ${pct(r.defaultInScope)} / ${pct(r.defaultOosRecall)} (t=${r.defaultThreshold.toFixed(3)}) | ${pct(r.paperInScope)} / ${pct(r.paperOosRecall)} (t=${r.paperThreshold.toFixed(3)}) | ${r.perSecond.toFixed(0)} (${r.perCpuSecond.toFixed(0)}) |`,
    );
  }
  console.log(`\nload average at end: ${loadavg().map((l) => l.toFixed(2)).join(' / ')}`);
  console.log(`\nPublished (in-scope accuracy / oos recall, oos-threshold setting): SVM ${PUBLISHED.svm}/18.0 (oos-train 91.0/14.5), MLP on USE 93.4/49.1 (oos-train ${PUBLISHED.mlpUse}/47.4), BERT 96.2/52.3 (oos-train ${PUBLISHED.bert}/40.3).`);

  if (!chosen) return;
  const { model, testPredictions, oosPredictions, evaluation } = chosen;
  console.log(`\n## Chosen: ${evaluation.name}\n`);
  console.log(`- in-scope test accuracy (top-1, no Unknown): ${pct(evaluation.testTop1)} %`);
  console.log(`- at the router's tuned threshold t=${evaluation.defaultThreshold.toFixed(3)}: in-scope accuracy ${pct(evaluation.defaultInScope)} %, oos recall ${pct(evaluation.defaultOosRecall)} %`);
  console.log(`- at t=${evaluation.paperThreshold.toFixed(3)} (50 % recall on the tuning out-of-scope tickets): in-scope accuracy ${pct(evaluation.paperInScope)} %, oos recall ${pct(evaluation.paperOosRecall)} %`);
  console.log(`- ECE (15 bins): test ${evaluation.ece.toFixed(4)}, val (held-out, after temperature) ${model.metrics.expectedCalibrationError.toFixed(4)}`);
  console.log(`- training: ${evaluation.trainSeconds.toFixed(2)} s wall, ${evaluation.trainCpuSeconds.toFixed(2)} s CPU for ${model.metrics.trainedOn} tickets (features, solver, quantisation, calibration, threshold)`);
  console.log(`- batched prediction: ${evaluation.perSecond.toFixed(0)} tickets/s wall, ${evaluation.perCpuSecond.toFixed(0)} per CPU-second (one process, batches of 1,000, raw text in, normalisation included)`);
  const single = test.slice(0, 500).map((e) => e.text);
  const t0 = performance.now();
  for (const text of single) model.predict([text]);
  console.log(`- one ticket per call: ${((performance.now() - t0) / single.length * 1000).toFixed(0)} µs per prediction`);
  const s0 = performance.now();
  const bytes = serializeRouter(model);
  const s1 = performance.now();
  const restored = deserializeRouter(bytes);
  const s2 = performance.now();
  const same = JSON.stringify(restored.predict(single)) === JSON.stringify(model.predict(single));
  console.log(`- serialized: ${(bytes.length / 1e6).toFixed(2)} MB; serialize ${(s1 - s0).toFixed(0)} ms, deserialize ${(s2 - s1).toFixed(0)} ms; identical predictions after round trip: ${same}`);

  // Cascade: the model decides alone when confidence >= t. Threshold chosen on val (honest), then
  // measured on test; the test curve itself is printed for reading.
  const truth = test.map((e) => e.label);
  const testCorrect = testPredictions.map((p, i) => p.alternatives[0]?.label === truth[i]);
  const valPredictions = model.predict(val.map((e) => e.text));
  const valCorrect = valPredictions.map((p, i) => p.alternatives[0]?.label === val[i]!.label);
  const valConfidence = valPredictions.map((p) => p.confidence);
  const valOosConfidence = model.predict(oosTuning.map((e) => e.text)).map((p) => p.confidence);
  const tInScope = thresholdForPrecision(valConfidence, valCorrect, CASCADE_PRECISION);
  const tWithOos = thresholdForPrecision([...valConfidence, ...valOosConfidence], [...valCorrect, ...valOosConfidence.map(() => false)], CASCADE_PRECISION);
  const allConfidence = [...testPredictions.map((p) => p.confidence), ...oosPredictions.map((p) => p.confidence)];
  const allCorrect = [...testCorrect, ...oosPredictions.map(() => false)];
  const [atInScope] = cascadeCurve(testPredictions.map((p) => p.confidence), testCorrect, [tInScope]);
  const [atWithOos] = cascadeCurve(allConfidence, allCorrect, [tWithOos]);
  console.log(`\n## Cascade (decide alone when confidence >= t; target precision ${CASCADE_PRECISION * 100} %)\n`);
  console.log(`- in-scope test tickets, t=${tInScope.toFixed(3)} chosen on val: coverage ${pct(atInScope!.coverage)} %, precision ${pct(atInScope!.precision)} %`);
  console.log(`- test + oos_test tickets (an out-of-scope ticket decided alone is an error), t=${tWithOos.toFixed(3)} chosen on val + tuning oos: coverage ${pct(atWithOos!.coverage)} %, precision ${pct(atWithOos!.precision)} %`);
  const oracleInScope = thresholdForPrecision(testPredictions.map((p) => p.confidence), testCorrect, CASCADE_PRECISION);
  const [best] = cascadeCurve(testPredictions.map((p) => p.confidence), testCorrect, [oracleInScope]);
  console.log(`- for reference, the best threshold read off the test curve itself: t=${oracleInScope.toFixed(3)}, coverage ${pct(best!.coverage)} %, precision ${pct(best!.precision)} %`);
  const grid = [0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95];
  const curveIn = cascadeCurve(testPredictions.map((p) => p.confidence), testCorrect, grid);
  const curveAll = cascadeCurve(allConfidence, allCorrect, grid);
  console.log('\n| t | coverage (test) | precision (test) | coverage (test+oos) | precision (test+oos) |');
  console.log('|---:|---:|---:|---:|---:|');
  grid.forEach((t, i) => {
    const a = curveIn[i]!;
    const b = curveAll[i]!;
    console.log(`| ${t.toFixed(2)} | ${pct(a.coverage)} | ${pct(a.precision)} | ${pct(b.coverage)} | ${pct(b.precision)} |`);
  });
}

main();
