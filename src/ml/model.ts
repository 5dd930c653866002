/**
 * Training the ticket router from a customer's labeled tickets.
 *
 *   normalise → TF-IDF (words, word pairs, character n-grams) → one-vs-rest linear SVM
 *             + a one-hidden-layer network over the same rows → 8-bit weights
 *   → blend of the two (each on its own temperature), calibration and Unknown threshold on
 *     held-out tickets
 *   → refit: both models continue training with the held-out tickets added (warm start).
 *
 * Chosen by measurement on CLINC150 (see bench/results/2026-11-22-routing-clinc150.md). The SVM beat multinomial logistic
 * regression (more accurate, faster to train) and its margins calibrate with one temperature. The
 * network alone is about as accurate as the SVM, but the two err on different tickets: their
 * blend is ~0.6 point more accurate than either. Logistic regression and the Crammer–Singer SVM
 * stay available as the linear part; `network: false` trains the linear model alone.
 *
 * The refit lets the served model learn from every labeled ticket while calibration still comes
 * from tickets the tuned model never saw: on CLINC150 the 3,000 validation tickets joining the
 * 15,000 training tickets give +0.5 point of test accuracy, for ~2 CPU-s of warm-started epochs
 * (a second training from scratch would double the training time), paid for by a shorter first
 * stage (SVM 6 epochs, network 4).
 *
 * Training is synchronous and CPU-bound (a few seconds for 15k tickets): callers serving requests
 * should run it off the request path (a worker thread or a job).
 */
import { expectedCalibrationError, fitTemperature } from './calibration.js';
import { DEFAULT_FEATURE_OPTIONS, TicketVectorizer, type FeatureOptions } from './features.js';
import { softmaxRowsInPlace, type LinearWeights } from './linear.js';
import { DEFAULT_SVM_OPTIONS, trainLinearSvm, type LinearSvmOptions } from './linear-svm.js';
import {
  DEFAULT_MULTICLASS_SVM_OPTIONS,
  trainMulticlassSvm,
  type MulticlassSvmOptions,
} from './multiclass-svm.js';
import { DEFAULT_NETWORK_OPTIONS, trainNetwork, type NetworkOptions } from './network.js';
import { createNetworkScorer, quantizeNetwork } from './network-scorer.js';
import { normalizeTicketText } from './preprocess.js';
import { quantizeWeights } from './quantize.js';
import { createScorer } from './scorer.js';
import {
  TicketRouter,
  createRouterScorer,
  type RouterMetrics,
  type RouterParts,
  type TrainedRouter,
} from './router.js';
import {
  DEFAULT_SOFTMAX_OPTIONS,
  trainSoftmaxRegression,
  type SoftmaxRegressionOptions,
} from './softmax-regression.js';
import { concatRows, type SparseRows } from './sparse.js';
import { stratifiedSplit } from './split.js';
import { thresholdForUnknownRecall, tuneUnknownThreshold } from './threshold.js';

export type { RouterMetrics, RouterPrediction, TrainedRouter } from './router.js';

export interface LabeledText {
  text: string;
  label: string;
}

export type RouterAlgorithm = 'svm' | 'crammer-singer' | 'logistic';

