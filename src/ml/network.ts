/**
 * A small neural network over the same sparse TF-IDF rows: one hidden layer of ReLU units, softmax
 * output, trained by SGD with dropout on the hidden units. On its own it is about as accurate as
 * the linear SVM, but it errs on different tickets (its hidden units share evidence between
 * categories, where one-vs-rest weights cannot), so averaging the two is more accurate than
 * either: see bench/results/2026-11-22-routing-clinc150.md.
 *
 * Trained per ticket on the WebAssembly SIMD kernel (`dot` for the forward passes, `scatter` for
 * the sparse weight updates), with the weights and the training rows in the kernel's memory; the
 * same code runs on plain arrays with JavaScript versions of the two functions where WebAssembly
 * SIMD is missing. Both do the same f32 operations in the same order, so a seed gives the same
 * network bit for bit either way.
 *
 *   z = ReLU(b1 + Σ_f x_f · W1[f])          W1: columns × hidden
 *   logits = b2 + Σ_j z_j · W2[j]            W2: hidden × classes
 */
import type { LinearWeights } from './linear.js';
import { seededRandom, shuffleInPlace } from './random.js';
import type { SparseRows } from './sparse.js';
import {
  WASM_PAGE,
  instantiateKernel,
  type DotFunction,
  type ScatterFunction,
} from './wasm-kernel.js';

export interface NetworkOptions {
  /** Hidden units (a multiple of 8, the kernel's lane group). */
  hidden: number;
  epochs: number;
  /** Initial SGD step, decayed linearly to zero over training. */
  learningRate: number;
  /** Share of hidden units dropped (set to zero) per training step. */
  dropout: number;
  seed: number;
}

export const DEFAULT_NETWORK_OPTIONS: NetworkOptions = {
  hidden: 64,
  epochs: 4,
  learningRate: 0.1,
  dropout: 0.05,
  seed: 1,
};

/** The two layers, each in the LinearWeights form (feature-major) that quantize.ts and scorer.ts take. */
export interface NetworkWeights {
  /** columns × hidden: "classes" here are the hidden units. */
  hidden: LinearWeights;
  /** hidden × classes. */
  output: LinearWeights;
}

const align16 = (n: number) => (n + 15) & ~15;

