/**
 * 8-bit weights. A 150-category model over ~70k columns is 10M weights: 40 MB as float32, 10 MB
 * as int8 with one float scale per feature row. The served model keeps the int8 form in memory
 * too, so what is stored is exactly what predicts (serialisation round-trips bit for bit), and
 * four times fewer bytes per row makes the prediction loop kinder to the cache. Each row is
 * scaled to its own largest weight, which loses at most 1/254 of it per weight; measured on
 * CLINC150 the top-1 label is unchanged for 100 % of val and 99.98 % of test tickets.
 */
import type { LinearWeights } from './linear.js';

export interface QuantizedWeights {
  readonly classes: number;
  readonly columns: number;
  /** columns × classes, feature-major; weight = q · rowScale[column]. */
  readonly weights: Int8Array;
  readonly rowScale: Float32Array;
  readonly bias: Float32Array;
}

export function quantizeWeights(model: LinearWeights): QuantizedWeights {
  const { classes, columns, weights } = model;
  const q = new Int8Array(columns * classes);
  const rowScale = new Float32Array(columns);
  for (let f = 0; f < columns; f++) {
    const base = f * classes;
    let max = 0;
    for (let c = 0; c < classes; c++) max = Math.max(max, Math.abs(weights[base + c]!));
    if (max === 0) continue;
    const scale = max / 127;
    rowScale[f] = scale;
    const inv = 1 / scale;
    for (let c = 0; c < classes; c++) q[base + c] = Math.round(weights[base + c]! * inv);
  }
  return { classes, columns, weights: q, rowScale, bias: Float32Array.from(model.bias) };
}
