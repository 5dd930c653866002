/**
 * Linear models over sparse rows: score[c] = bias[c] + Σ_f x_f · W[f][c]. Weights are stored
 * feature-major (all classes of one feature next to each other), so one non-zero feature adds one
 * contiguous run of `classes` floats: the inner loop is a plain, cache-friendly axpy, and a ticket
 * with a few hundred features costs a few hundred such runs whatever the number of columns.
 * (Served scoring runs on 8-bit weights in scorer.ts; this is the float form solvers produce.)
 */
export interface LinearWeights {
  readonly classes: number;
  readonly columns: number;
  /** columns × classes, feature-major. */
  readonly weights: Float32Array;
  readonly bias: Float32Array;
}

/**
 * acc += Σ_k values[k] · W[columns[k]] for k in [from, to): the training forward pass where
 * WebAssembly SIMD is unavailable (training-kernel.ts). Eight (then four, then one) weight rows are combined per pass over `acc`, which
 * cuts the loads and stores of the accumulator that dominate a one-row-at-a-time loop; measured
 * 2.5–3× faster than the plain loop in V8 (Node 20) for 150 classes.
 */
export function accumulateRow(
  weights: Float32Array,
  classes: number,
  columns: Int32Array,
  values: Float32Array,
  from: number,
  to: number,
  acc: Float64Array,
): void {
  const w = weights;
  const C = classes;
  let k = from;
  for (; k + 7 < to; k += 8) {
    const x0 = values[k]!,
      x1 = values[k + 1]!,
      x2 = values[k + 2]!,
      x3 = values[k + 3]!;
    const x4 = values[k + 4]!,
      x5 = values[k + 5]!,
      x6 = values[k + 6]!,
      x7 = values[k + 7]!;
    const b0 = columns[k]! * C,
      b1 = columns[k + 1]! * C,
      b2 = columns[k + 2]! * C,
      b3 = columns[k + 3]! * C;
    const b4 = columns[k + 4]! * C,
      b5 = columns[k + 5]! * C,
      b6 = columns[k + 6]! * C,
      b7 = columns[k + 7]! * C;
    for (let c = 0; c < C; c++) {
      acc[c]! +=
        x0 * w[b0 + c]! +
        x1 * w[b1 + c]! +
        x2 * w[b2 + c]! +
        x3 * w[b3 + c]! +
        x4 * w[b4 + c]! +
        x5 * w[b5 + c]! +
        x6 * w[b6 + c]! +
        x7 * w[b7 + c]!;
    }
  }
  for (; k + 3 < to; k += 4) {
    const x0 = values[k]!,
      x1 = values[k + 1]!,
      x2 = values[k + 2]!,
      x3 = values[k + 3]!;
    const b0 = columns[k]! * C,
      b1 = columns[k + 1]! * C,
      b2 = columns[k + 2]! * C,
      b3 = columns[k + 3]! * C;
    for (let c = 0; c < C; c++)
      acc[c]! += x0 * w[b0 + c]! + x1 * w[b1 + c]! + x2 * w[b2 + c]! + x3 * w[b3 + c]!;
  }
  for (; k < to; k++) {
    const x = values[k]!;
    const b = columns[k]! * C;
    for (let c = 0; c < C; c++) acc[c]! += x * w[b + c]!;
  }
}

/** Softmax of scores / temperature, row by row, in place. */
export function softmaxRowsInPlace(
  scores: Float32Array,
  classes: number,
  temperature = 1,
): Float32Array {
  const inv = 1 / temperature;
  for (let o = 0; o < scores.length; o += classes) {
    let max = -Infinity;
    for (let c = 0; c < classes; c++) if (scores[o + c]! > max) max = scores[o + c]!;
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      const e = Math.exp((scores[o + c]! - max) * inv);
      scores[o + c] = e;
      sum += e;
    }
    const norm = 1 / sum;
    for (let c = 0; c < classes; c++) scores[o + c]! *= norm;
  }
  return scores;
}
