/**
 * The HTTP client under the openai SDK: a `fetch` made of undici's `request`.
 *
 * The SDK reads little of a response: `ok`, `status`, `url`, `headers`, `text()`, `json()`, and,
 * for a stream, a `body` it iterates with `for await`. The platform `fetch` builds much more per
 * call: a Request whose body it clones (to replay it on a redirect) and a response body wrapped
 * in web streams, about 25 KiB of live heap for every open stream (bench/results/2026-11-22-streaming.md).
 * Here the body is undici's Node stream, handed to the SDK as it is, and JSON and error bodies
 * are read with its own `text()` and `json()`.
 *
 * What changes against the platform `fetch`: redirects are not followed (an OpenAI-compatible
 * API does not send them; a 3xx reaches the SDK as a failed status), and a request whose body is
 * not a string (an upload, which this service never sends) is left to the platform `fetch`.
 * Aborting the SDK's signal destroys the request and its body: undici holds the listener on that
 * signal strongly, so an abandoned stream stops reading even after a garbage collection
 * (test/infra/streams/abandon-after-gc.test.ts).
 */
import { request, type Dispatcher } from 'undici';

/** What the SDK reads of a response; everything else a `Response` has, it never touches. */
interface SdkResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly url: string;
  readonly headers: Headers;
  readonly body: Dispatcher.ResponseData['body'];
  text(): Promise<string>;
  json(): Promise<unknown>;
}

/** undici's raw headers as a `Headers`, what the SDK reads (and its errors carry). */
export function responseHeaders(raw: Dispatcher.ResponseData['headers']): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.append(name, value);
  }
  return headers;
}

function requestHeaders(init: RequestInit): Record<string, string> {
  return init.headers instanceof Headers
    ? Object.fromEntries(init.headers)
    : Object.fromEntries(new Headers(init.headers));
}

const utf8 = new TextEncoder();

export async function openAiFetch(
  input: string | URL | Request,
  init: RequestInit = {},
): Promise<Response> {
  if (input instanceof Request || (init.body != null && typeof init.body !== 'string'))
    return fetch(input, init);
  const url = String(input);
  const answer = await request(url, {
    method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
    headers: requestHeaders(init),
    // undici keeps the body until the response ends. Given as a string, it would keep the string
    // and its own copy in bytes; and a small Buffer.from() is a slice of a shared 8 KiB slab, which
    // a long stream would keep whole. encode() makes bytes of their exact size.
    body: init.body == null ? null : utf8.encode(init.body),
    signal: init.signal ?? null,
  });
  const { statusCode, body } = answer;
  const response: SdkResponse = {
    ok: statusCode >= 200 && statusCode < 300,
    status: statusCode,
    url,
    headers: responseHeaders(answer.headers),
    body,
    text: () => body.text(),
    json: () => body.json(),
  };
  // The SDK is typed against the whole Response; `SdkResponse` is the part it uses (see above).
  return response as unknown as Response;
}
