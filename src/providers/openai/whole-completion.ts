/**
 * A chat completion asked for whole, without the openai SDK (see completion-request.ts): the
 * response body read as the SDK reads it.
 */
import { postCompletion, single, type CompletionEndpoint } from './completion-request.js';

/**
 * POSTs `body` and returns the response body as the SDK would have: parsed JSON when the server
 * says it is JSON, the text otherwise (the caller checks its shape). Failures as `postCompletion`.
 */
export async function completeWhole(
  endpoint: CompletionEndpoint,
  body: unknown,
  signal: AbortSignal,
): Promise<unknown> {
  const { statusCode, headers, body: content } = await postCompletion(endpoint, body, signal);
  if (statusCode === 204) {
    await content.dump();
    return null;
  }
  const mediaType = single(headers['content-type'])?.split(';')[0]?.trim();
  if (mediaType?.includes('application/json') || mediaType?.endsWith('+json')) {
    if (single(headers['content-length']) === '0') {
      await content.dump();
      return undefined;
    }
    return content.json();
  }
  return content.text();
}
