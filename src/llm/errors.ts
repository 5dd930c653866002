/**
 * The one error type every provider maps its failures onto. The gateway decides retries and
 * fallback from `retryable` and `retryAfterMs` alone, never from a vendor's error class.
 */
import { ErrorCode, ServiceError } from '../errors.js';

export type ProviderFailure =
  | 'rate-limited'
  | 'timeout'
  | 'unavailable'
  | 'refused'
  | 'bad-output'
  | 'bad-request'
  | 'cancelled';

const CODE_OF: Record<ProviderFailure, ErrorCode> = {
  'rate-limited': ErrorCode.PROVIDER_RATE_LIMITED,
  timeout: ErrorCode.PROVIDER_TIMEOUT,
  unavailable: ErrorCode.PROVIDER_UNAVAILABLE,
  refused: ErrorCode.PROVIDER_REFUSED,
  'bad-output': ErrorCode.PROVIDER_BAD_OUTPUT,
  // A request the provider rejects as malformed is our bug or a config error, not the user's.
  'bad-request': ErrorCode.PROVIDER_UNAVAILABLE,
  cancelled: ErrorCode.CANCELLED,
};

const RETRYABLE: ReadonlySet<ProviderFailure> = new Set(['rate-limited', 'timeout', 'unavailable']);

export class ProviderError extends ServiceError {
  readonly retryable: boolean;

  constructor(
    readonly failure: ProviderFailure,
    readonly provider: string,
    message: string,
    /** The provider's own hint (Retry-After), when it gave one. */
    readonly retryAfterMs?: number,
    options?: ErrorOptions,
  ) {
    super(
      CODE_OF[failure],
      message,
      retryAfterMs === undefined
        ? { provider }
        : { provider, retryAfterSeconds: Math.ceil(retryAfterMs / 1000) },
      options,
    );
    this.name = 'ProviderError';
    this.retryable = RETRYABLE.has(failure);
  }

  static override isInstance(error: unknown): error is ProviderError {
    return ServiceError.isInstance(error) && error.name === 'ProviderError';
  }
}
