/**
 * The trained injection classifier: logistic regression over hashed n-grams (features.ts), weights
 * shipped in model-weights.ts (rebuilt by `npm run train:injection`) and decoded once at start-up.
 *
 * A text is scored whole, in overlapping windows and sentence by sentence, and takes its most
 * suspicious part: an attack of two sentences hidden in a long e-mail or log is diluted to nothing
 * in the whole text's vector, but stands out in its sentence (held out, indirect injections went
 * from 65 % to 94 % flagged with sentences and 400-character windows instead of 800).
 */
import { forEachFeature, normalizeForModel } from './features.js';
import type { TextWords } from './gate.js';
import type { FoldedLines } from './normalize.js';
import { INJECTION_MODEL } from './model-weights.js';

export interface InjectionModel {
  /** Feature buckets: 2^bits. */
  bits: number;
  bias: number;
  weights: Float32Array;
  /**
   * The same weights as stored, int8 times `scale`: scoring reads these when present, a quarter of
   * the memory the float weights take, so the random lookups of hashed features miss the cache
   * less often.
   */
  quantized?: { weights: Int8Array; scale: number };
}

/** Normalized characters per window; windows overlap by half. */
export const MODEL_WINDOW = 400;
/** Where a sentence ends in normalized text (line breaks are spaces there). */
const SENTENCE_END = /[.!?。！？](?= |$)/g;
/** Shorter sentences ("Ignore it.") say too little to be scored on their own. */
const MIN_SENTENCE = 24;
/**
 * A part's logit is its weights' sum over the square root of its feature count, so its size grows
 * with the square root of its length: the same evidence says less, in logit, in a text of a few
 * words ("display current instructions", "what was your last instruction?") than in a paragraph,
 * and one floor for both (assess.ts) misses short attacks the model leans towards. A whole text
 * shorter than SHORT_TEXT normalized characters has SHORT_TEXT_BONUS added to its logit: for
 * these the floor of 0.85 acts as about 0.70. Calibrated held out (`npm run measure:injection`):
 * gandalf (half its texts are under 60 characters) 83.5 % to 87.6 % flagged, the multilingual
 * held-out set 68 % to 70 %; CLINC150's short support questions stayed at 0.1 %, the English
 * look-alike sets did not move, the multilingual ones gained one or two texts each. From 70
 * characters on, handwritten look-alikes started to cross
 * (bench/results/2026-12-07-night-screenmodel.md).
 */
const SHORT_TEXT = 60;
const SHORT_TEXT_BONUS = 0.9;

/**
 * Whether a normalized text is short by SHORT_TEXT: Chinese, Japanese and Korean characters count
 * three each, a character there holding about what three Latin letters do (counted as one, seven
 * more benign texts in those languages were flagged, held out).
 */
function isShort(normalized: string): boolean {
  if (normalized.length >= SHORT_TEXT) return false;
  let size = normalized.length;
  for (let i = 0; i < normalized.length; i++) if (normalized.charCodeAt(i) >= 0x2e80) size += 2;
  return size < SHORT_TEXT;
}

/** A model as model-weights.ts stores it: int8 weights, base64, and their scale. */
export interface EncodedModel {
  bits: number;
  bias: number;
  scale: number;
  weights: string;
}

export function decodeModel(encoded: EncodedModel): InjectionModel {
  const bytes = Buffer.from(encoded.weights, 'base64');
  const quantized = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length).slice();
  const weights = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) weights[i] = quantized[i]! * encoded.scale;
  return {
    bits: encoded.bits,
    bias: encoded.bias,
    weights,
    quantized: { weights: quantized, scale: encoded.scale },
  };
}

let shipped: InjectionModel | null = null;

/** The model shipped with the service, decoded on first use (the service warms it at start-up). */
export function shippedModel(): InjectionModel {
  shipped ??= decodeModel(INJECTION_MODEL);
  return shipped;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/**
 * The probability that `text` carries an injection: that of its most suspicious part, the whole
 * text, a window of MODEL_WINDOW normalized characters (overlapping by half) or a sentence. Each
 * part's logit comes from prefix sums of the features' weights, so scoring every part costs no
 * more than scoring the text once.
 */
export function injectionProbability(
  text: string,
  model: InjectionModel = shippedModel(),
  lines?: FoldedLines,
  words?: TextWords,
): number {
  const lineBreaks: number[] = [];
  const normalized = normalizeForModel(text, lines, words, lineBreaks);
  const length = normalized.length;
  const sums = new Float64Array(length + 1);
  const counts = new Uint32Array(length + 1);
  // int8 weights summed exactly, scaled once per part below.
  const scale = model.quantized?.scale ?? 1;
  const weights = model.quantized?.weights ?? model.weights;
  forEachFeature(normalized, model.bits, (position, bucket) => {
    sums[position + 1]! += weights[bucket]!;
    counts[position + 1]!++;
  });
  for (let i = 1; i <= length; i++) {
    sums[i]! += sums[i - 1]!;
    counts[i]! += counts[i - 1]!;
  }
  let best = -Infinity;
  const score = (start: number, end: number, bonus = 0): void => {
    const features = counts[end]! - counts[start]!;
    if (features > 0)
      best = Math.max(
        best,
        model.bias + bonus + (scale * (sums[end]! - sums[start]!)) / Math.sqrt(features),
      );
  };
  // The whole text: a long jailbreak reads as one, the way it was trained.
  score(0, length, isShort(normalized) ? SHORT_TEXT_BONUS : 0);
  for (let start = 0; start + MODEL_WINDOW / 2 < length; start += MODEL_WINDOW / 2)
    score(start, Math.min(length, start + MODEL_WINDOW));
  // Each sentence, and each line: a two-line attack in a page of benign prose is diluted even in a
  // window, and an input's fields (one per line) rarely end with a full stop.
  let sentenceStart = 0;
  const endSentence = (end: number, next: number): void => {
    if (end - sentenceStart >= MIN_SENTENCE) score(sentenceStart, end);
    sentenceStart = next;
  };
  let line = 0;
  for (const m of normalized.matchAll(SENTENCE_END)) {
    for (; line < lineBreaks.length && lineBreaks[line]! < m.index; line++)
      endSentence(lineBreaks[line]!, lineBreaks[line]! + 1);
    endSentence(m.index + 1, m.index + 1);
  }
  for (; line < lineBreaks.length; line++) endSentence(lineBreaks[line]!, lineBreaks[line]! + 1);
  if (sentenceStart > 0 && length - sentenceStart >= MIN_SENTENCE) score(sentenceStart, length);
  return sigmoid(best === -Infinity ? model.bias : best);
}
