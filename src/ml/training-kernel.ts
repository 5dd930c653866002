/**
 * The forward pass of training (one ticket's scores for every class, float32 weights) on the
 * WebAssembly SIMD `dot` kernel, with the weights and the training rows living in the kernel's
 * memory. Solvers read scores from `out` and update `weights` in place through typed-array views;
 * their sparse updates stay in JavaScript, where touching only the classes that move is cheaper
 * than any dense SIMD pass.
 *
 * Rows of `weights` are `padded` floats apart (classes rounded up to a multiple of 8); the padding
 * stays zero. Without WebAssembly SIMD the same interface runs on plain arrays (results then differ
 * from the SIMD path in the last bits: each is deterministic on its own).
 */
import { accumulateRow, type LinearWeights } from './linear.js';
import type { SparseRows } from './sparse.js';
import { WASM_PAGE, instantiateKernel, type DotFunction } from './wasm-kernel.js';

export interface TrainingKernel {
  readonly classes: number;
  readonly columns: number;
  /** Row stride of `weights`: classes rounded up to a multiple of 8. */
  readonly padded: number;
  /** columns × padded, feature-major. */
  readonly weights: Float32Array;
  /** Σ x·W for the given training row into `out[0 .. padded)`; returns `out`. */
  forward(row: number): Float32Array;
  /** The trained weights with a compact stride (classes), as LinearWeights. */
  export(bias: Float32Array): LinearWeights;
}

const align16 = (n: number) => (n + 15) & ~15;

export function createTrainingKernel(
  rows: SparseRows,
  columns: number,
  classes: number,
  options: { forceJavaScript?: boolean } = {},
): TrainingKernel {
  const padded = Math.ceil(classes / 8) * 8;
  const nnz = rows.columns.length;
  const weightsAt = 16;
  const columnsAt = align16(weightsAt + columns * padded * 4);
  const valuesAt = align16(columnsAt + nnz * 4);
  const outAt = align16(valuesAt + nnz * 4);
  const end = outAt + padded * 4;
  const kernel = options.forceJavaScript ? null : instantiateKernel(Math.ceil(end / WASM_PAGE) + 1);
  if (kernel === null) return new JsTrainingKernel(rows, columns, classes, padded);
  const buffer = kernel.memory.buffer;
  new Int32Array(buffer, columnsAt, nnz).set(rows.columns);
  new Float32Array(buffer, valuesAt, nnz).set(rows.values);
  const weights = new Float32Array(buffer, weightsAt, columns * padded);
  const out = new Float32Array(buffer, outAt, padded);
  const dot: DotFunction = kernel.dot;
  const rowStart = rows.rowStart;
  return {
    classes,
    columns,
    padded,
    weights,
    forward(row: number): Float32Array {
      dot(rowStart[row]!, rowStart[row + 1]!, columnsAt, valuesAt, weightsAt, outAt, padded);
      return out;
    },
    export: (bias) => compact(weights, columns, classes, padded, bias),
  };
}

class JsTrainingKernel implements TrainingKernel {
  readonly weights: Float32Array;
  private readonly acc: Float64Array;
  private readonly out: Float32Array;

  constructor(
    private readonly rows: SparseRows,
    readonly columns: number,
    readonly classes: number,
    readonly padded: number,
  ) {
    this.weights = new Float32Array(columns * padded);
    this.acc = new Float64Array(padded);
    this.out = new Float32Array(padded);
  }

  forward(row: number): Float32Array {
    this.acc.fill(0);
    const { rowStart, columns, values } = this.rows;
    accumulateRow(
      this.weights,
      this.padded,
      columns,
      values,
      rowStart[row]!,
      rowStart[row + 1]!,
      this.acc,
    );
    this.out.set(this.acc);
    return this.out;
  }

  export(bias: Float32Array): LinearWeights {
    return compact(this.weights, this.columns, this.classes, this.padded, bias);
  }
}

function compact(
  weights: Float32Array,
  columns: number,
  classes: number,
  padded: number,
  bias: Float32Array,
): LinearWeights {
  const out = new Float32Array(columns * classes);
  for (let f = 0; f < columns; f++)
    out.set(weights.subarray(f * padded, f * padded + classes), f * classes);
  return { classes, columns, weights: out, bias: Float32Array.from(bias) };
}
