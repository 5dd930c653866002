/**
 * Batched scoring with the served (8-bit) weights: WebAssembly SIMD where available, otherwise a
 * JavaScript loop with the same f32 arithmetic in the same order, so both give identical bits
 * (see wasm-kernel.ts). Training calibrates on this scorer's output, so the probabilities the
 * threshold was tuned on are exactly those served.
 */
import type { QuantizedWeights } from './quantize.js';
import type { SparseRows } from './sparse.js';
import {
  WASM_PAGE,
  instantiateKernel,
  type ScoreFunction,
  type WasmMemory,
} from './wasm-kernel.js';

export interface BatchScorer {
  /** 'wasm-simd' or 'js': which implementation runs (both produce identical scores). */
  readonly kind: 'wasm-simd' | 'js';
  /** Raw scores (bias + Σ x·w), rows × classes, row-major. */
  score(rows: SparseRows): Float32Array;
}

export function createScorer(
  weights: QuantizedWeights,
  options: { forceJavaScript?: boolean } = {},
): BatchScorer {
  if (!options.forceJavaScript) {
    const layout = new WasmLayout(weights.classes, weights.columns);
    const kernel = instantiateKernel(Math.ceil((layout.scratchAt + WASM_PAGE) / WASM_PAGE));
    if (kernel) return new WasmScorer(weights, layout, kernel.memory, kernel.score);
  }
  return new JsScorer(weights);
}

/** Classes rounded up to a multiple of 8: the kernel widens 8 int8 weights per step. */
function padClasses(classes: number): number {
  return Math.ceil(classes / 8) * 8;
}

const align16 = (n: number) => (n + 15) & ~15;

/** Where the weights, scales, bias and per-call scratch live in the kernel's memory. */
class WasmLayout {
  readonly padded: number;
  readonly weightsAt = 16;
  readonly scaleAt: number;
  readonly biasAt: number;
  readonly scratchAt: number;
  constructor(classes: number, columns: number) {
    this.padded = padClasses(classes);
    this.scaleAt = align16(this.weightsAt + columns * this.padded);
    this.biasAt = align16(this.scaleAt + columns * 4);
    this.scratchAt = align16(this.biasAt + this.padded * 4);
  }
}

class WasmScorer implements BatchScorer {
  readonly kind = 'wasm-simd' as const;
  private readonly classes: number;
  private readonly padded: number;
  private readonly weightsAt: number;
  private readonly scaleAt: number;
  private readonly biasAt: number;
  private readonly scratchAt: number;

  constructor(
    model: QuantizedWeights,
    layout: WasmLayout,
    private readonly memory: WasmMemory,
    private readonly run: ScoreFunction,
  ) {
    const { classes, columns } = model;
    const padded = layout.padded;
    this.classes = classes;
    this.padded = padded;
    this.weightsAt = layout.weightsAt;
    this.scaleAt = layout.scaleAt;
    this.biasAt = layout.biasAt;
    this.scratchAt = layout.scratchAt;
    const buffer = this.memory.buffer;
    const w = new Int8Array(buffer, this.weightsAt, columns * padded);
    for (let f = 0; f < columns; f++)
      w.set(model.weights.subarray(f * classes, (f + 1) * classes), f * padded);
    new Float32Array(buffer, this.scaleAt, columns).set(model.rowScale);
    new Float32Array(buffer, this.biasAt, padded).set(model.bias);
  }

  score(rows: SparseRows): Float32Array {
    const n = rows.rowStart.length - 1;
    const nnz = rows.columns.length;
    const rowStartAt = this.scratchAt;
    const columnsAt = align16(rowStartAt + (n + 1) * 4);
    const valuesAt = align16(columnsAt + nnz * 4);
    const outAt = align16(valuesAt + nnz * 4);
    const end = outAt + n * this.padded * 4;
    if (end > this.memory.buffer.byteLength)
      this.memory.grow(Math.ceil((end - this.memory.buffer.byteLength) / WASM_PAGE));
    // Views are made after any grow: growing detaches the old buffer.
    const buffer = this.memory.buffer;
    new Int32Array(buffer, rowStartAt, n + 1).set(rows.rowStart);
    new Int32Array(buffer, columnsAt, nnz).set(rows.columns);
    new Float32Array(buffer, valuesAt, nnz).set(rows.values);
    this.run(
      n,
      rowStartAt,
      columnsAt,
      valuesAt,
      outAt,
      this.weightsAt,
      this.scaleAt,
      this.biasAt,
      this.padded,
    );
    const raw = new Float32Array(buffer, outAt, n * this.padded);
    if (this.padded === this.classes) return raw.slice();
    const out = new Float32Array(n * this.classes);
    for (let r = 0; r < n; r++)
      out.set(raw.subarray(r * this.padded, r * this.padded + this.classes), r * this.classes);
    return out;
  }
}

/** Reference implementation: f32 accumulation, one feature at a time, as the kernel does. */
class JsScorer implements BatchScorer {
  readonly kind = 'js' as const;
  constructor(private readonly model: QuantizedWeights) {}

  score(rows: SparseRows): Float32Array {
    const { classes: C, weights: w, rowScale, bias } = this.model;
    const n = rows.rowStart.length - 1;
    const { rowStart, columns, values } = rows;
    const out = new Float32Array(n * C);
    const fround = Math.fround;
    for (let r = 0; r < n; r++) {
      const acc = out.subarray(r * C, (r + 1) * C);
      acc.set(bias);
      for (let k = rowStart[r]!, end = rowStart[r + 1]!; k < end; k++) {
        const f = columns[k]!;
        const x = fround(values[k]! * rowScale[f]!);
        const base = f * C;
        // Storing into a Float32Array rounds the (exact-enough) double sum to f32, as f32.add does.
        for (let c = 0; c < C; c++) acc[c] = acc[c]! + fround(w[base + c]! * x);
      }
    }
    return out;
  }
}
