/**
 * Crammer–Singer multi-class linear SVM, trained by the sequential dual method (Keerthi et al.
 * 2008; LIBLINEAR's MCSVM_CS solver). One joint problem instead of 150 one-vs-rest ones: each
 * ticket's dual variables across classes are re-optimised together, with a closed-form
 * sub-problem solved by sorting. Kept as a measured alternative to the one-vs-rest SVM.
 *
 * Dual per ticket i: min ½·A·Σ_m α_m² + Σ_m B_m·α_m  s.t.  α_m ≤ C·[m = y_i],  Σ_m α_m = 0,
 * with A = ‖x_i‖² (+1 for the bias feature) and B_m = G_m − A·α_m, G_m = w_m·x_i + [m ≠ y_i].
 */
import type { LinearWeights } from './linear.js';
import { seededRandom, shuffleInPlace } from './random.js';
import type { SparseRows } from './sparse.js';
import { createTrainingKernel } from './training-kernel.js';

export interface MulticlassSvmOptions {
  epochs: number;
  cost: number;
  seed: number;
}

export const DEFAULT_MULTICLASS_SVM_OPTIONS: MulticlassSvmOptions = { epochs: 8, cost: 1, seed: 1 };

export function trainMulticlassSvm(
  rows: SparseRows,
  labels: Int32Array,
  classes: number,
  columns: number,
  options: MulticlassSvmOptions,
): LinearWeights {
  const n = labels.length;
  const { rowStart, columns: cols, values } = rows;
  const kernel = createTrainingKernel(rows, columns, classes);
  const w = kernel.weights;
  const stride = kernel.padded;
  const bias = new Float32Array(classes);
  const alpha = new Float32Array(n * classes);
  const G = new Float64Array(classes);
  const B = new Float64Array(classes);
  const D = new Float64Array(classes);
  const delta = new Float64Array(classes);
  const moved = new Int32Array(classes);
  const C = options.cost;
  const random = seededRandom(options.seed);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const sqNorm = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 1; // the bias feature
    for (let k = rowStart[i]!; k < rowStart[i + 1]!; k++) s += values[k]! * values[k]!;
    sqNorm[i] = s;
  }

  for (let epoch = 0; epoch < options.epochs; epoch++) {
    shuffleInPlace(order, random);
    for (let oi = 0; oi < n; oi++) {
      const i = order[oi]!;
      const y = labels[i]!;
      const a0 = i * classes;
      const dot = kernel.forward(i);
      let minG = Infinity;
      let maxG = -Infinity;
      for (let m = 0; m < classes; m++) {
        const g = bias[m]! + dot[m]! + (m === y ? 0 : 1);
        G[m] = g;
        if (g > maxG) maxG = g;
        const a = alpha[a0 + m]!;
        // A class can still lower its gradient's share only while below its bound.
        if ((m === y ? a < C : a < 0) && g < minG) minG = g;
      }
      if (maxG - minG <= 1e-12) continue;

      // Closed-form sub-problem (Crammer & Singer): α_m = min(bound_m, (β − B_m) / A).
      const A = sqNorm[i]!;
      for (let m = 0; m < classes; m++) {
        B[m] = G[m]! - A * alpha[a0 + m]!;
        D[m] = B[m]! + (m === y ? A * C : 0);
      }
      D.sort();
      // Descending order: D.sort() is ascending, so walk it from the end.
      let beta = D[classes - 1]! - A * C;
      let r = 1;
      for (; r < classes && beta < r * D[classes - 1 - r]!; r++) beta += D[classes - 1 - r]!;
      beta /= r;
      let count = 0;
      for (let m = 0; m < classes; m++) {
        const bound = m === y ? C : 0;
        const value = Math.min(bound, (beta - B[m]!) / A);
        const change = value - alpha[a0 + m]!;
        if (Math.abs(change) > 1e-12) {
          delta[m] = change;
          moved[count++] = m;
          alpha[a0 + m] = value;
        }
      }
      if (count === 0) continue;
      for (let k = rowStart[i]!; k < rowStart[i + 1]!; k++) {
        const x = values[k]!;
        const base = cols[k]! * stride;
        for (let j = 0; j < count; j++) {
          const m = moved[j]!;
          w[base + m]! += x * delta[m]!;
        }
      }
      for (let j = 0; j < count; j++) {
        const m = moved[j]!;
        bias[m]! += delta[m]!;
      }
    }
  }
  return kernel.export(bias);
}
