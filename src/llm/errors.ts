/**
 * The one error type every provider maps its failures onto. The gateway decides retries and
 * fallback from `retryable` and `retryAfterMs` alone, never from a vendor's error class. It is
 * not a public error: which `extensions.code` a client sees for each failure is the gateway's
 * decision (`public-error.ts`), so the spec knows nothing of GraphQL's error vocabulary.
 */

export type ProviderFailure =
  | 'rate-limited'
  | 'timeout'
  | 'unavailable'
  | 'refused'
  | 'bad-output'
  | 'bad-request'
  | 'cancelled';

const RETRYABLE: ReadonlySet<ProviderFailure> = new Set(['rate-limited', 'timeout', 'unavailable']);

/** Marks instances, so `isInstance` survives duplicate copies of this module. */
const PROVIDER_ERROR = Symbol.for('ai-subgraph.ProviderError');

export class ProviderError extends Error {
  readonly [PROVIDER_ERROR] = true;
  readonly retryable: boolean;

  constructor(
    readonly failure: ProviderFailure,
    readonly provider: string,
    message: string,
    /** The provider's own hint (Retry-After), when it gave one. */
    readonly retryAfterMs?: number,
    options?: ErrorOptions,
  ) {
    // A cancellation is the caller's own doing (it aborted its signal), never a fault to trace back:
    // no stack trace is captured. When every subscriber of thousands of streams leaves at once,
    // capturing one per aborted call was a cost of its own on a loop that has none to spare.
    const stackTraceLimit = Error.stackTraceLimit;
    if (failure === 'cancelled') Error.stackTraceLimit = 0;
    super(message, options);
    Error.stackTraceLimit = stackTraceLimit;
    this.name = 'ProviderError';
    this.retryable = RETRYABLE.has(failure);
  }

  static isInstance(error: unknown): error is ProviderError {
    return error instanceof Error && PROVIDER_ERROR in error;
  }
}
