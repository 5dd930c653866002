import { describe, expect, it } from 'vitest';
import { countTokens, estimateTokens } from '../../src/llm/tokens.js';

describe('token counting', () => {
  it('counts with the o200k_base tokenizer, loaded on first use; estimates at four characters per token', () => {
    const text = 'Hello, world!';
    // o200k_base splits it into "Hello", ",", " world", "!".
    expect(countTokens(text)).toBe(4);
    expect(estimateTokens(text)).toBe(4);
    const log =
      'ERROR 2026-11-22T09:12:03Z checkout-api connection refused (ECONNREFUSED 10.0.3.7:5432)';
    expect(countTokens(log)).not.toBe(estimateTokens(log));
  });
});