export interface TrainOptions {
  /** Seeds the hold-out split and the solvers' example order; same data + seed = same model. Default 1. */
  seed?: number;
  /**
   * Share of each category held out for calibration and the threshold when `tuningExamples` is
   * not given. Default 0.2. With 0 nothing is held out: temperature 1 and threshold 0 (only
   * tickets with no known feature are Unknown), and the held-out metrics are NaN.
   */
  holdoutFraction?: number;
  /**
   * An explicit held-out set (e.g. a validation split); when given, all `examples` train the
   * weights. Its examples with a label that is not a category (and not unknownLabel) are ignored.
   */
  tuningExamples?: LabeledText[];
  /**
   * Label that marks out-of-scope examples (e.g. "oos"). They never become a category: they are
   * used only to tune the Unknown threshold, wherever they appear (examples or tuningExamples).
   */
  unknownLabel?: string;
  /** Expected share of tickets that fit no category, weighting out-of-scope examples in the threshold objective. Default 0.2. */
  unknownShare?: number;
  /**
   * Instead of the share-weighted objective: the lowest threshold that sends at least this share
   * of the held-out out-of-scope tickets to Unknown (needs unknownLabel examples).
   */
  minUnknownRecall?: number;
  /** A fixed Unknown threshold (0..1) instead of a tuned one. */
  threshold?: number;
  /** Alternatives returned per prediction by default. Default 5. */
  topK?: number;
  /**
   * Linear model: 'svm' (one-vs-rest linear SVM, default), 'crammer-singer' (multi-class SVM) or
   * 'logistic' (multinomial logistic regression). All are calibrated the same way.
   */
  algorithm?: RouterAlgorithm;
  features?: Partial<FeatureOptions>;
  svm?: Partial<Omit<LinearSvmOptions, 'seed'>>;
  logistic?: Partial<Omit<SoftmaxRegressionOptions, 'seed'>>;
  crammerSinger?: Partial<Omit<MulticlassSvmOptions, 'seed'>>;
  /** The hidden-layer network blended with the linear model, or false for the linear model alone. */
  network?: Partial<Omit<NetworkOptions, 'seed'>> | false;
  /**
   * Share of the network in the blend of the two models' calibrated scores, 0..1 (1: the network
   * alone). Default 0.5: 0.4–0.6 were within noise of each other on CLINC150's validation split.
   */
  networkShare?: number;
  /**
   * After the temperatures, the blend and the in-scope statistics of the threshold are taken on
   * the held-out tickets, continue training on training + held-out tickets (warm start: a few
   * more SVM epochs and one network epoch), so the served model learns from every labeled ticket.
   * The held-out temperatures and blend are kept; the out-of-scope tickets, which never train
   * the weights, are scored by the final model to place the threshold. The held-out metrics
   * describe the model before the refit. Applies with the default SVM (and the network); false
   * keeps the held-out tickets out of the weights.
   */
  refit?: Partial<RefitOptions> | false;
}

export interface RefitOptions {
  /** SVM epochs over training + held-out tickets, resuming from the trained dual variables. */
  svmEpochs: number;
  /** Network epochs over training + held-out tickets, from the trained network. */
  networkEpochs: number;
  /** Initial SGD step of those epochs, decayed linearly to zero. */
  networkLearningRate: number;
}

export const DEFAULT_REFIT_OPTIONS: Readonly<RefitOptions> = {
  svmEpochs: 3,
  networkEpochs: 1,
  networkLearningRate: 0.08,
};

interface Prepared {
  texts: string[];
  labels: Int32Array;
}

