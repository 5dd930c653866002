/**
 * Implicit feedback: how much of a draft survived into the text a person finally used.
 *
 * The distance is word-level: both texts are split on whitespace (so line breaks and spacing do
 * not count; case and punctuation do), and
 *
 *     distance = (words deleted + words inserted) / (words in the draft + words in the final text)
 *
 * by the shortest edit script (Myers' O(ND) diff, insertions and deletions only). It is 0 for the
 * draft used as is and 1 for a text sharing no word with it; replacing one word of n costs about
 * 1/n, as a normalised Levenshtein distance would.
 *
 * Bounded: the diff stops after MAX_EDITS edits or once the distance is past the DISCARDED cut-off,
 * so it costs at most O((N + M) · MAX_EDITS) on any texts. Past that bound the distance is the
 * larger of the bound and the bag-of-words distance (words of one text missing from the other,
 * counted with multiplicity), both lower bounds of the true value; `exact` says which it is.
 * A text past the bound is over the cut-off or very long and heavily edited either way.
 *
 * Buckets (cut-offs on the distance):
 *   ACCEPTED        0              used word for word
 *   LIGHTLY_EDITED  (0, 0.25]      typos, a sentence reworded or added
 *   HEAVILY_EDITED  (0.25, 0.6]    the draft was a starting point
 *   DISCARDED       > 0.6, or an empty final text: little of the draft survived
 */

export type EditClass = 'ACCEPTED' | 'LIGHTLY_EDITED' | 'HEAVILY_EDITED' | 'DISCARDED';

export const LIGHT_EDIT_MAX = 0.25;
export const HEAVY_EDIT_MAX = 0.6;
export const MAX_EDITS = 5_000;

export interface EditDistance {
  distance: number;
  edits: number;
  draftWords: number;
  finalWords: number;
  exact: boolean;
}

export function classifyEdit(distance: number, finalWords: number): EditClass {
  if (finalWords === 0) return 'DISCARDED';
  if (distance === 0) return 'ACCEPTED';
  if (distance <= LIGHT_EDIT_MAX) return 'LIGHTLY_EDITED';
  if (distance <= HEAVY_EDIT_MAX) return 'HEAVILY_EDITED';
  return 'DISCARDED';
}

const words = (text: string) => text.split(/\s+/).filter((word) => word.length > 0);

export function wordEditDistance(draft: string, final: string, maxEdits = MAX_EDITS): EditDistance {
  const a = words(draft);
  const b = words(final);
  const total = a.length + b.length;
  if (total === 0) return { distance: 0, edits: 0, draftWords: 0, finalWords: 0, exact: true };
  // Words as small integers, so the diff compares numbers.
  const ids = new Map<string, number>();
  const encode = (list: string[]) =>
    Int32Array.from(list, (word) => ids.get(word) ?? (ids.set(word, ids.size), ids.size - 1));
  const x = encode(a);
  const y = encode(b);
  const bound = Math.min(maxEdits, Math.ceil(HEAVY_EDIT_MAX * total) + 1);
  const edits = myersDistance(x, y, bound);
  if (edits !== null)
    return {
      distance: edits / total,
      edits,
      draftWords: a.length,
      finalWords: b.length,
      exact: true,
    };
  const lower = Math.max(bound, bagDistance(x, y));
  return {
    distance: Math.min(1, lower / total),
    edits: lower,
    draftWords: a.length,
    finalWords: b.length,
    exact: false,
  };
}

/** Insert/delete edit distance between two sequences, or null when it exceeds `max`. */
export function myersDistance(a: Int32Array, b: Int32Array, max: number): number | null {
  // Common prefix and suffix cost nothing and are most of a lightly edited text.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const n = endA - start;
  const m = endB - start;
  if (n === 0 || m === 0) return n + m <= max ? n + m : null;
  const limit = Math.min(max, n + m);
  const offset = limit + 1;
  const v = new Int32Array(2 * limit + 3);
  for (let d = 0; d <= limit; d++) {
    for (let k = -d; k <= d; k += 2) {
      let px: number;
      if (k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!)) px = v[offset + k + 1]!;
      else px = v[offset + k - 1]! + 1;
      let py = px - k;
      while (px < n && py < m && a[start + px] === b[start + py]) {
        px++;
        py++;
      }
      v[offset + k] = px;
      if (px >= n && py >= m) return d;
    }
  }
  return null;
}

/** Words of either text not matched in the other, with multiplicity: a lower bound of the edit distance. */
function bagDistance(a: Int32Array, b: Int32Array): number {
  const counts = new Map<number, number>();
  for (const word of a) counts.set(word, (counts.get(word) ?? 0) + 1);
  for (const word of b) counts.set(word, (counts.get(word) ?? 0) - 1);
  let distance = 0;
  for (const count of counts.values()) distance += Math.abs(count);
  return distance;
}
