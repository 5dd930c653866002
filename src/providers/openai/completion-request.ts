/**
 * A chat completion request sent with undici's `request` rather than through the openai SDK, and
 * what a whole answer (whole-completion.ts) and a streamed one (stream-completion.ts) share: the
 * endpoint, the request, and the failures before the body. Through the SDK, its per-request
 * machinery was most of a call's client-side cost: headers merged from six sources, a log record
 * formatted even with logging off, an AbortController and a timer of its own, the response wrapped
 * for `.withResponse()` (bench/results/2026-12-07-wholecost.md).
 *
 * The wire is the SDK's: the same URL (the client's own `buildURL`, so `OPENAI_BASE_URL` still
 * applies), method, JSON body and the headers a server reads (authorization, content type, accept,
 * user agent, organization and project; not the SDK's `x-stainless-*` telemetry). Failures are the
 * SDK's own error classes, built as the SDK builds them, so `toProviderError` maps them unchanged;
 * the caller's deadline decides cancellation and timeouts first, as it does for the SDK.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError, type OpenAI } from 'openai';
import { VERSION } from 'openai/version';
import { request, type Dispatcher } from 'undici';
import { responseHeaders } from './transport.js';

/** Where a client sends chat completions, and the headers it sends with each. */
export interface CompletionEndpoint {
  readonly url: string;
  /** `url` split as undici's dispatcher takes it (stream-completion.ts), once per client. */
  readonly origin: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * The endpoint of `client`, resolved once; null when its credentials are not a plain API key
 * (an admin key, a workload identity): those calls stay with the SDK, which knows how to sign them.
 */
export function completionEndpoint(client: OpenAI): CompletionEndpoint | null {
  if (client.apiKey === null || client.apiKey === '') return null;
  const headers: Record<string, string> = {
    // The SDK sends this accept header for streams too.
    accept: 'application/json',
    'content-type': 'application/json',
    'user-agent': `OpenAI/JS ${VERSION}`,
    authorization: `Bearer ${client.apiKey}`,
  };
  if (client.organization !== null) headers['openai-organization'] = client.organization;
  if (client.project !== null) headers['openai-project'] = client.project;
  const url = client.buildURL('/chat/completions', null);
  const { origin, pathname, search } = new URL(url);
  return { url, origin, path: `${pathname}${search}`, headers };
}

const utf8 = new TextEncoder();

/**
 * POSTs `body` and returns the answer once its status is 2xx. A status outside 2xx throws the
 * SDK's `APIError` for it, with the body parsed as the SDK parses it; a request that got no
 * answer, its `APIConnectionError`.
 */
export async function postCompletion(
  endpoint: CompletionEndpoint,
  body: unknown,
  signal: AbortSignal,
): Promise<Dispatcher.ResponseData> {
  let answer: Dispatcher.ResponseData;
  try {
    answer = await request(endpoint.url, {
      method: 'POST',
      headers: endpoint.headers,
      body: requestBody(body),
      signal,
    });
  } catch (error) {
    throw connectionError(error);
  }
  const { statusCode, headers, body: content } = answer;
  if (statusCode >= 200 && statusCode < 300) return answer;
  const text = await content
    .text()
    .catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
  throw failedStatus(statusCode, text, headers);
}

/**
 * The body as undici keeps it until the response ends, a stream's whole life: bytes of their
 * exact size rather than the string and its own copy (see transport.ts).
 */
export function requestBody(body: unknown): Uint8Array {
  return utf8.encode(JSON.stringify(body));
}

/** The SDK's `APIError` for a status outside 2xx, its body parsed as the SDK parses it. */
export function failedStatus(
  statusCode: number,
  text: string,
  headers: Dispatcher.ResponseData['headers'],
): APIError {
  const json = parsedOrUndefined(text);
  return APIError.generate(
    statusCode,
    json as object | undefined,
    json ? undefined : text,
    responseHeaders(headers),
  );
}

/** As the SDK reports a request that never got an answer: a timeout, or a failed connection. */
export function connectionError(error: unknown): APIError {
  const cause = error instanceof Error ? error : new Error(String(error));
  const seen = `${String(cause)}${'cause' in cause ? String(cause.cause) : ''}`;
  if (cause.name === 'AbortError' || /timed? ?out/i.test(seen))
    return new APIConnectionTimeoutError();
  return new APIConnectionError({ cause });
}

function parsedOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** One value of a response header undici may hand over as a list. */
export function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
