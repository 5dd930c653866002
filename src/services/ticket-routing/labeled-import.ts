/**
 * Checks a batch of labeled tickets against a taxonomy: bounded size, every row's category must be
 * one of the taxonomy's (matched case-insensitively to its canonical spelling). Bad rows are
 * reported with their row numbers (1-based, as a person counts them); good rows go on.
 */
import { z } from 'zod';
import { badInput } from '../../errors.js';
import type { LabeledTicket } from '../../infra/store/routing/labeled-tickets.js';
import type { CategoryRecord } from '../../infra/store/routing/taxonomies.js';

export const MAX_IMPORT_BATCH = 5_000;

const rowSchema = z.object({
  subject: z.string().max(1_000).nullish(),
  body: z.string().trim().min(1, 'body must not be empty').max(50_000),
  category: z.string().trim().min(1, 'category must not be empty').max(100),
});

export interface RejectedRow {
  row: number;
  reason: string;
}

export function checkLabeledRows(
  rows: readonly unknown[],
  categories: readonly CategoryRecord[],
  firstRow = 1,
): { valid: LabeledTicket[]; rejected: RejectedRow[] } {
  if (rows.length > MAX_IMPORT_BATCH)
    throw badInput(
      `examples: at most ${MAX_IMPORT_BATCH} per call (got ${rows.length}); split the import into batches`,
    );
  const canonical = new Map(
    categories.map((category) => [category.name.toLowerCase(), category.name]),
  );
  const valid: LabeledTicket[] = [];
  const rejected: RejectedRow[] = [];
  rows.forEach((raw, index) => {
    const row = firstRow + index;
    const parsed = rowSchema.safeParse(raw);
    if (!parsed.success)
      return rejected.push({
        row,
        reason: parsed.error.issues.map((issue) => issue.message).join('; '),
      });
    const category = canonical.get(parsed.data.category.toLowerCase());
    if (!category)
      return rejected.push({ row, reason: `unknown category "${parsed.data.category}"` });
    valid.push({ subject: parsed.data.subject?.trim() || null, body: parsed.data.body, category });
  });
  return { valid, rejected };
}
