/** The scopes an API key or a token may carry. Each guards a family of fields (see the schema). */
export const SCOPES = ['generate', 'route', 'eval', 'screen', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}
