/**
 * A chat completion streamed without the openai SDK (see completion-request.ts), read straight
 * from undici's dispatcher. The SDK's server-sent-events path cost about 30 % of the subgraph's
 * busy time on streamed calls (bench/results/2026-12-07-streamcost.md); undici's `request` after
 * it still pushed every network read through a Node `Readable` and its async iterator, and an
 * async generator on top: three promise hops and a stream's bookkeeping per chunk
 * (bench/results/2026-12-08-cpustream2.md). Here undici hands each network read to a handler that
 * decodes it once, as text, with `SseDecoder`, and queues the parsed chunks for the reader.
 *
 * What the caller sees is what the SDK's `Stream` yields: each event's data parsed as JSON (a
 * `SyntaxError` when it is not), an `error` object sent in the stream thrown as the SDK's
 * `APIError` without a status, everything after `[DONE]` ignored (and read to the end, so the
 * connection can be reused). A body that ends mid-event ends the chunks there; a body cut by the
 * network throws undici's error; a status outside 2xx and a request that got no answer throw as
 * `postCompletion` does. Leaving early (`return()`, an error) aborts the request, as does the
 * signal.
 */
import { StringDecoder } from 'node:string_decoder';
import { APIError } from 'openai';
import { getGlobalDispatcher, util, type Dispatcher } from 'undici';
import {
  connectionError,
  failedStatus,
  requestBody,
  type CompletionEndpoint,
} from './completion-request.js';
import { SseDecoder } from './sse.js';
import { responseHeaders } from './transport.js';

/** POSTs `body` (with `stream: true`) and yields the stream's chunks as the server sent them. */
export function streamCompletion(
  endpoint: CompletionEndpoint,
  body: unknown,
  signal: AbortSignal,
): AsyncIterableIterator<unknown> {
  const chunks = new CompletionChunks(signal);
  // Aborted already: nothing is sent, and the reader gets the failure.
  if (signal.aborted) return chunks;
  getGlobalDispatcher().dispatch(
    {
      origin: endpoint.origin,
      path: endpoint.path,
      method: 'POST',
      headers: endpoint.headers,
      body: requestBody(body),
    },
    chunks,
  );
  return chunks;
}

/** A parsed chunk, or the failure that ends the stream after the chunks before it. */
type Queued = { readonly chunk: unknown } | { readonly error: unknown };

/**
 * More chunks than this waiting for the reader pause the socket until it catches up: a model
 * streams far slower than it is read, so this only bounds a stalled reader.
 */
const PAUSE_AT = 64;

/**
 * undici's handler for one streamed request, and the reader's iterator over its chunks.
 *
 * On undici's handler interface that both undici 7 and the undici 6 inside Node (whose Agent is
 * the global dispatcher once anything in the process has called `fetch`) accept: `onConnect`,
 * `onHeaders`, `onData`, `onComplete`, `onError`. undici 7's newer `onRequestStart`/`onResponse*`
 * reach undici 6 as a handler without `onError`, which it refuses.
 */
class CompletionChunks implements AsyncIterableIterator<unknown> {
  readonly #signal: AbortSignal;
  /** Aborts the request: undici's, once it has started it. */
  #abortRequest: ((error: Error) => void) | null = null;
  /** Restarts the socket's reads after `onData` paused them. */
  #resume: (() => void) | null = null;
  #paused = false;
  readonly #queue: Queued[] = [];
  #ended = false;
  /** The reader's pending `next()`, when it waits for a chunk. */
  #waiting: ((result: Promise<IteratorResult<unknown>>) => void) | null = null;
  #status = 0;
  /** The response's headers as undici read them; parsed only for an error that carries them. */
  #rawHeaders: Buffer[] = [];
  /** A multi-byte character split between two network reads is held back until it is whole. */
  readonly #text = new StringDecoder('utf8');
  readonly #decoder = new SseDecoder();
  #done = false;
  /** The body of a status outside 2xx, read whole for the error. */
  #failedBody: Buffer[] | null = null;
  readonly #onAbort = (): void => this.#abort(this.#signal.reason);

