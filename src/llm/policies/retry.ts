/**
 * Exponential backoff with full jitter (a uniformly random wait between 0 and the exponential
 * cap), which spreads retries of many clients instead of synchronising them. A provider's own
 * Retry-After wins when it asks for longer.
 */
export interface RetryPolicy {
  /** Retries after the first attempt, per target. */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export function backoffDelay(
  policy: RetryPolicy,
  retry: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  const jittered = Math.floor(random() * cap);
  return retryAfterMs === undefined ? jittered : Math.max(retryAfterMs, jittered);
}

/** Resolves after `ms`, or rejects at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
