/**
 * Sparse rows in compressed-sparse-row layout: one flat array of column indices and one of values
 * for a whole batch, with `rowStart` marking where each row begins. Tickets have a few hundred
 * non-zero features out of tens of thousands, and flat typed arrays keep training and batched
 * prediction free of per-row objects.
 */
export interface SparseRows {
  /** Length rows + 1; row r occupies [rowStart[r], rowStart[r + 1]). */
  readonly rowStart: Int32Array;
  readonly columns: Int32Array;
  readonly values: Float32Array;
}
