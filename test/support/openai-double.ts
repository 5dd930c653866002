/**
 * A real HTTP server that speaks OpenAI chat completions (JSON and SSE), scriptable per request,
 * so provider tests exercise the real SDK, real sockets and real cancellation.
 *
 *   const double = await startOpenAiDouble();
 *   double.enqueue({ kind: 'rate-limited', retryAfterSeconds: 2 });
 *   new OpenAiProvider({ name: 'openai', baseURL: double.url, apiKey: 'test' });
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedUsage {
  inputTokens: number;
  outputTokens: number;
}

/** What the double does with one request. Streamed or not follows the request's `stream`. */
export type OpenAiBehaviour =
  /**
   * Answer `text`, streamed in `chunks` deltas (default 3), `chunkDelayMs` apart; not streamed, the
   * whole answer after `chunks × chunkDelayMs`. `usage: null` never reports usage.
   */
  | {
      kind: 'text';
      text: string;
      chunks?: number;
      usage?: ScriptedUsage | null;
      finishReason?: string;
      model?: string;
      chunkDelayMs?: number;
    }
  /** Structured output: `value` serialised as the message content. */
  | { kind: 'json'; value: unknown; chunks?: number; usage?: ScriptedUsage }
  /** Valid JSON that ignores the requested schema. */
  | { kind: 'schema-violation'; value?: unknown }
  /** A refusal in the message (`message.refusal`), as structured outputs report one. */
  | { kind: 'model-refusal'; refusal: string }
  /** 429 with `Retry-After` as seconds, as an HTTP date, and/or `retry-after-ms`. */
  | {
      kind: 'rate-limited';
      retryAfterSeconds?: number;
      retryAfterDate?: Date;
      retryAfterMs?: number;
      code?: string;
    }
  /** An error status with OpenAI's error body. */
  | {
      kind: 'error';
      status: number;
      message?: string;
      type?: string;
      code?: string;
      headers?: Record<string, string>;
    }
  /** 400 from the content filter. */
  | { kind: 'content-filter' }
  /** Wait `ms` before the first byte, then behave as `then` (default: a short text). */
  | { kind: 'delay'; ms: number; then?: OpenAiBehaviour }
  /** Send `afterChunks` of the text's chunks, then destroy the socket. */
  | { kind: 'drop'; text: string; chunks: number; afterChunks: number }
  /** Send `afterChunks` of the text's chunks, then go silent with the connection open. */
  | { kind: 'stall'; text: string; chunks: number; afterChunks: number }
  /** Send `afterChunks` chunks, then an error event in the stream (`data: {"error": ...}`). */
  | {
      kind: 'stream-error';
      text: string;
      chunks: number;
      afterChunks: number;
      code?: string;
      type?: string;
    }
  /** A body (or SSE line) that is not JSON. */
  | { kind: 'malformed' }
  /** Never answer; the request ends only when the client gives up. */
  | { kind: 'hang' };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (undefined when it was not JSON). */
  body: ChatRequestBody | undefined;
  /** The behaviour the double chose for it. */
  behaviour: OpenAiBehaviour;
  /** `performance.now()` once its body had arrived, and when the first byte of the answer left: a client in this process times the hops with them. */
  receivedAt: number;
  answeredAt?: number;
}

/** The parts of the request body the double reads. */
export interface ChatRequestBody {
  model?: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  messages?: { role: string; content: unknown }[];
  response_format?: {
    type: string;
    json_schema?: { name: string; schema: unknown; strict?: boolean };
  };
  [key: string]: unknown;
}

export interface OpenAiDoubleOptions {
  /** Used when the queue is empty. Default: `{ kind: 'text', text: 'Hello from the double.' }`. */
  defaultBehaviour?: OpenAiBehaviour;
}

export interface OpenAiDouble {
  /** Base URL ending in `/v1`, for the SDK's `baseURL`. */
  readonly url: string;
  /** Queue behaviours, used one per request in order; the default applies when the queue is empty. */
  enqueue: (...behaviours: OpenAiBehaviour[]) => void;
  setDefault: (behaviour: OpenAiBehaviour) => void;
  /** Every chat-completions request received, in order. */
  readonly requests: RecordedRequest[];
  /** How many chat-completions requests arrived. */
  readonly calls: number;
  /** Requests whose client closed the socket before the response was complete. */
  readonly abortedRequests: RecordedRequest[];
  /** Resolves with the next (or an already recorded, not yet awaited) client abort. */
  waitForAbort: (timeoutMs?: number) => Promise<RecordedRequest>;
  close: () => Promise<void>;
}