export function trainRouter(examples: LabeledText[], options: TrainOptions = {}): TrainedRouter {
  const started = performance.now();
  validateOptions(options);
  const seed = options.seed ?? 1;
  const unknownLabel = options.unknownLabel;
  const isUnknown = (e: LabeledText) => unknownLabel !== undefined && e.label === unknownLabel;

  const categories = [...new Set(examples.filter((e) => !isUnknown(e)).map((e) => e.label))].sort();
  if (categories.length < 2)
    throw new RangeError('trainRouter: at least two categories with examples are required');
  const indexOf = new Map(categories.map((label, i) => [label, i]));

  // Hold-out: an explicit tuning set, or a stratified share of the in-scope examples.
  const inScope = examples.filter((e) => !isUnknown(e));
  const unknownTexts = examples.filter(isUnknown).map((e) => e.text);
  let training: LabeledText[];
  let tuning: LabeledText[];
  if (options.tuningExamples) {
    training = inScope;
    tuning = options.tuningExamples.filter((e) => !isUnknown(e) && indexOf.has(e.label));
    unknownTexts.push(...options.tuningExamples.filter(isUnknown).map((e) => e.text));
  } else {
    const fraction = options.holdoutFraction ?? 0.2;
    if (!(fraction >= 0 && fraction < 1))
      throw new RangeError('trainRouter: holdoutFraction must be in [0, 1)');
    const split = stratifiedSplit(
      inScope.map((e) => indexOf.get(e.label)!),
      fraction,
      seed,
    );
    training = split.train.map((i) => inScope[i]!);
    tuning = split.holdout.map((i) => inScope[i]!);
  }

  const prepare = (list: LabeledText[]): Prepared => ({
    texts: list.map((e) => normalizeTicketText(undefined, e.text)),
    labels: Int32Array.from(list, (e) => indexOf.get(e.label)!),
  });
  const train = prepare(training);
  const held = prepare(tuning);
  const unknown = unknownTexts.map((t) => normalizeTicketText(undefined, t));

  const featureOptions: FeatureOptions = { ...DEFAULT_FEATURE_OPTIONS, ...options.features };
  const vectorizer = TicketVectorizer.fit(train.texts, featureOptions);
  const rows = vectorizer.transform(train.texts);
  const C = categories.length;
  const K = vectorizer.columnCount;
  const algorithm = options.algorithm ?? 'svm';
  const svmOptions: LinearSvmOptions = { ...DEFAULT_SVM_OPTIONS, ...options.svm, seed };
  const svm = algorithm === 'svm' ? trainLinearSvm(rows, train.labels, C, K, svmOptions) : null;
  const linear: LinearWeights =
    svm ??
    (algorithm === 'logistic'
      ? trainSoftmaxRegression(rows, train.labels, C, K, {
          ...DEFAULT_SOFTMAX_OPTIONS,
          ...options.logistic,
          seed,
        })
      : trainMulticlassSvm(rows, train.labels, C, K, {
          ...DEFAULT_MULTICLASS_SVM_OPTIONS,
          ...options.crammerSinger,
          seed,
        }));
  const networkOptions: NetworkOptions | null =
    options.network === false ? null : { ...DEFAULT_NETWORK_OPTIONS, ...options.network, seed };
  const floatNetwork = networkOptions && trainNetwork(rows, train.labels, C, K, networkOptions);
  // Calibrate and tune on the 8-bit weights that will be served, not on the float ones.
  let weights = quantizeWeights(linear);
  let network = floatNetwork && quantizeNetwork(floatNetwork);

  const heldRows = vectorizer.transform(held.texts);
  const networkShare = options.networkShare ?? 0.5;
  const blend: RouterParts['blend'] = network
    ? {
        // Each model's scores over its own held-out temperature put the two on one scale.
        linear:
          (1 - networkShare) /
          fitTemperature(createScorer(weights).score(heldRows), held.labels, C),
        network:
          networkShare /
          fitTemperature(createNetworkScorer(network).score(heldRows), held.labels, C),
      }
    : { linear: 1, network: 0 };
  let scorer = createRouterScorer({ weights, network, blend });
  const heldScores = scorer.score(heldRows);
  const temperature = fitTemperature(heldScores, held.labels, C);
  const heldTop = topOfEach(softmaxRowsInPlace(heldScores, C, temperature), C);
  const correct = Array.from(held.labels, (label, i) => heldTop.index[i] === label);

  // Refit: the held-out tickets join the training tickets. What was measured on them above
  // (temperatures, blend, which were decided right) stays: nothing is measured on them again.
  const refit =
    options.refit === false || !svm || held.labels.length === 0
      ? null
      : { ...DEFAULT_REFIT_OPTIONS, ...options.refit };
  if (refit && svm) {
    const allRows = concatRows(rows, heldRows);
    const allLabels = Int32Array.from([...train.labels, ...held.labels]);
    weights = quantizeWeights(
      trainLinearSvm(allRows, allLabels, C, K, { ...svmOptions, epochs: refit.svmEpochs }, svm),
    );
    if (floatNetwork && networkOptions) {
      const continued = {
        ...networkOptions,
        epochs: refit.networkEpochs,
        learningRate: refit.networkLearningRate,
      };
      network = quantizeNetwork(
        trainNetwork(allRows, allLabels, C, K, continued, { start: floatNetwork }),
      );
    }
    scorer = createRouterScorer({ weights, network, blend });
  }
  const unknownRows = vectorizer.transform(unknown);
  const unknownTop = topOfEach(softmaxRowsInPlace(scorer.score(unknownRows), C, temperature), C);
  // The router answers Unknown for tickets with no known feature at any threshold (router.ts);
  // tune as it will behave by giving those a confidence of 0.
  const decidable = (rows: SparseRows, confidence: Float64Array) =>
    confidence.map((p, i) => (rows.rowStart[i + 1]! > rows.rowStart[i]! ? p : 0));
  const heldDecidable = decidable(heldRows, heldTop.confidence);
  const unknownDecidable = decidable(unknownRows, unknownTop.confidence);

  const threshold =
    options.threshold ??
    (options.minUnknownRecall !== undefined && unknown.length > 0
      ? thresholdForUnknownRecall(unknownDecidable, options.minUnknownRecall)
      : undefined) ??
    tuneUnknownThreshold({
      inScopeConfidence: heldDecidable,
      inScopeCorrect: correct,
      unknownConfidence: unknownDecidable,
      unknownShare: options.unknownShare ?? 0.2,
    });

  const metrics: RouterMetrics = {
    heldoutAccuracy:
      held.labels.length === 0 ? Number.NaN : correct.filter(Boolean).length / held.labels.length,
    expectedCalibrationError:
      held.labels.length === 0 ? Number.NaN : expectedCalibrationError(heldTop.confidence, correct),
    trainedOn: train.labels.length + (refit ? held.labels.length : 0),
    trainingMs: 0,
    heldoutTickets: held.labels.length + unknown.length,
    heldoutUnknownRecall:
      unknown.length === 0
        ? null
        : unknownDecidable.filter((p) => p === 0 || p < threshold).length / unknown.length,
  };
  metrics.trainingMs = performance.now() - started;
  return new TicketRouter(
    {
      labels: categories,
      vectorizer,
      weights,
      network,
      blend,
      temperature,
      threshold,
      topK: options.topK ?? 5,
      metrics,
    },
    scorer,
  );
}

