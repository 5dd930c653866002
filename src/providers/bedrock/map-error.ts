/**
 * AWS SDK (Bedrock Runtime) failures onto `ProviderError`. The client runs with `maxAttempts: 1`,
 * so nothing is retried in here; the gateway decides from `failure` and `retryAfterMs`.
 *
 * Modeled exceptions are matched by `name`, which is also what the SDK sets for exceptions that
 * arrive inside an event stream and for unmodeled ones it builds from `x-amzn-errortype`.
 */
import { ProviderError } from '../../llm/errors.js';
import type { ProviderFailure } from '../../llm/errors.js';

const BY_NAME: Record<string, ProviderFailure> = {
  ThrottlingException: 'rate-limited',
  ServiceQuotaExceededException: 'rate-limited',
  TooManyRequestsException: 'rate-limited',
  ModelTimeoutException: 'timeout',
  RequestTimeout: 'timeout',
  RequestTimeoutException: 'timeout',
  TimeoutError: 'timeout', // the SDK's HTTP handler: connection or socket timeout
  ServiceUnavailableException: 'unavailable',
  ServiceUnavailable: 'unavailable',
  InternalServerException: 'unavailable',
  InternalFailure: 'unavailable',
  ModelNotReadyException: 'unavailable',
  ModelStreamErrorException: 'unavailable',
  ModelErrorException: 'unavailable',
  ValidationException: 'bad-request',
  AccessDeniedException: 'bad-request',
  ResourceNotFoundException: 'bad-request',
  ConflictException: 'bad-request',
  UnrecognizedClientException: 'bad-request',
  InvalidSignatureException: 'bad-request',
  ExpiredTokenException: 'bad-request',
  // The SDK's JSON.parse of a body, or an event whose payload is not JSON.
  SyntaxError: 'bad-output',
};

interface AwsErrorLike {
  name?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $response?: {
    statusCode?: unknown;
    headers?: Record<string, string | undefined>;
    body?: unknown;
  };
}

/** `Retry-After` (seconds or HTTP date) from the raw response, which the SDK keeps on the error. */
export function retryAfterMs(
  headers: Record<string, string | undefined> | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const ms = header(headers, 'retry-after-ms');
  if (ms !== undefined) {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return Math.round(value);
  }
  const after = header(headers, 'retry-after');
  if (after === undefined) return undefined;
  const seconds = Number(after);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.round(seconds * 1000) : undefined;
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function header(headers: Record<string, string | undefined>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name && value !== undefined && value.trim() !== '') return value;
  }
  return undefined;
}

/**
 * A connection lost mid-body does not fail the body stream the SDK reads: over HTTP/2 (the
 * client's default transport) the stream just ends, and the SDK then fails to parse the
 * truncated JSON. The raw stream still tells: reset with a non-zero code (HTTP/2) or not
 * `complete` (HTTP/1.1). That is a transport failure, not bad output.
 */
function isTruncatedBody(error: AwsErrorLike): boolean {
  const body = error.$response?.body as { rstCode?: unknown; complete?: unknown } | undefined;
  if (typeof body !== 'object' || body === null) return false;
  return (typeof body.rstCode === 'number' && body.rstCode !== 0) || body.complete === false;
}

function failureOf(error: AwsErrorLike, status: number | undefined): ProviderFailure {
  const name = typeof error.name === 'string' ? error.name : '';
  if (name === 'SyntaxError' && isTruncatedBody(error)) return 'unavailable';
  const known = BY_NAME[name];
  if (known) return known;
  // An event stream cut inside a frame: the connection went, like the truncated body above.
  if (/truncated event message/i.test(String(error.message))) return 'unavailable';
  if (/checksum|unrecognizable event/i.test(String(error.message))) return 'bad-output';
  if (status !== undefined && status >= 100) {
    if (status === 429) return 'rate-limited';
    if (status === 408 || status === 504) return 'timeout';
    if (status >= 500) return 'unavailable';
    if (status >= 400) return 'bad-request';
    // A 2xx whose body the SDK could not make sense of.
    return 'bad-output';
  }
  if (error.$fault === 'server') return 'unavailable';
  // Transport failures (ECONNREFUSED, ECONNRESET, "aborted" when the socket drops mid-body) and
  // credential lookups that failed on the way.
  return 'unavailable';
}

/**
 * Maps anything the client threw. Cancellation and our own deadline are decided by the caller
 * first: the SDK reports both as an `AbortError`.
 */
export function toProviderError(error: unknown, provider: string): ProviderError {
  if (ProviderError.isInstance(error)) return error;
  const aws: AwsErrorLike =
    typeof error === 'object' && error !== null ? (error as AwsErrorLike) : {};
  const rawStatus = aws.$metadata?.httpStatusCode ?? aws.$response?.statusCode;
  const status = typeof rawStatus === 'number' ? rawStatus : undefined;
  const failure = aws.name === 'AbortError' ? 'cancelled' : failureOf(aws, status);
  const hint =
    failure === 'rate-limited' || failure === 'unavailable'
      ? retryAfterMs(aws.$response?.headers)
      : undefined;
  const name = typeof aws.name === 'string' ? aws.name : 'Error';
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  const what = status === undefined ? name : `HTTP ${status} ${name}`;
  return new ProviderError(failure, provider, `${provider}: ${what}: ${message}`, hint, {
    cause: error,
  });
}
