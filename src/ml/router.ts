/**
 * The served router: vectoriser + 8-bit scorers (the linear model, and the hidden-layer network
 * blended with it) + temperature + Unknown threshold. It only predicts; training (model.ts) and
 * storage (serialize.ts) build it. Everything it needs is plain typed arrays, so one instance
 * serves any number of synchronous batched predictions.
 */
import type { TicketVectorizer } from './features.js';
import { softmaxRowsInPlace } from './linear.js';
import { blendScorers, createNetworkScorer, type QuantizedNetwork } from './network-scorer.js';
import { normalizeTicketText } from './preprocess.js';
import type { QuantizedWeights } from './quantize.js';
import { createScorer, type BatchScorer } from './scorer.js';

export interface RouterPrediction {
  /** The category, or null for Unknown (confidence below the tuned threshold / out of scope). */
  label: string | null;
  /** Calibrated probability of the top category, 0..1 (given even when label is null). */
  confidence: number;
  /** Best categories first, top-k, always filled (also when label is null), top category included. */
  alternatives: { label: string; confidence: number }[];
}

export interface RouterMetrics {
  /** Top-1 accuracy on held-out in-scope tickets, before any Unknown threshold. */
  heldoutAccuracy: number;
  /** Expected calibration error (15 bins) of the top label's confidence on held-out in-scope tickets. */
  expectedCalibrationError: number;
  /** Tickets the weights were trained on. */
  trainedOn: number;
  /** Wall time of trainRouter, milliseconds. */
  trainingMs: number;
  /** Held-out tickets used for calibration and the threshold (in scope + out of scope). */
  heldoutTickets: number;
  /** Share of held-out out-of-scope tickets sent to Unknown; null when none were given. */
  heldoutUnknownRecall: number | null;
}

export interface TrainedRouter {
  readonly labels: readonly string[];
  /** Calibrated confidence below which the label is null (Unknown); tuned on held-out data. */
  readonly threshold: number;
  readonly metrics: RouterMetrics;
  /** Raw ticket texts (normalised here; normalising twice is harmless), best first per ticket. */
  predict(texts: string[], topK?: number): RouterPrediction[];
}

/** What a router is made of; serialisation stores exactly these. */
export interface RouterParts {
  labels: readonly string[];
  vectorizer: TicketVectorizer;
  weights: QuantizedWeights;
  /** The hidden-layer network, or null for a linear model alone. */
  network: QuantizedNetwork | null;
  /**
   * Scores = linear · linear scores + network · network scores (each weight already divides by
   * that model's own temperature, so the two are on one scale), then softmax(scores / temperature).
   */
  blend: { linear: number; network: number };
  temperature: number;
  threshold: number;
  topK: number;
  metrics: RouterMetrics;
}

/** The blended scorer of a router's parts. */
export function createRouterScorer(
  parts: Pick<RouterParts, 'weights' | 'network' | 'blend'>,
): BatchScorer {
  const linear = { scorer: createScorer(parts.weights), weight: parts.blend.linear };
  return blendScorers(
    parts.network
      ? [linear, { scorer: createNetworkScorer(parts.network), weight: parts.blend.network }]
      : [linear],
  );
}

/** Rows scored per chunk: bounds the score buffer (chunk × categories floats) for huge batches. */
const CHUNK = 1024;

export class TicketRouter implements TrainedRouter {
  readonly labels: readonly string[];
  readonly threshold: number;
  readonly metrics: RouterMetrics;
  readonly parts: Readonly<RouterParts>;
  private readonly scorer: BatchScorer;

  /** `scorer` may be passed when the caller already built one for these weights. */
  constructor(parts: RouterParts, scorer?: BatchScorer) {
    if (parts.labels.length !== parts.weights.classes)
      throw new Error('router: one label per weight class is required');
    if (parts.vectorizer.columnCount !== parts.weights.columns)
      throw new Error('router: vectorizer and weights disagree on columns');
    this.parts = parts;
    this.labels = parts.labels;
    this.threshold = parts.threshold;
    this.metrics = parts.metrics;
    if (
      parts.network &&
      (parts.network.hidden.columns !== parts.weights.columns ||
        parts.network.output.classes !== parts.weights.classes)
    ) {
      throw new Error('router: network and linear weights disagree on shape');
    }
    this.scorer = scorer ?? createRouterScorer(parts);
  }

  predict(texts: string[], topK = this.parts.topK): RouterPrediction[] {
    const k = Math.max(1, Math.min(topK, this.labels.length));
    const out: RouterPrediction[] = [];
    const C = this.labels.length;
    const best = new Int32Array(k);
    for (let from = 0; from < texts.length; from += CHUNK) {
      const { probs, featureCount } = this.scoreChunk(texts.slice(from, from + CHUNK));
      for (let r = 0; r < featureCount.length; r++) {
        const o = r * C;
        const found = topIndices(probs, o, C, k, best);
        const alternatives: { label: string; confidence: number }[] = [];
        for (let j = 0; j < found; j++)
          alternatives.push({ label: this.labels[best[j]!]!, confidence: probs[o + best[j]!]! });
        const top = alternatives[0]!;
        // A ticket sharing no feature with the training tickets is out of scope whatever the
        // biases say: the model has no evidence for any category.
        const decided = featureCount[r]! > 0 && top.confidence >= this.threshold;
        out.push({ label: decided ? top.label : null, confidence: top.confidence, alternatives });
      }
    }
    return out;
  }

  /** Calibrated probabilities, texts × categories, row-major. */
  probabilities(texts: readonly string[]): Float32Array {
    const C = this.labels.length;
    const probs = new Float32Array(texts.length * C);
    for (let from = 0; from < texts.length; from += CHUNK)
      probs.set(this.scoreChunk(texts.slice(from, from + CHUNK)).probs, from * C);
    return probs;
  }

  private scoreChunk(texts: readonly string[]): { probs: Float32Array; featureCount: Int32Array } {
    const rows = this.parts.vectorizer.transform(
      texts.map((t) => normalizeTicketText(undefined, t)),
    );
    const featureCount = new Int32Array(texts.length);
    for (let r = 0; r < texts.length; r++)
      featureCount[r] = rows.rowStart[r + 1]! - rows.rowStart[r]!;
    return {
      probs: softmaxRowsInPlace(
        this.scorer.score(rows),
        this.labels.length,
        this.parts.temperature,
      ),
      featureCount,
    };
  }
}

/**
 * Indices of the k largest values in values[offset .. offset + n), best first, into `into`;
 * ties keep the lower index first so results are stable. Insertion into a k-long list: k is 5.
 */
export function topIndices(
  values: Float32Array,
  offset: number,
  n: number,
  k: number,
  into: Int32Array,
): number {
  let size = 0;
  for (let c = 0; c < n; c++) {
    const v = values[offset + c]!;
    if (size === k && v <= values[offset + into[k - 1]!]!) continue;
    let j = size < k ? size++ : k - 1;
    while (j > 0 && values[offset + into[j - 1]!]! < v) {
      into[j] = into[j - 1]!;
      j--;
    }
    into[j] = c;
  }
  return size;
}