const DEFAULT_BEHAVIOUR: OpenAiBehaviour = { kind: 'text', text: 'Hello from the double.' };

export async function startOpenAiDouble(options: OpenAiDoubleOptions = {}): Promise<OpenAiDouble> {
  const queue: OpenAiBehaviour[] = [];
  let fallback = options.defaultBehaviour ?? DEFAULT_BEHAVIOUR;
  const requests: RecordedRequest[] = [];
  const aborted: RecordedRequest[] = [];
  let abortsAwaited = 0;
  const abortWaiters: ((request: RecordedRequest) => void)[] = [];

  const recordAbort = (request: RecordedRequest): void => {
    aborted.push(request);
    const waiter = abortWaiters.shift();
    if (waiter) {
      abortsAwaited += 1;
      waiter(request);
    }
  };

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method !== 'POST' || !/^(\/v1)?\/chat\/completions$/.test(path)) {
      sendJson(res, 404, {
        error: {
          message: `no route for ${req.method} ${path}`,
          type: 'invalid_request_error',
          code: null,
        },
      });
      return;
    }
    let body: ChatRequestBody | undefined;
    try {
      body = JSON.parse(raw) as ChatRequestBody;
    } catch {
      body = undefined;
    }
    const behaviour = queue.shift() ?? fallback;
    const record: RecordedRequest = {
      method: req.method,
      path,
      headers: req.headers,
      body,
      behaviour,
      receivedAt: performance.now(),
    };
    requests.push(record);

    const exchange = new Exchange(
      res,
      () => recordAbort(record),
      () => (record.answeredAt ??= performance.now()),
    );
    await respond(exchange, behaviour, body ?? {});
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    enqueue: (...behaviours) => queue.push(...behaviours),
    setDefault: (behaviour) => {
      fallback = behaviour;
    },
    requests,
    get calls() {
      return requests.length;
    },
    abortedRequests: aborted,
    waitForAbort: (timeoutMs = 5_000) => {
      if (aborted.length > abortsAwaited) {
        const request = aborted[abortsAwaited];
        abortsAwaited += 1;
        if (request) return Promise.resolve(request);
      }
      return new Promise<RecordedRequest>((resolve, reject) => {
        const timer = setTimeout(() => {
          const index = abortWaiters.indexOf(waiter);
          if (index >= 0) abortWaiters.splice(index, 1);
          reject(new Error(`the double saw no client abort within ${timeoutMs} ms`));
        }, timeoutMs);
        const waiter = (request: RecordedRequest): void => {
          clearTimeout(timer);
          resolve(request);
        };
        abortWaiters.push(waiter);
      });
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** One response in progress, knowing whether the client went away before it was complete. */
class Exchange {
  closed = false;
  #dropping = false;

  constructor(
    readonly res: ServerResponse,
    onClientAbort: () => void,
    /** Called before every write (the first one marks when the answer started to leave). */
    private readonly onWrite: () => void,
  ) {
    res.on('close', () => {
      this.closed = true;
      if (!res.writableEnded && !this.#dropping) onClientAbort();
    });
  }

  /** Writes and waits until the bytes were handed to the socket. */
  async write(data: string): Promise<void> {
    if (this.closed) return;
    this.onWrite();
    await new Promise<void>((resolve) => this.res.write(data, () => resolve()));
  }

  /** Cuts the connection on purpose (not a client abort). */
  async drop(): Promise<void> {
    this.#dropping = true;
    // Let the bytes already written reach the client before the reset.
    await sleep(20);
    this.res.socket?.destroy();
    this.res.destroy();
  }

  async sleep(ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (!this.closed && Date.now() < end) await sleep(Math.min(20, end - Date.now()));
  }
}

async function respond(
  ex: Exchange,
  behaviour: OpenAiBehaviour,
  body: ChatRequestBody,
): Promise<void> {
  const streaming = body.stream === true;
  const includeUsage = body.stream_options?.include_usage === true;
  const model = typeof body.model === 'string' ? body.model : 'double-model';
  const res = ex.res;

  switch (behaviour.kind) {
    case 'text':
    case 'json':
    case 'schema-violation': {
      const text =
        behaviour.kind === 'text'
          ? behaviour.text
          : JSON.stringify(
              behaviour.kind === 'json'
                ? behaviour.value
                : (behaviour.value ?? { unexpected: 'this is not what the schema asked for' }),
            );
      const chunks = behaviour.kind === 'schema-violation' ? 2 : (behaviour.chunks ?? 3);
      const usage = behaviour.kind === 'schema-violation' ? undefined : behaviour.usage;
      const answer: Answer = {
        text,
        chunks,
        usage: usage === null ? null : (usage ?? estimateUsage(body, text)),
        finishReason: behaviour.kind === 'text' ? (behaviour.finishReason ?? 'stop') : 'stop',
        model: behaviour.kind === 'text' ? (behaviour.model ?? model) : model,
        chunkDelayMs: behaviour.kind === 'text' ? (behaviour.chunkDelayMs ?? 0) : 0,
      };
      if (streaming) await streamAnswer(ex, answer, includeUsage);
      else {
        // A model takes as long to write an answer it returns whole as one it streams.
        if (answer.chunkDelayMs > 0) await ex.sleep(answer.chunks * answer.chunkDelayMs);
        if (!ex.closed) sendJson(res, 200, completion(answer));
      }
      return;
    }
    case 'model-refusal': {
      if (streaming) {
        startSse(res);
        await ex.write(sse(chunk(model, { role: 'assistant', refusal: behaviour.refusal }, null)));
        await ex.write(sse(chunk(model, {}, 'stop')));
        await ex.write('data: [DONE]\n\n');
        res.end();
      } else {
        sendJson(res, 200, {
          ...completion({
            text: '',
            chunks: 1,
            usage: { inputTokens: 5, outputTokens: 3 },
            finishReason: 'stop',
            model,
            chunkDelayMs: 0,
          }),
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: null, refusal: behaviour.refusal },
              finish_reason: 'stop',
              logprobs: null,
            },
          ],
        });
      }
      return;
    }
    case 'rate-limited': {
      const headers: Record<string, string> = {};
      if (behaviour.retryAfterSeconds !== undefined)
        headers['retry-after'] = String(behaviour.retryAfterSeconds);
      if (behaviour.retryAfterDate !== undefined)
        headers['retry-after'] = behaviour.retryAfterDate.toUTCString();
      if (behaviour.retryAfterMs !== undefined)
        headers['retry-after-ms'] = String(behaviour.retryAfterMs);
      sendJson(
        res,
        429,
        {
          error: {
            message: 'Rate limit reached for requests',
            type: 'requests',
            param: null,
            code: behaviour.code ?? 'rate_limit_exceeded',
          },
        },
        headers,
      );
      return;
    }
    case 'error': {
      const type =
        behaviour.type ?? (behaviour.status >= 500 ? 'server_error' : 'invalid_request_error');
      sendJson(
        res,
        behaviour.status,
        {
          error: {
            message: behaviour.message ?? `scripted ${behaviour.status}`,
            type,
            param: null,
            code: behaviour.code ?? null,
          },
        },
        behaviour.headers ?? {},
      );
      return;
    }
    case 'content-filter': {
      sendJson(res, 400, {
        error: {
          message:
            'The response was filtered due to the prompt triggering the content management policy.',
          type: 'invalid_request_error',
          param: 'prompt',
          code: 'content_filter',
        },
      });
      return;
    }
    case 'delay': {
      await ex.sleep(behaviour.ms);
      if (ex.closed) return;
      await respond(ex, behaviour.then ?? DEFAULT_BEHAVIOUR, body);
      return;
    }
    case 'drop':
    case 'stall':
    case 'stream-error': {
      const parts = split(behaviour.text, behaviour.chunks).slice(0, behaviour.afterChunks);
      if (!streaming) {
        if (behaviour.kind === 'stall') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.flushHeaders();
          return;
        }
        if (behaviour.kind === 'stream-error') {
          sendJson(res, 500, {
            error: {
              message: 'scripted server error',
              type: behaviour.type ?? 'server_error',
              param: null,
              code: behaviour.code ?? null,
            },
          });
          return;
        }
        // Promise a whole body, deliver half of it, hang up.
        const full = JSON.stringify(
          completion({
            text: behaviour.text,
            chunks: 1,
            usage: null,
            finishReason: 'stop',
            model,
            chunkDelayMs: 0,
          }),
        );
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(full)),
        });
        await ex.write(full.slice(0, Math.floor(full.length / 2)));
        await ex.drop();
        return;
      }
      startSse(res);
      await ex.write(sse(chunk(model, { role: 'assistant', content: '' }, null, includeUsage)));
      for (const part of parts)
        await ex.write(sse(chunk(model, { content: part }, null, includeUsage)));
      if (behaviour.kind === 'drop') await ex.drop();
      if (behaviour.kind === 'stream-error') {
        await ex.write(
          sse({
            error: {
              message: 'The server had an error while processing your request.',
              type: behaviour.type ?? 'server_error',
              param: null,
              code: behaviour.code ?? null,
            },
          }),
        );
        res.end();
      }
      return; // 'stall': keep the connection open and say nothing more
    }
    case 'malformed': {
      if (streaming) {
        startSse(res);
        await ex.write(sse(chunk(model, { role: 'assistant', content: '' }, null, includeUsage)));
        await ex.write(
          'data: {"id": "chatcmpl-double", "choices": [{"delta": {"content": "unterminated\n\n',
        );
        await ex.write('data: [DONE]\n\n');
        res.end();
      } else {
        const text =
          '{"id": "chatcmpl-double", "object": "chat.completion", "choices": [{"message": ';
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(text)),
        });
        res.end(text);
      }
      return;
    }
    case 'hang':
      return;
  }
}