function validateOptions(options: TrainOptions): void {
  const share = (name: string, value: number | undefined) => {
    if (value !== undefined && !(value >= 0 && value <= 1))
      throw new RangeError(`trainRouter: ${name} must be in [0, 1]`);
  };
  share('unknownShare', options.unknownShare);
  share('minUnknownRecall', options.minUnknownRecall);
  share('threshold', options.threshold);
  share('networkShare', options.networkShare);
  if (options.topK !== undefined && !(Number.isInteger(options.topK) && options.topK >= 1))
    throw new RangeError('trainRouter: topK must be a positive integer');
  if (options.seed !== undefined && !Number.isInteger(options.seed))
    throw new RangeError('trainRouter: seed must be an integer');
  const refit = options.refit || {};
  for (const key of ['svmEpochs', 'networkEpochs'] as const) {
    const epochs = refit[key];
    if (epochs !== undefined && !(Number.isInteger(epochs) && epochs >= 0))
      throw new RangeError(`trainRouter: refit.${key} must be a non-negative integer`);
  }
  const rate = refit.networkLearningRate;
  if (rate !== undefined && !(rate >= 0 && Number.isFinite(rate)))
    throw new RangeError('trainRouter: refit.networkLearningRate must be a non-negative number');
}

/** Index and probability of the best category of each row. */
function topOfEach(
  probs: Float32Array,
  classes: number,
): { index: Int32Array; confidence: Float64Array } {
  const n = probs.length / classes;
  const index = new Int32Array(n);
  const confidence = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const o = r * classes;
    let best = 0;
    for (let c = 1; c < classes; c++) if (probs[o + c]! > probs[o + best]!) best = c;
    index[r] = best;
    confidence[r] = probs[o + best]!;
  }
  return { index, confidence };
}
