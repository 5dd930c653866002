/**
 * Token estimate for providers that do not report usage (the builtin provider, servers that omit
 * the usage chunk): about four characters per token for English text, the ratio OpenAI documents
 * for its tokenizers. Budgets and cost use it only when the provider is silent.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
