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

/** The rows of `a` followed by those of `b`. */
export function concatRows(a: SparseRows, b: SparseRows): SparseRows {
  const n = a.rowStart.length - 1;
  const offset = a.columns.length;
  const rowStart = new Int32Array(n + b.rowStart.length);
  rowStart.set(a.rowStart);
  for (let r = 1; r < b.rowStart.length; r++) rowStart[n + r] = offset + b.rowStart[r]!;
  const columns = new Int32Array(offset + b.columns.length);
  columns.set(a.columns);
  columns.set(b.columns, offset);
  const values = new Float32Array(columns.length);
  values.set(a.values);
  values.set(b.values, offset);
  return { rowStart, columns, values };
}
