/**
 * What a client sees when a provider fails: the gateway's mapping from the spec's
 * `ProviderFailure` onto the public `ErrorCode` vocabulary, kept here so that providers and the
 * spec never depend on GraphQL's error codes.
 */
import { ErrorCode, ServiceError } from '../errors.js';
import { ProviderError, type ProviderFailure } from './errors.js';

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

/** A failure the gateway met: a provider's, or one of the service's own. */
export type CallFailure = ProviderError | ServiceError;

/** The public code of a failure. */
export function errorCodeOf(failure: CallFailure): ErrorCode {
  return ProviderError.isInstance(failure) ? CODE_OF[failure.failure] : failure.code;
}

/** The error a client is shown: the code, the provider, and its Retry-After in whole seconds. */
export function toPublicError(failure: CallFailure): ServiceError {
  if (!ProviderError.isInstance(failure)) return failure;
  const { provider, retryAfterMs } = failure;
  return new ServiceError(
    CODE_OF[failure.failure],
    failure.message,
    retryAfterMs === undefined
      ? { provider }
      : { provider, retryAfterSeconds: Math.ceil(retryAfterMs / 1000) },
    { cause: failure },
  );
}