export function trainNetwork(
  rows: SparseRows,
  labels: Int32Array,
  classes: number,
  columns: number,
  options: NetworkOptions,
  runtime: {
    forceJavaScript?: boolean;
    /** A network to continue training (same columns, classes and units) instead of a random one. */
    start?: NetworkWeights;
  } = {},
): NetworkWeights {
  const H = options.hidden;
  if (!(Number.isInteger(H) && H > 0 && H % 8 === 0))
    throw new RangeError('network: hidden must be a positive multiple of 8');
  const CP = Math.ceil(classes / 8) * 8;
  const nnz = rows.columns.length;
  // Kernel memory: W1, W2, the training rows, and per-step vectors.
  const w1At = 16;
  const w2At = align16(w1At + columns * H * 4);
  const columnsAt = align16(w2At + H * CP * 4);
  const valuesAt = align16(columnsAt + nnz * 4);
  const unitsAt = align16(valuesAt + nnz * 4);
  const activationsAt = align16(unitsAt + H * 4);
  const hiddenAt = align16(activationsAt + H * 4);
  const gradientAt = align16(hiddenAt + H * 4);
  const end = align16(gradientAt + CP * 4);
  const kernel = runtime.forceJavaScript ? null : instantiateKernel(Math.ceil(end / WASM_PAGE) + 1);
  const buffer = kernel ? kernel.memory.buffer : new ArrayBuffer(end);
  const dot: DotFunction = kernel ? kernel.dot : jsDot(buffer);
  const scatter: ScatterFunction = kernel ? kernel.scatter : jsScatter(buffer);

  const w1 = new Float32Array(buffer, w1At, columns * H);
  const w2 = new Float32Array(buffer, w2At, H * CP);
  new Int32Array(buffer, columnsAt, nnz).set(rows.columns);
  new Float32Array(buffer, valuesAt, nnz).set(rows.values);
  const units = new Int32Array(buffer, unitsAt, H);
  const activations = new Float32Array(buffer, activationsAt, H);
  const hidden = new Float32Array(buffer, hiddenAt, H); // pre-activations, then their gradient
  const gradient = new Float32Array(buffer, gradientAt, CP); // logits, then their gradient
  const b1 = new Float32Array(H);
  const b2 = new Float32Array(classes);
  const scale = new Float32Array(H); // dropout: 0 or 1 / keep per unit

  const random = seededRandom(options.seed);
  const start = runtime.start;
  if (start) {
    if (
      start.hidden.columns !== columns ||
      start.hidden.classes !== H ||
      start.output.classes !== classes
    )
      throw new RangeError('network: the warm start does not fit these rows');
    w1.set(start.hidden.weights);
    b1.set(start.hidden.bias);
    for (let j = 0; j < H; j++)
      w2.set(start.output.weights.subarray(j * classes, (j + 1) * classes), j * CP);
    b2.set(start.output.bias);
  } else {
    // Glorot-uniform output layer; a small uniform input layer (rows are unit-length per block).
    const r1 = 0.5 * Math.sqrt(6 / (H + 50));
    for (let i = 0; i < w1.length; i++) w1[i] = (2 * random() - 1) * r1;
    const r2 = Math.sqrt(6 / (H + classes));
    for (let j = 0; j < H; j++)
      for (let c = 0; c < classes; c++) w2[j * CP + c] = (2 * random() - 1) * r2;
  }

  const n = labels.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const keep = 1 - options.dropout;
  const steps = options.epochs * n;
  const { rowStart } = rows;
  let step = 0;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    shuffleInPlace(order, random);
    for (let oi = 0; oi < n; oi++, step++) {
      const i = order[oi]!;
      const from = rowStart[i]!;
      const to = rowStart[i + 1]!;
      const rate = options.learningRate * (1 - step / steps);

      // Hidden layer with dropout; the surviving units form a sparse row for the output layer.
      dot(from, to, columnsAt, valuesAt, w1At, hiddenAt, H);
      let active = 0;
      for (let j = 0; j < H; j++) {
        const s = random() < keep ? 1 / keep : 0;
        const z = hidden[j]! + b1[j]!;
        scale[j] = z > 0 ? s : 0;
        if (z > 0 && s > 0) {
          units[active] = j;
          activations[active++] = z * s;
        }
      }

      // Output layer, softmax, and the cross-entropy gradient (p − y) on the logits.
      dot(0, active, unitsAt, activationsAt, w2At, gradientAt, CP);
      let max = -Infinity;
      for (let c = 0; c < classes; c++) {
        const v = gradient[c]! + b2[c]!;
        gradient[c] = v;
        if (v > max) max = v;
      }
      let sum = 0;
      for (let c = 0; c < classes; c++) {
        const e = Math.exp(gradient[c]! - max);
        gradient[c] = e;
        sum += e;
      }
      const label = labels[i]!;
      for (let c = 0; c < classes; c++) gradient[c] = gradient[c]! / sum - (c === label ? 1 : 0);

      // Back to the hidden units (through W2 before it moves), then step both layers.
      hidden.fill(0);
      for (let q = 0; q < active; q++) {
        const j = units[q]!;
        const row = j * CP;
        let s = 0;
        for (let c = 0; c < classes; c++) s += gradient[c]! * w2[row + c]!;
        hidden[j] = -rate * s * scale[j]!;
      }
      for (let c = 0; c < classes; c++) {
        b2[c]! -= rate * gradient[c]!;
        gradient[c] = -rate * gradient[c]!;
      }
      scatter(0, active, unitsAt, activationsAt, w2At, gradientAt, CP);
      for (let j = 0; j < H; j++) b1[j]! += hidden[j]!;
      scatter(from, to, columnsAt, valuesAt, w1At, hiddenAt, H);
    }
  }

  const output = new Float32Array(H * classes);
  for (let j = 0; j < H; j++) output.set(w2.subarray(j * CP, j * CP + classes), j * classes);
  return {
    hidden: { classes: H, columns, weights: Float32Array.from(w1), bias: b1 },
    output: { classes, columns: H, weights: output, bias: b2 },
  };
}

/*
 * JavaScript versions of the kernel's f32 `dot` and `scatter`, over the same byte addresses: the
 * product is rounded to f32 (fround) and the sum by the Float32Array store, as f32.mul and f32.add do.
 */

function jsDot(buffer: ArrayBuffer): DotFunction {
  const i32 = new Int32Array(buffer);
  const f32 = new Float32Array(buffer);
  return (from, to, columnsAt, valuesAt, weightsAt, outAt, padded) => {
    const out = outAt >> 2;
    f32.fill(0, out, out + padded);
    for (let k = from; k < to; k++) {
      const x = f32[(valuesAt >> 2) + k]!;
      const w = (weightsAt >> 2) + i32[(columnsAt >> 2) + k]! * padded;
      for (let c = 0; c < padded; c++) f32[out + c]! += Math.fround(x * f32[w + c]!);
    }
  };
}

function jsScatter(buffer: ArrayBuffer): ScatterFunction {
  const i32 = new Int32Array(buffer);
  const f32 = new Float32Array(buffer);
  return (from, to, columnsAt, valuesAt, weightsAt, vectorAt, padded) => {
    const v = vectorAt >> 2;
    for (let k = from; k < to; k++) {
      const x = f32[(valuesAt >> 2) + k]!;
      const w = (weightsAt >> 2) + i32[(columnsAt >> 2) + k]! * padded;
      for (let c = 0; c < padded; c++) f32[w + c]! += Math.fround(x * f32[v + c]!);
    }
  };
}