interface Answer {
  text: string;
  chunks: number;
  usage: ScriptedUsage | null;
  finishReason: string;
  model: string;
  chunkDelayMs: number;
}

async function streamAnswer(ex: Exchange, answer: Answer, includeUsage: boolean): Promise<void> {
  const res = ex.res;
  startSse(res);
  await ex.write(sse(chunk(answer.model, { role: 'assistant', content: '' }, null, includeUsage)));
  for (const part of split(answer.text, answer.chunks)) {
    if (answer.chunkDelayMs > 0) await ex.sleep(answer.chunkDelayMs);
    await ex.write(sse(chunk(answer.model, { content: part }, null, includeUsage)));
  }
  await ex.write(sse(chunk(answer.model, {}, answer.finishReason, includeUsage)));
  if (includeUsage && answer.usage) {
    await ex.write(sse({ ...envelope(answer.model), choices: [], usage: wireUsage(answer.usage) }));
  }
  await ex.write('data: [DONE]\n\n');
  if (!ex.closed) res.end();
}

function completion(answer: Answer): Record<string, unknown> {
  return {
    ...envelope(answer.model, 'chat.completion'),
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: answer.text, refusal: null },
        finish_reason: answer.finishReason,
        logprobs: null,
      },
    ],
    ...(answer.usage ? { usage: wireUsage(answer.usage) } : {}),
  };
}

