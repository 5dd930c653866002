/**
 * One-vs-rest linear SVM trained by dual coordinate descent (Hsieh et al. 2008, the LIBLINEAR
 * solver), squared-hinge loss by default.
 *
 * The 150 binary problems are independent, so they are solved side by side: each ticket's margins
 * for all classes come from one sparse pass over the feature-major weights, and a ticket only
 * updates the classes whose dual variable moves. After the first epoch most negatives sit at
 * α = 0 with margin well below −1 and cost nothing but the forward pass.
 *
 * Margins are not probabilities; the router turns them into ones with a temperature tuned on
 * held-out tickets (softmax over OvR margins), which is the "SVM + calibration" variant.
 */
import type { LinearWeights } from './linear.js';
import { seededRandom, shuffleInPlace } from './random.js';
import type { SparseRows } from './sparse.js';
import { createTrainingKernel } from './training-kernel.js';

export interface LinearSvmOptions {
  epochs: number;
  /** Soft-margin cost C (larger = less regularisation). */
  cost: number;
  /** 'squared' hinge (L2-loss, LIBLINEAR's default) or plain 'hinge' (L1-loss). */
  loss: 'squared' | 'hinge';
  seed: number;
}

export const DEFAULT_SVM_OPTIONS: LinearSvmOptions = {
  epochs: 6,
  cost: 1,
  loss: 'squared',
  seed: 1,
};

/** A trained SVM with its dual variables (examples × classes): what a warm start continues from. */
export interface LinearSvm extends LinearWeights {
  readonly alpha: Float32Array;
}

/**
 * `start`: an SVM trained on the first rows of `rows` (same columns and classes). Its weights and
 * dual variables carry over, the rows after them start at α = 0, so a few more epochs fit added
 * tickets without solving again from zero (w = Σ α y x stays exact: dual coordinate descent
 * resumes where it stopped).
 */
export function trainLinearSvm(
  rows: SparseRows,
  labels: Int32Array,
  classes: number,
  columns: number,
  options: LinearSvmOptions,
  start?: LinearSvm,
): LinearSvm {
  const n = labels.length;
  const { rowStart, columns: cols, values } = rows;
  const kernel = createTrainingKernel(rows, columns, classes);
  const w = kernel.weights;
  const stride = kernel.padded;
  const bias = new Float32Array(classes);
  const alpha = new Float32Array(n * classes);
  if (start) {
    if (start.classes !== classes || start.columns !== columns || start.alpha.length > alpha.length)
      throw new RangeError('svm: the warm start does not fit these rows');
    for (let f = 0; f < columns; f++)
      w.set(start.weights.subarray(f * classes, (f + 1) * classes), f * stride);
    bias.set(start.bias);
    alpha.set(start.alpha);
  }
  const margins = new Float64Array(classes);
  const delta = new Float64Array(classes);
  const moved = new Int32Array(classes);
  // Squared hinge: no upper bound, a diagonal term D = 1/(2C). Hinge: box [0, C], D = 0.
  const upper = options.loss === 'hinge' ? options.cost : Infinity;
  const diag = options.loss === 'hinge' ? 0 : 1 / (2 * options.cost);
  const random = seededRandom(options.seed);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  // Q_ii = ‖x_i‖² + 1 (the bias is a constant feature of value 1, regularised like LIBLINEAR's).
  const qii = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 1;
    for (let k = rowStart[i]!; k < rowStart[i + 1]!; k++) s += values[k]! * values[k]!;
    qii[i] = s + diag;
  }

  for (let epoch = 0; epoch < options.epochs; epoch++) {
    shuffleInPlace(order, random);
    for (let oi = 0; oi < n; oi++) {
      const i = order[oi]!;
      const from = rowStart[i]!;
      const to = rowStart[i + 1]!;
      const label = labels[i]!;
      const dot = kernel.forward(i);
      for (let c = 0; c < classes; c++) margins[c] = bias[c]! + dot[c]!;
      let m = 0;
      const a0 = i * classes;
      for (let c = 0; c < classes; c++) {
        const y = c === label ? 1 : -1;
        const a = alpha[a0 + c]!;
        const g = y * margins[c]! - 1 + diag * a;
        // Projected gradient: zero when the bound already stops the move.
        const pg = a === 0 ? Math.min(g, 0) : a >= upper ? Math.max(g, 0) : g;
        if (pg === 0) continue;
        const next = Math.min(Math.max(a - g / qii[i]!, 0), upper);
        if (next === a) continue;
        alpha[a0 + c] = next;
        delta[c] = (next - a) * y;
        moved[m++] = c;
      }
      if (m === 0) continue;
      for (let k = from; k < to; k++) {
        const x = values[k]!;
        const base = cols[k]! * stride;
        for (let j = 0; j < m; j++) {
          const c = moved[j]!;
          w[base + c]! += x * delta[c]!;
        }
      }
      for (let j = 0; j < m; j++) {
        const c = moved[j]!;
        bias[c]! += delta[c]!;
      }
    }
  }
  return { ...kernel.export(bias), alpha };
}