  constructor(signal: AbortSignal) {
    this.#signal = signal;
    if (signal.aborted) {
      this.#finish({ error: connectionError(signal.reason) });
      return;
    }
    // Held strongly by the signal while the request runs: an abandoned stream still stops reading
    // after a garbage collection (test/infra/streams/abandon-after-gc.test.ts).
    signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<unknown>> {
    const queued = this.#queue.shift();
    if (queued) {
      if (this.#queue.length === 0 && this.#paused) {
        this.#paused = false;
        this.#resume?.();
      }
      return settled(queued);
    }
    if (this.#ended) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve) => (this.#waiting = resolve));
  }

  /** The reader left early: the rest of the answer is not wanted. */
  return(): Promise<IteratorResult<unknown>> {
    this.#abort(new Error('stream abandoned by its reader'));
    this.#queue.length = 0;
    return Promise.resolve({ done: true, value: undefined });
  }

  onConnect(abort: (error: Error) => void): void {
    this.#abortRequest = abort;
    // Aborted or abandoned before undici started it: it must not run.
    if (this.#ended) abort(new Error('request aborted before it started'));
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true; // informational: the answer's own status follows
    this.#status = statusCode;
    this.#rawHeaders = rawHeaders;
    this.#resume = resume;
    if (statusCode >= 300) this.#failedBody = [];
    return true;
  }

  onData(bytes: Buffer): boolean {
    if (this.#failedBody) {
      this.#failedBody.push(bytes);
      return true;
    }
    if (this.#done || this.#ended) return true; // after [DONE]: read to the end, as the SDK does
    for (const { data } of this.#decoder.decode(this.#text.write(bytes))) {
      if (data.startsWith('[DONE]')) {
        this.#done = true;
        return true;
      }
      let chunk: unknown;
      try {
        chunk = JSON.parse(data) as unknown;
      } catch (error) {
        this.#fail(error);
        return true;
      }
      if (isErrorEvent(chunk)) {
        this.#fail(
          new APIError(undefined, chunk.error, undefined, responseHeaders(this.#headers())),
        );
        return true;
      }
      this.#push({ chunk });
    }
    this.#paused = this.#queue.length >= PAUSE_AT;
    return !this.#paused;
  }

  onComplete(): void {
    if (this.#failedBody) {
      const text = Buffer.concat(this.#failedBody).toString('utf8');
      return this.#finish({ error: failedStatus(this.#status, text, this.#headers()) });
    }
    this.#finish(null);
  }

  onError(error: Error): void {
    if (this.#status === 0) return this.#finish({ error: connectionError(error) });
    // A failed status whose body could not be read: its error's message stands for the body.
    if (this.#failedBody)
      return this.#finish({ error: failedStatus(this.#status, error.message, this.#headers()) });
    this.#finish({ error });
  }

  #headers(): Dispatcher.ResponseData['headers'] {
    return util.parseHeaders(this.#rawHeaders);
  }

  /** A failure found in the body: the reader gets it after the chunks before it; the request stops. */
  #fail(error: unknown): void {
    this.#finish({ error });
    this.#abortRequest?.(error instanceof Error ? error : new Error(String(error)));
  }

  #abort(reason: unknown): void {
    if (this.#ended) return;
    const error = reason instanceof Error ? reason : new Error(String(reason));
    if (this.#abortRequest) this.#abortRequest(error);
    else this.#finish({ error: connectionError(error) });
  }

  #push(item: Queued): void {
    const waiting = this.#waiting;
    if (!waiting) return void this.#queue.push(item);
    this.#waiting = null;
    waiting(settled(item));
  }

  #finish(last: Queued | null): void {
    if (this.#ended) return;
    if (last) this.#push(last);
    this.#ended = true;
    this.#signal.removeEventListener('abort', this.#onAbort);
    const waiting = this.#waiting;
    this.#waiting = null;
    waiting?.(Promise.resolve({ done: true, value: undefined }));
  }
}

function settled(item: Queued): Promise<IteratorResult<unknown>> {
  return 'chunk' in item
    ? Promise.resolve({ done: false, value: item.chunk })
    : Promise.reject(item.error);
}

function isErrorEvent(chunk: unknown): chunk is { error: object } {
  return typeof chunk === 'object' && chunk !== null && 'error' in chunk && Boolean(chunk.error);
}
