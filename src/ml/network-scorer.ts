/**
 * Serving the hidden-layer network (network.ts) with the same 8-bit batched scorer as the linear
 * model: each layer is a QuantizedWeights, the hidden layer's "classes" being its units. Between
 * the layers, ReLU keeps the positive units of each ticket as a sparse row, so the output layer
 * costs only the units that fire. What is stored is what predicts, bit for bit, as for the linear
 * weights.
 */
import type { NetworkWeights } from './network.js';
import { quantizeWeights, type QuantizedWeights } from './quantize.js';
import { createScorer, type BatchScorer } from './scorer.js';
import type { SparseRows } from './sparse.js';

export interface QuantizedNetwork {
  /** columns × hidden units. */
  readonly hidden: QuantizedWeights;
  /** hidden units × classes. */
  readonly output: QuantizedWeights;
}

export function quantizeNetwork(network: NetworkWeights): QuantizedNetwork {
  return { hidden: quantizeWeights(network.hidden), output: quantizeWeights(network.output) };
}

export function createNetworkScorer(
  network: QuantizedNetwork,
  options: { forceJavaScript?: boolean } = {},
): BatchScorer {
  const hidden = createScorer(network.hidden, options);
  const output = createScorer(network.output, options);
  const units = network.hidden.classes;
  return {
    kind: hidden.kind,
    score: (rows: SparseRows) => output.score(positiveUnits(hidden.score(rows), units)),
  };
}

/** ReLU as sparse rows: the positive entries of each row of a rows × units matrix. */
function positiveUnits(z: Float32Array, units: number): SparseRows {
  const n = z.length / units;
  let nnz = 0;
  for (let i = 0; i < z.length; i++) if (z[i]! > 0) nnz++;
  const rowStart = new Int32Array(n + 1);
  const columns = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  let at = 0;
  for (let r = 0; r < n; r++) {
    const o = r * units;
    for (let j = 0; j < units; j++) {
      const v = z[o + j]!;
      if (v > 0) {
        columns[at] = j;
        values[at++] = v;
      }
    }
    rowStart[r + 1] = at;
  }
  return { rowStart, columns, values };
}

/** Σ weight · scores over several scorers of the same classes: the ensemble's blended scores. */
export function blendScorers(
  parts: readonly { scorer: BatchScorer; weight: number }[],
): BatchScorer {
  if (parts.length === 1 && parts[0]!.weight === 1) return parts[0]!.scorer;
  return {
    kind: parts[0]!.scorer.kind,
    score(rows: SparseRows): Float32Array {
      const out = parts[0]!.scorer.score(rows);
      const w0 = parts[0]!.weight;
      for (let i = 0; i < out.length; i++) out[i]! *= w0;
      for (let p = 1; p < parts.length; p++) {
        const { scorer, weight } = parts[p]!;
        const s = scorer.score(rows);
        for (let i = 0; i < out.length; i++) out[i]! += weight * s[i]!;
      }
      return out;
    },
  };
}
