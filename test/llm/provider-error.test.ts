/**
 * A cancelled call is the caller's own abort: its error carries no stack trace (thousands of
 * abandoned streams build one each at once), while every other failure keeps the trace that shows
 * where it arose.
 */
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/llm/errors.js';

const frames = (error: Error) =>
  (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));

describe('ProviderError', () => {
  it('carries no stack frames for a cancellation, and keeps them for a failure', () => {
    const cancelled = new ProviderError('cancelled', 'openai', 'request aborted');
    const failed = new ProviderError('unavailable', 'openai', 'the provider failed');
    expect(frames(cancelled)).toEqual([]);
    expect(cancelled.message).toBe('request aborted');
    expect(ProviderError.isInstance(cancelled)).toBe(true);
    expect(frames(failed).length).toBeGreaterThan(0);
  });

  it('leaves the stack trace limit of the process as it was', () => {
    const limit = Error.stackTraceLimit;
    new ProviderError('cancelled', 'openai', 'request aborted');
    expect(Error.stackTraceLimit).toBe(limit);
    expect(frames(new Error('after'))).not.toEqual([]);
  });
});
