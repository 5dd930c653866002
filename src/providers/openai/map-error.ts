/**
 * OpenAI SDK failures onto `ProviderError`. The SDK runs with `maxRetries: 0`, so every HTTP
 * failure reaches us once, as one of its `APIError` subclasses; the gateway retries from our
 * `failure` and `retryAfterMs` alone.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { ProviderError } from '../../llm/errors.js';
import type { ProviderFailure } from '../../llm/errors.js';

/**
 * The server's back-off hint: `retry-after-ms` (OpenAI's own, milliseconds) first, then the
 * standard `Retry-After` as seconds or as an HTTP date. Undefined when absent or unreadable.
 */
export function retryAfterMs(
  headers: Headers | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '') {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return Math.round(value);
  }
  const after = headers.get('retry-after');
  if (after === null || after.trim() === '') return undefined;
  const seconds = Number(after);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.round(seconds * 1000) : undefined;
  const date = Date.parse(after);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** A 400 that is the provider's content filter speaking rather than a malformed request. */
function isContentFilter(error: APIError): boolean {
  const code = `${error.code ?? ''} ${error.type ?? ''}`;
  if (/content_filter|content_policy|responsible_?ai/i.test(code)) return true;
  const body = error.error as { innererror?: { code?: unknown } } | undefined;
  if (
    typeof body?.innererror?.code === 'string' &&
    /ResponsibleAIPolicyViolation/i.test(body.innererror.code)
  )
    return true;
  return /content (management |moderation )?policy|content filter|safety system/i.test(
    error.message,
  );
}

/** An error object sent inside a 200 stream (`data: {"error": {...}}`) has no status. */
function failureOfStreamError(error: APIError): ProviderFailure {
  const code = `${error.code ?? ''} ${error.type ?? ''}`;
  if (/rate_limit|rate limit/i.test(code)) return 'rate-limited';
  if (/timeout/i.test(code)) return 'timeout';
  if (isContentFilter(error)) return 'refused';
  if (/invalid_request/i.test(code)) return 'bad-request';
  return 'unavailable';
}

function failureOfStatus(error: APIError, status: number): ProviderFailure {
  if (status === 429) {
    // An exhausted quota is no rate limit: waiting a few seconds will not help, switching will.
    return error.code === 'insufficient_quota' ? 'unavailable' : 'rate-limited';
  }
  if (status === 408 || status === 504) return 'timeout';
  if (status === 409) return 'unavailable'; // a lock timeout on their side; OpenAI's SDK retries it too
  if (status >= 500) return 'unavailable';
  if ((status === 400 || status === 422) && isContentFilter(error)) return 'refused';
  return 'bad-request';
}

/**
 * Maps anything the SDK (or the stream under it) threw. Cancellation and our own deadline are
 * decided by the caller before calling this, because the SDK reports both as a user abort.
 */
export function toProviderError(error: unknown, provider: string): ProviderError {
  if (ProviderError.isInstance(error)) return error;
  const options = { cause: error };
  if (error instanceof APIUserAbortError) {
    return new ProviderError(
      'cancelled',
      provider,
      `${provider}: request aborted`,
      undefined,
      options,
    );
  }
  if (error instanceof APIConnectionTimeoutError) {
    return new ProviderError(
      'timeout',
      provider,
      `${provider}: request timed out`,
      undefined,
      options,
    );
  }
  if (error instanceof APIConnectionError) {
    return new ProviderError(
      'unavailable',
      provider,
      `${provider}: connection failed`,
      undefined,
      options,
    );
  }
  if (error instanceof APIError) {
    const status = error.status;
    const failure =
      status === undefined ? failureOfStreamError(error) : failureOfStatus(error, status);
    const hint =
      failure === 'rate-limited' || failure === 'unavailable'
        ? retryAfterMs(error.headers)
        : undefined;
    const what = status === undefined ? 'error event in stream' : `HTTP ${status}`;
    return new ProviderError(
      failure,
      provider,
      `${provider}: ${what}: ${error.message}`,
      hint,
      options,
    );
  }
  if (error instanceof SyntaxError) {
    // Thrown by the SDK's JSON.parse of a response body or of an SSE `data:` line.
    return new ProviderError(
      'bad-output',
      provider,
      `${provider}: malformed response: ${error.message}`,
      undefined,
      options,
    );
  }
  // What is left is the transport: undici's SocketError ("other side closed") when the socket
  // drops mid-body (`TypeError: terminated` through the platform fetch), ECONNRESET, and the like.
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError(
    'unavailable',
    provider,
    `${provider}: connection lost: ${message}`,
    undefined,
    options,
  );
}
