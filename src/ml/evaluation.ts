/**
 * Measures for deciding how far to trust the router: the cascade (auto-route when confident,
 * otherwise send to a person or a bigger model) is described by coverage and precision per
 * confidence threshold. Used by the benchmark and usable by callers on their own held-out tickets.
 */

export interface CascadePoint {
  /** Tickets with confidence >= threshold are decided by the model alone. */
  threshold: number;
  /** Share of all tickets decided alone. */
  coverage: number;
  /** Share of the tickets decided alone whose category was right (1 when none are decided). */
  precision: number;
}

/** Coverage and precision at each threshold (confidence >= threshold is decided alone). */
export function cascadeCurve(
  confidence: ArrayLike<number>,
  correct: ArrayLike<boolean>,
  thresholds: readonly number[],
): CascadePoint[] {
  const n = confidence.length;
  return thresholds.map((threshold) => {
    let decided = 0;
    let right = 0;
    for (let i = 0; i < n; i++) {
      if (confidence[i]! < threshold) continue;
      decided++;
      if (correct[i]) right++;
    }
    return {
      threshold,
      coverage: n === 0 ? 0 : decided / n,
      precision: decided === 0 ? 1 : right / decided,
    };
  });
}

/**
 * The lowest threshold at which the tickets decided alone are at least `precision` right, on the
 * given (held-out) tickets; 1 if no threshold reaches it. The lowest such threshold gives the
 * largest coverage.
 */
export function thresholdForPrecision(
  confidence: ArrayLike<number>,
  correct: ArrayLike<boolean>,
  precision: number,
): number {
  const order = Array.from({ length: confidence.length }, (_, i) => i).sort(
    (a, b) => confidence[b]! - confidence[a]!,
  );
  let decided = 0;
  let right = 0;
  let best = 1;
  // Walk from the most confident down; a threshold can sit only between distinct confidences.
  for (let j = 0; j < order.length; j++) {
    const i = order[j]!;
    decided++;
    if (correct[i]) right++;
    const next = order[j + 1];
    if (next !== undefined && confidence[next] === confidence[i]) continue;
    if (right / decided >= precision) best = confidence[i]!;
  }
  return best;
}
