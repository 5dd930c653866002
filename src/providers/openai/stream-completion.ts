/**
 * A chat completion streamed without the openai SDK (see completion-request.ts). The SDK's
 * server-sent-events path built, for every chunk, two fresh byte arrays of everything not yet
 * dispatched, a decoded string per line, an event object and its `raw` line list, through three
 * nested async generators over a web-stream adapter: about 30 % of the subgraph's busy time on
 * streamed calls (bench/results/2026-12-07-streamcost.md). Here the body is decoded once, as
 * text, and read by `SseDecoder`.
 *
 * What the caller sees is what the SDK's `Stream` yields: each event's data parsed as JSON (a
 * `SyntaxError` when it is not), an `error` object sent in the stream thrown as the SDK's
 * `APIError` without a status, everything after `[DONE]` ignored. A body that ends mid-event
 * ends the chunks there; a body cut by the network throws undici's error, as it did under the SDK.
 */
import { StringDecoder } from 'node:string_decoder';
import { APIError } from 'openai';
import { postCompletion, type CompletionEndpoint } from './completion-request.js';
import { SseDecoder } from './sse.js';
import { responseHeaders } from './transport.js';

/** POSTs `body` (with `stream: true`) and yields the stream's chunks as the server sent them. */
export async function* streamCompletion(
  endpoint: CompletionEndpoint,
  body: unknown,
  signal: AbortSignal,
): AsyncGenerator<unknown> {
  const answer = await postCompletion(endpoint, body, signal);
  // A multi-byte character split between two network reads is held back until it is whole.
  const text = new StringDecoder('utf8');
  const decoder = new SseDecoder();
  let done = false;
  // Leaving the loop early (a `break` upstream, an error) destroys the body and its request.
  for await (const bytes of answer.body as AsyncIterable<Buffer>) {
    if (done) continue; // as the SDK does: read to the end, so the connection can be reused
    for (const { data } of decoder.decode(text.write(bytes))) {
      if (data.startsWith('[DONE]')) {
        done = true;
        break;
      }
      const chunk = JSON.parse(data) as unknown;
      if (isErrorEvent(chunk)) {
        throw new APIError(undefined, chunk.error, undefined, responseHeaders(answer.headers));
      }
      yield chunk;
    }
  }
}

function isErrorEvent(chunk: unknown): chunk is { error: object } {
  return typeof chunk === 'object' && chunk !== null && 'error' in chunk && Boolean(chunk.error);
}
