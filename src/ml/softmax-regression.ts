/**
 * Multinomial logistic regression (softmax over classes) with L2, trained by per-ticket SGD.
 *
 * Why SGD and not a batch solver: one pass touches each ticket's few hundred non-zero features
 * once, so an epoch over 15k tickets and 150 classes is ~0.5 GFLOP and a handful of epochs
 * converge well for L2-normalised TF-IDF rows. Two classic tricks keep each step sparse:
 *  - L2 shrinkage of all weights is a scalar `scale` (W = scale · V), so decay costs O(1);
 *  - only classes whose residual (p - y) is not negligible are updated, fewer as the model fits
 *    (still many of the 150 per ticket: why it trains slower than the SVM, see bench/results/2026-11-22-routing-clinc150.md).
 * The learning rate follows Bottou's schedule η_t = η0 / (1 + η0·λ·t), which is the one
 * SGD-for-L2-logistic-regression converges under.
 */
import type { LinearWeights } from './linear.js';
import { seededRandom, shuffleInPlace } from './random.js';
import type { SparseRows } from './sparse.js';
import { createTrainingKernel } from './training-kernel.js';

export interface SoftmaxRegressionOptions {
  epochs: number;
  /** L2 strength per ticket (λ in λ/2·‖W‖² + mean loss). */
  l2: number;
  learningRate: number;
  seed: number;
  /** Residuals smaller than this are skipped in the update; they would not change the argmax. */
  residualCutoff?: number;
}

export const DEFAULT_SOFTMAX_OPTIONS: SoftmaxRegressionOptions = {
  epochs: 6,
  l2: 2e-5,
  learningRate: 0.5,
  seed: 1,
  residualCutoff: 1e-4,
};

export function trainSoftmaxRegression(
  rows: SparseRows,
  labels: Int32Array,
  classes: number,
  columns: number,
  options: SoftmaxRegressionOptions,
): LinearWeights {
  const n = labels.length;
  const { rowStart, columns: cols, values } = rows;
  const kernel = createTrainingKernel(rows, columns, classes);
  const v = kernel.weights;
  const stride = kernel.padded;
  const bias = new Float32Array(classes);
  const scores = new Float64Array(classes);
  const touched = new Int32Array(classes);
  const cutoff = options.residualCutoff ?? 1e-4;
  const { l2, learningRate: eta0 } = options;
  const random = seededRandom(options.seed);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let scale = 1;
  let t = 0;

  for (let epoch = 0; epoch < options.epochs; epoch++) {
    shuffleInPlace(order, random);
    for (let oi = 0; oi < n; oi++) {
      const i = order[oi]!;
      const from = rowStart[i]!;
      const to = rowStart[i + 1]!;
      const label = labels[i]!;

      // Forward: scores = bias + scale · Vᵀx, then softmax.
      const dot = kernel.forward(i);
      let max = -Infinity;
      for (let c = 0; c < classes; c++) {
        const s = bias[c]! + scale * dot[c]!;
        scores[c] = s;
        if (s > max) max = s;
      }
      let sum = 0;
      for (let c = 0; c < classes; c++) {
        const e = Math.exp(scores[c]! - max);
        scores[c] = e;
        sum += e;
      }

      // Residual p - y on the classes where it matters.
      let m = 0;
      const inv = 1 / sum;
      for (let c = 0; c < classes; c++) {
        const r = scores[c]! * inv - (c === label ? 1 : 0);
        scores[c] = r;
        if (r > cutoff || r < -cutoff) touched[m++] = c;
      }

      const eta = eta0 / (1 + eta0 * l2 * t);
      t++;
      scale *= 1 - eta * l2;
      if (m === 0) continue;
      const step = eta / scale;
      for (let k = from; k < to; k++) {
        const g = step * values[k]!;
        const base = cols[k]! * stride;
        for (let j = 0; j < m; j++) {
          const c = touched[j]!;
          v[base + c]! -= g * scores[c]!;
        }
      }
      for (let j = 0; j < m; j++) {
        const c = touched[j]!;
        bias[c]! -= eta * scores[c]!;
      }
      // Fold the scale back before V's entries grow large enough to lose float32 precision.
      if (scale < 1e-3) {
        for (let q = 0; q < v.length; q++) v[q]! *= scale;
        scale = 1;
      }
    }
  }
  if (scale !== 1) for (let q = 0; q < v.length; q++) v[q]! *= scale;
  return kernel.export(bias);
}
