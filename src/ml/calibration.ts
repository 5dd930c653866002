/**
 * Probability calibration and its measurement. A router that says "92% sure" should be right 92%
 * of the time, or a confidence threshold means nothing. Temperature scaling (Guo et al. 2017)
 * divides all scores by one scalar T fitted on held-out tickets: it cannot change the argmax, so
 * accuracy is untouched, and one parameter cannot overfit a few thousand tickets.
 */

/**
 * Mean cross-entropy of softmax(scores / T) against smoothed targets: 1 − ε on the true label and
 * ε spread over the others, with ε = 1 / (n + 2). This is Platt's correction for fitting on few
 * points: when every held-out ticket is right (an easy or small data set), plain NLL keeps falling
 * as T → 0 and every confidence becomes 1.0; the smoothed target stops at "right about
 * (n + 1) / (n + 2) of the time". With thousands of held-out tickets ε is negligible.
 */
export function smoothedNegativeLogLikelihood(
  scores: Float32Array,
  labels: Int32Array,
  classes: number,
  temperature: number,
): number {
  const n = labels.length;
  const epsilon = 1 / (n + 2);
  const onTrue = 1 - epsilon;
  const onOther = classes > 1 ? epsilon / (classes - 1) : 0;
  const inv = 1 / temperature;
  let total = 0;
  for (let r = 0; r < n; r++) {
    const o = r * classes;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) if (scores[o + c]! > max) max = scores[o + c]!;
    let sum = 0;
    let scaledSum = 0;
    for (let c = 0; c < classes; c++) {
      const z = (scores[o + c]! - max) * inv;
      sum += Math.exp(z);
      scaledSum += z;
    }
    const logSum = Math.log(sum);
    const zTrue = (scores[o + labels[r]!]! - max) * inv;
    // −[(1 − ε)·log p_y + ε/(C − 1)·Σ_{c≠y} log p_c], with log p_c = z_c − log Σ e^z.
    total -= onTrue * (zTrue - logSum) + onOther * (scaledSum - zTrue - (classes - 1) * logSum);
  }
  return total / Math.max(1, n);
}

/**
 * The temperature minimising the smoothed held-out cross-entropy, by golden-section search over
 * log T (the loss is unimodal in T for fixed scores). Searched in [e^-5, e^5], which covers raw
 * SVM margins and logits.
 */
export function fitTemperature(scores: Float32Array, labels: Int32Array, classes: number): number {
  if (labels.length === 0) return 1;
  const f = (logT: number) =>
    smoothedNegativeLogLikelihood(scores, labels, classes, Math.exp(logT));
  const phi = (Math.sqrt(5) - 1) / 2;
  let lo = -5;
  let hi = 5;
  let a = hi - phi * (hi - lo);
  let b = lo + phi * (hi - lo);
  let fa = f(a);
  let fb = f(b);
  for (let iter = 0; iter < 60 && hi - lo > 1e-4; iter++) {
    if (fa < fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - phi * (hi - lo);
      fa = f(a);
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + phi * (hi - lo);
      fb = f(b);
    }
  }
  return Math.exp((lo + hi) / 2);
}

/**
 * Expected calibration error over equal-width confidence bins (15 by default, as in Guo et al.):
 * Σ_bins (n_b / n) · |accuracy_b − mean confidence_b|, for the top label's confidence.
 */
export function expectedCalibrationError(
  confidences: ArrayLike<number>,
  correct: ArrayLike<boolean>,
  bins = 15,
): number {
  const n = confidences.length;
  if (n === 0) return 0;
  const count = new Float64Array(bins);
  const confSum = new Float64Array(bins);
  const hitSum = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    const p = confidences[i]!;
    const b = Math.min(bins - 1, Math.max(0, Math.ceil(p * bins) - 1));
    count[b]!++;
    confSum[b]! += p;
    if (correct[i]) hitSum[b]!++;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    if (count[b] === 0) continue;
    ece += Math.abs(hitSum[b]! - confSum[b]!) / n;
  }
  return ece;
}
