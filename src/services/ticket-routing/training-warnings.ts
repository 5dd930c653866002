/**
 * What trainRouter tells the person training when the data is too thin. A local model learns a
 * category from its tickets: with a handful each, the part held out for calibration is one or two
 * tickets (its accuracy reads 0 or 1 and means nothing), and its confidence rarely clears the
 * threshold that lets it decide alone, so every ticket goes to review. Saying so, with the number
 * needed, beats a silent `heldoutAccuracy: 0`.
 */

/**
 * Labeled tickets (category examples included) per category below which trainRouter warns. The
 * Sandbox example imports a dozen per category on top of two examples each, and its model routes
 * both example tickets on its own (test/federation/sandbox.test.ts runs it); with two each it
 * sent both to review.
 */
export const MIN_TICKETS_PER_CATEGORY = 10;

export function trainingWarnings(
  categories: readonly string[],
  examples: readonly { label: string }[],
): string[] {
  const counts = new Map<string, number>();
  for (const { label } of examples) counts.set(label, (counts.get(label) ?? 0) + 1);
  const thin = categories
    .map((category) => ({ category, count: counts.get(category) ?? 0 }))
    .filter(({ count }) => count < MIN_TICKETS_PER_CATEGORY);
  if (thin.length === 0) return [];
  const listed = thin.map(({ category, count }) => `"${category}" has ${count}`).join(', ');
  return [
    `Too few labeled tickets to route reliably: ${listed}; the model needs at least ${MIN_TICKETS_PER_CATEGORY} per category (category examples count). Until then its held-out accuracy is not meaningful and most tickets go to review. Import more with importLabeledTickets, then train again.`,
  ];
}
