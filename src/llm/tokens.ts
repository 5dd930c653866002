/**
 * Token counts for when a provider does not report usage (an OpenAI-compatible server that omits
 * the usage chunk). `countTokens` uses the o200k_base tokenizer (GPT-4o's), loaded on its first
 * call: its ranks cost about 130 MB of RSS and 1.5 s of start-up, and the providers ask for usage
 * (OpenAI's `stream_options.include_usage`, Bedrock's metadata), so most processes never need it.
 * The one that does pays the load once, on the event loop, at the end of that first generation.
 * The builtin provider's "tokens" are nominal: `estimateTokens` applies OpenAI's documented rule of
 * thumb of about four characters per token.
 */
import { createRequire } from 'node:module';
import { Tiktoken } from 'js-tiktoken/lite';

let tokenizer: Tiktoken | undefined;

/** Synchronous (js-tiktoken ships CommonJS ranks), so that counting stays a plain function. */
function o200k(): Tiktoken {
  if (!tokenizer) {
    const ranks = createRequire(import.meta.url)(
      'js-tiktoken/ranks/o200k_base',
    ) as ConstructorParameters<typeof Tiktoken>[0];
    tokenizer = new Tiktoken(ranks);
  }
  return tokenizer;
}

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export function countTokens(text: string): number {
  return o200k().encode(text).length;
}
