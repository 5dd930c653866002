/**
 * The Unknown threshold: below it the router declines to pick a category and the ticket goes to
 * review. It is chosen on held-out tickets by counting right decisions:
 *  - an in-scope ticket is decided right when it is routed to its category, or when it is sent to
 *    Unknown while the model's best guess was wrong (review beats a misroute);
 *  - an out-of-scope ticket (if the tuning set has any) is decided right when sent to Unknown.
 * The two kinds are weighted by `unknownShare`, the share of incoming tickets expected to belong
 * to no category. Without out-of-scope examples the rule reduces to "route when more likely right
 * than wrong" as measured on held-out tickets.
 */

export interface ThresholdInputs {
  /** Top-label confidence of each held-out in-scope ticket. */
  inScopeConfidence: ArrayLike<number>;
  /** Whether that ticket's top label was its true category. */
  inScopeCorrect: ArrayLike<boolean>;
  /** Top-label confidence of each held-out out-of-scope ticket (may be empty). */
  unknownConfidence: ArrayLike<number>;
  /** Weight of out-of-scope tickets in the objective, in [0, 1]; ignored when there are none. */
  unknownShare: number;
}

export function tuneUnknownThreshold(inputs: ThresholdInputs): number {
  const { inScopeConfidence, inScopeCorrect, unknownConfidence } = inputs;
  const nIn = inScopeConfidence.length;
  const nOut = unknownConfidence.length;
  if (nIn + nOut === 0) return 0;
  const share = nOut === 0 ? 0 : nIn === 0 ? 1 : Math.min(1, Math.max(0, inputs.unknownShare));
  // Per ticket: what it adds to the objective when accepted vs. when sent to Unknown.
  interface Point {
    confidence: number;
    accepted: number;
    rejected: number;
  }
  const points: Point[] = [];
  for (let i = 0; i < nIn; i++) {
    const w = (1 - share) / nIn;
    const ok = inScopeCorrect[i] === true;
    points.push({ confidence: inScopeConfidence[i]!, accepted: ok ? w : 0, rejected: ok ? 0 : w });
  }
  for (let i = 0; i < nOut; i++)
    points.push({ confidence: unknownConfidence[i]!, accepted: 0, rejected: share / nOut });
  points.sort((a, b) => a.confidence - b.confidence);

  // Sweep: threshold just above points[j - 1] rejects the j lowest tickets and accepts the rest.
  let score = 0;
  for (const p of points) score += p.accepted;
  let best = score;
  let bestAt = 0;
  for (let j = 1; j <= points.length; j++) {
    const p = points[j - 1]!;
    score += p.rejected - p.accepted;
    // Only between distinct confidences can a threshold separate tickets.
    if (j < points.length && points[j]!.confidence === p.confidence) continue;
    if (score > best + 1e-12) {
      best = score;
      bestAt = j;
    }
  }
  if (bestAt === 0) return 0;
  const below = points[bestAt - 1]!.confidence;
  const above = bestAt < points.length ? points[bestAt]!.confidence : 1;
  return Math.min(1, (below + above) / 2);
}

/**
 * The lowest threshold that sends at least `recall` of the held-out out-of-scope tickets to
 * Unknown: for callers who state "catch at least X% of what fits no category" rather than a
 * share of traffic. Returns 0 when there are no out-of-scope tickets or recall <= 0.
 */
export function thresholdForUnknownRecall(
  unknownConfidence: ArrayLike<number>,
  recall: number,
): number {
  const n = unknownConfidence.length;
  const need = Math.ceil(Math.min(1, recall) * n);
  if (n === 0 || need <= 0) return 0;
  const sorted = Float64Array.from(unknownConfidence).sort();
  const below = sorted[need - 1]!;
  // Strictly above the need-th lowest confidence, and below the next one when there is room.
  const above = need < n && sorted[need]! > below ? sorted[need]! : Math.min(1, below + 1e-6);
  return Math.min(1, (below + above) / 2);
}
