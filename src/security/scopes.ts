/** The scopes an API key or a token may carry. Each guards a family of fields (see the schema). */
export const SCOPES = ['generate', 'route', 'eval', 'screen', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/**
 * `submitFeedback` admits generate, route and eval at the field, as the router's gate; what the
 * feedback writes decides which it needs. A corrected category becomes a labeled ticket, router
 * training data, so it needs what `reviewRouting` needs; a rating, comment or final text needs
 * what reading its subject needs (a draft: generate or eval; a routing decision: route or eval).
 */
export function feedbackScopes(input: {
  predictionId?: string | null;
  correctedCategory?: string | null;
}): { rule: Scope[][]; what: string } {
  if (input.correctedCategory?.trim())
    return { rule: [['route']], what: 'submitFeedback with a correctedCategory' };
  if (input.predictionId)
    return { rule: [['route'], ['eval']], what: 'submitFeedback on a routing prediction' };
  return { rule: [['generate'], ['eval']], what: 'submitFeedback on a generation' };
}