function chunk(
  model: string,
  delta: Record<string, unknown>,
  finishReason: string | null,
  includeUsage = false,
): Record<string, unknown> {
  return {
    ...envelope(model),
    choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
    // With include_usage, OpenAI sends `usage: null` on every chunk but the last.
    ...(includeUsage ? { usage: null } : {}),
  };
}

function envelope(model: string, object = 'chat.completion.chunk'): Record<string, unknown> {
  return {
    id: 'chatcmpl-double',
    object,
    created: Math.floor(Date.now() / 1000),
    model,
    system_fingerprint: 'fp_double',
  };
}

function wireUsage(usage: ScriptedUsage): Record<string, number> {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

function estimateUsage(body: ChatRequestBody, text: string): ScriptedUsage {
  const prompt = (body.messages ?? [])
    .map((m) => (typeof m.content === 'string' ? m.content : ''))
    .join('\n');
  return {
    inputTokens: Math.max(1, Math.ceil(prompt.length / 4)),
    outputTokens: Math.max(1, Math.ceil(text.length / 4)),
  };
}

/** Splits text into `n` pieces of near-equal length, never inside a code point. */
export function split(text: string, n: number): string[] {
  const chars = Array.from(text);
  const count = Math.max(1, Math.min(n, chars.length));
  const parts: string[] = [];
  for (let i = 0; i < count; i += 1) {
    parts.push(
      chars
        .slice(Math.floor((i * chars.length) / count), Math.floor(((i + 1) * chars.length) / count))
        .join(''),
    );
  }
  return parts;
}

function startSse(res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  res.flushHeaders();
}

function sse(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const piece of req) chunks.push(piece as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
