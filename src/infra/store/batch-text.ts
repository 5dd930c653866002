/**
 * The text of a statement that writes a batch of rows (group-commit.ts) depends only on how many
 * rows it has: kept per batch size rather than built for every batch. The same few sizes recur
 * call after call, and building the VALUES lists of the generation writes (a parameter per column
 * of each row) was 2 % of a whole draft's CPU at 200 clients.
 */

/** Batch sizes up to this have their statement's text kept (the common ones; bigger ones are rare). */
const KEPT_TEXTS = 32;

/** `build(rows)` for each batch size, built once for the sizes up to KEPT_TEXTS. */
export function textPerBatchSize(build: (rows: number) => string): (rows: number) => string {
  const texts: string[] = [];
  return (rows) => texts[rows] ?? (rows <= KEPT_TEXTS ? (texts[rows] = build(rows)) : build(rows));
}
