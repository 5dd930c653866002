/**
 * Token counts for when a provider does not report usage (an OpenAI-compatible server that omits
 * the usage chunk). `countTokens` uses the o200k_base tokenizer (GPT-4o's) once it is loaded;
 * `loadTokenizer()` loads it (about 1.5 s, once) at start-up when an LLM provider is configured.
 * Before that, and for the builtin provider whose "tokens" are nominal, `estimateTokens` applies
 * OpenAI's documented rule of thumb of about four characters per token.
 */
import { Tiktoken } from 'js-tiktoken/lite';

let tokenizer: Tiktoken | undefined;

export async function loadTokenizer(): Promise<void> {
  if (tokenizer) return;
  const { default: ranks } = await import('js-tiktoken/ranks/o200k_base');
  tokenizer = new Tiktoken(ranks);
}

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export function countTokens(text: string): number {
  return tokenizer ? tokenizer.encode(text).length : estimateTokens(text);
}
