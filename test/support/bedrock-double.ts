/**
 * A real HTTP server that speaks Bedrock Runtime's Converse (JSON) and ConverseStream (AWS
 * event-stream binary frames), scriptable per request. The SDK reaches it through `endpoint`
 * with dummy static credentials; the double does not check signatures.
 *
 * It speaks HTTP/2 (cleartext, prior knowledge), because that is what the Bedrock Runtime client
 * uses by default (`NodeHttp2Handler`): the provider is tested on the transport it runs on.
 *
 *   const double = await startBedrockDouble();
 *   new BedrockProvider({ name: 'bedrock', endpoint: double.url, region: 'us-east-1',
 *     credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } });
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http2';
import type {
  Http2Server,
  Http2ServerRequest,
  Http2ServerResponse,
  Http2Session,
  IncomingHttpHeaders,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { EventStreamCodec } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/core/serde';

export interface ScriptedUsage {
  inputTokens: number;
  outputTokens: number;
}

/** What the double does with one request. Converse or ConverseStream follows the path. */
export type BedrockBehaviour =
  /** Answer `text` (as text blocks), streamed in `chunks` deltas (default 3). `usage: null` omits usage. */
  | {
      kind: 'text';
      text: string;
      chunks?: number;
      usage?: ScriptedUsage | null;
      stopReason?: string;
    }
  /** Structured output: a call of the request's tool with `value` as its input (plain text when no tool). */
  | { kind: 'json'; value: unknown; chunks?: number; usage?: ScriptedUsage }
  /** A tool call whose input ignores the schema. */
  | { kind: 'schema-violation'; value?: unknown }
  /** 429 ThrottlingException, optionally with `Retry-After`. */
  | {
      kind: 'rate-limited';
      retryAfterSeconds?: number;
      retryAfterDate?: Date;
      retryAfterMs?: number;
    }
  /** An error status; `errorType` defaults from the status (500 InternalServerException, 503 ServiceUnavailableException...). */
  | {
      kind: 'error';
      status: number;
      errorType?: string;
      message?: string;
      headers?: Record<string, string>;
    }
  /** Wait `ms` before the first byte, then behave as `then` (default: a short text). */
  | { kind: 'delay'; ms: number; then?: BedrockBehaviour }
  /** Send `afterChunks` of the text's deltas, then destroy the socket. */
  | { kind: 'drop'; text: string; chunks: number; afterChunks: number }
  /** Send `afterChunks` of the text's deltas, then go silent with the connection open. */
  | { kind: 'stall'; text: string; chunks: number; afterChunks: number }
  /** Send `afterChunks` deltas, then an exception frame (default `modelStreamErrorException`). */
  | {
      kind: 'stream-error';
      text: string;
      chunks: number;
      afterChunks: number;
      exceptionType?: string;
    }
  /** A body (or an event payload) that is not JSON. */
  | { kind: 'malformed' }
  /** Never answer; the request ends only when the client gives up. */
  | { kind: 'hang' };

export interface RecordedRequest {
  method: string;
  path: string;
  operation: 'converse' | 'converse-stream';
  modelId: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (undefined when it was not JSON). */
  body: ConverseRequestBody | undefined;
  behaviour: BedrockBehaviour;
}

/** The parts of a Converse request body the double reads. */
export interface ConverseRequestBody {
  messages?: { role: string; content: { text?: string }[] }[];
  system?: { text?: string }[];
  inferenceConfig?: { maxTokens?: number; temperature?: number };
  toolConfig?: {
    tools?: {
      toolSpec?: { name?: string; description?: string; inputSchema?: { json?: unknown } };
    }[];
    toolChoice?: { tool?: { name?: string }; any?: object; auto?: object };
  };
  [key: string]: unknown;
}

export interface BedrockDoubleOptions {
  /** Used when the queue is empty. Default: `{ kind: 'text', text: 'Hello from the double.' }`. */
  defaultBehaviour?: BedrockBehaviour;
}

export interface BedrockDouble {
  /** The endpoint URL for the SDK's `endpoint` option. */
  readonly url: string;
  enqueue: (...behaviours: BedrockBehaviour[]) => void;
  setDefault: (behaviour: BedrockBehaviour) => void;
  readonly requests: RecordedRequest[];
  readonly calls: number;
  /** Requests whose client closed the socket before the response was complete. */
  readonly abortedRequests: RecordedRequest[];
  /** Resolves with the next (or an already recorded, not yet awaited) client abort. */
  waitForAbort: (timeoutMs?: number) => Promise<RecordedRequest>;
  close: () => Promise<void>;
}

const DEFAULT_BEHAVIOUR: BedrockBehaviour = { kind: 'text', text: 'Hello from the double.' };
const codec = new EventStreamCodec(toUtf8, fromUtf8);

const ERROR_TYPE_OF_STATUS: Record<number, string> = {
  400: 'ValidationException',
  403: 'AccessDeniedException',
  404: 'ResourceNotFoundException',
  408: 'ModelTimeoutException',
  424: 'ModelErrorException',
  429: 'ThrottlingException',
  500: 'InternalServerException',
  503: 'ServiceUnavailableException',
};

export async function startBedrockDouble(
  options: BedrockDoubleOptions = {},
): Promise<BedrockDouble> {
  const queue: BedrockBehaviour[] = [];
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

  const sessions = new Set<Http2Session>();
  const server: Http2Server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });
  server.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', () => undefined);
  });

  async function handle(req: Http2ServerRequest, res: Http2ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = /^\/model\/([^/]+)\/(converse|converse-stream)$/.exec(path);
    if (req.method !== 'POST' || !route?.[1] || !route[2]) {
      sendError(res, 404, 'UnknownOperationException', `no route for ${req.method} ${path}`);
      return;
    }
    let body: ConverseRequestBody | undefined;
    try {
      body = JSON.parse(raw) as ConverseRequestBody;
    } catch {
      body = undefined;
    }
    const behaviour = queue.shift() ?? fallback;
    const record: RecordedRequest = {
      method: req.method,
      path,
      operation: route[2] as RecordedRequest['operation'],
      modelId: decodeURIComponent(route[1]),
      headers: req.headers,
      body,
      behaviour,
    };
    requests.push(record);
    const exchange = new Exchange(res, () => recordAbort(record));
    await respond(exchange, behaviour, body ?? {}, record.operation === 'converse-stream');
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
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
      for (const session of sessions) session.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** One response in progress, knowing whether the client went away before it was complete. */
class Exchange {
  closed = false;
  #dropping = false;

  constructor(
    readonly res: Http2ServerResponse,
    onClientAbort: () => void,
  ) {
    res.on('close', () => {
      this.closed = true;
      if (!res.writableEnded && !this.#dropping) onClientAbort();
    });
  }

  async write(data: string | Uint8Array): Promise<void> {
    if (this.closed) return;
    await new Promise<void>((resolve) => this.res.write(data, () => resolve()));
  }

  /** Cuts the connection (the whole HTTP/2 session) on purpose: not a client abort. */
  async drop(): Promise<void> {
    this.#dropping = true;
    await sleep(20);
    this.res.stream.session?.destroy();
  }

  async sleep(ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (!this.closed && Date.now() < end) await sleep(Math.min(20, end - Date.now()));
  }
}

async function respond(
  ex: Exchange,
  behaviour: BedrockBehaviour,
  body: ConverseRequestBody,
  streaming: boolean,
): Promise<void> {
  const res = ex.res;
  const tool = body.toolConfig?.tools?.[0]?.toolSpec?.name;

  switch (behaviour.kind) {
    case 'text':
    case 'json':
    case 'schema-violation': {
      const value =
        behaviour.kind === 'json'
          ? behaviour.value
          : behaviour.kind === 'schema-violation'
            ? (behaviour.value ?? { unexpected: 'this is not what the schema asked for' })
            : undefined;
      const asTool = behaviour.kind !== 'text' && tool !== undefined;
      const text = behaviour.kind === 'text' ? behaviour.text : JSON.stringify(value);
      const usage =
        behaviour.kind === 'schema-violation'
          ? estimateUsage(body, text)
          : behaviour.usage === null
            ? null
            : (behaviour.usage ?? estimateUsage(body, text));
      const answer: Answer = {
        text,
        chunks: behaviour.kind === 'schema-violation' ? 2 : (behaviour.chunks ?? 3),
        usage,
        stopReason:
          behaviour.kind === 'text'
            ? (behaviour.stopReason ?? 'end_turn')
            : asTool
              ? 'tool_use'
              : 'end_turn',
        tool: asTool ? { name: tool, input: value } : undefined,
      };
      if (streaming) await streamAnswer(ex, answer);
      else sendJson(res, 200, converseResponse(answer));
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
      sendError(
        res,
        429,
        'ThrottlingException',
        'Too many requests, please wait before trying again.',
        headers,
      );
      return;
    }
    case 'error': {
      const type =
        behaviour.errorType ??
        ERROR_TYPE_OF_STATUS[behaviour.status] ??
        (behaviour.status >= 500 ? 'InternalServerException' : 'ValidationException');
      sendError(
        res,
        behaviour.status,
        type,
        behaviour.message ?? `scripted ${behaviour.status}`,
        behaviour.headers ?? {},
      );
      return;
    }
    case 'delay': {
      await ex.sleep(behaviour.ms);
      if (ex.closed) return;
      await respond(ex, behaviour.then ?? DEFAULT_BEHAVIOUR, body, streaming);
      return;
    }
    case 'drop':
    case 'stall':
    case 'stream-error': {
      const parts = split(behaviour.text, behaviour.chunks).slice(0, behaviour.afterChunks);
      if (!streaming) {
        if (behaviour.kind === 'stall') {
          // writeHead sends the headers at once over HTTP/2: the client gets a 200 and then silence.
          res.writeHead(200, {
            'content-type': 'application/json',
            'x-amzn-requestid': randomUUID(),
          });
          return;
        }
        if (behaviour.kind === 'stream-error') {
          sendError(res, 500, 'InternalServerException', 'scripted internal error');
          return;
        }
        const full = JSON.stringify(
          converseResponse({
            text: behaviour.text,
            chunks: 1,
            usage: null,
            stopReason: 'end_turn',
            tool: undefined,
          }),
        );
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(full)),
          'x-amzn-requestid': randomUUID(),
        });
        await ex.write(full.slice(0, Math.floor(full.length / 2)));
        await ex.drop();
        return;
      }
      startStream(res);
      await ex.write(event('messageStart', { role: 'assistant' }));
      for (const part of parts)
        await ex.write(event('contentBlockDelta', { contentBlockIndex: 0, delta: { text: part } }));
      if (behaviour.kind === 'drop') await ex.drop();
      if (behaviour.kind === 'stream-error') {
        await ex.write(
          exception(
            behaviour.exceptionType ?? 'modelStreamErrorException',
            'The model stream failed.',
          ),
        );
        res.end();
      }
      return; // 'stall': keep the connection open and say nothing more
    }
    case 'malformed': {
      if (streaming) {
        startStream(res);
        await ex.write(event('messageStart', { role: 'assistant' }));
        await ex.write(
          frame(
            {
              ':message-type': 'event',
              ':event-type': 'contentBlockDelta',
              ':content-type': 'application/json',
            },
            '{"contentBlockIndex": 0, "delta": {"text": "unterminated',
          ),
        );
        res.end();
      } else {
        const text = '{"output": {"message": {"role": "assistant", "content": [{"text": ';
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(text)),
          'x-amzn-requestid': randomUUID(),
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
  stopReason: string;
  /** When set, the answer is a call of this tool with this input (and `text` is its JSON). */
  tool: { name: string; input: unknown } | undefined;
}

function converseResponse(answer: Answer): Record<string, unknown> {
  const content = answer.tool
    ? [
        {
          toolUse: {
            toolUseId: 'tooluse_double',
            name: answer.tool.name,
            input: answer.tool.input,
          },
        },
      ]
    : [{ text: answer.text }];
  return {
    output: { message: { role: 'assistant', content } },
    stopReason: answer.stopReason,
    ...(answer.usage ? { usage: wireUsage(answer.usage) } : {}),
    metrics: { latencyMs: 12 },
  };
}

async function streamAnswer(ex: Exchange, answer: Answer): Promise<void> {
  startStream(ex.res);
  await ex.write(event('messageStart', { role: 'assistant' }));
  if (answer.tool) {
    await ex.write(
      event('contentBlockStart', {
        contentBlockIndex: 0,
        start: { toolUse: { toolUseId: 'tooluse_double', name: answer.tool.name } },
      }),
    );
    for (const part of split(answer.text, answer.chunks)) {
      await ex.write(
        event('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: part } } }),
      );
    }
  } else {
    for (const part of split(answer.text, answer.chunks)) {
      await ex.write(event('contentBlockDelta', { contentBlockIndex: 0, delta: { text: part } }));
    }
  }
  await ex.write(event('contentBlockStop', { contentBlockIndex: 0 }));
  await ex.write(event('messageStop', { stopReason: answer.stopReason }));
  if (answer.usage)
    await ex.write(
      event('metadata', { usage: wireUsage(answer.usage), metrics: { latencyMs: 12 } }),
    );
  if (!ex.closed) ex.res.end();
}

function wireUsage(usage: ScriptedUsage): Record<string, number> {
  return {
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    totalTokens: usage.inputTokens + usage.outputTokens,
  };
}

function estimateUsage(body: ConverseRequestBody, text: string): ScriptedUsage {
  const prompt = [...(body.system ?? []), ...(body.messages ?? []).flatMap((m) => m.content)]
    .map((c) => c.text ?? '')
    .join('\n');
  return {
    inputTokens: Math.max(1, Math.ceil(prompt.length / 4)),
    outputTokens: Math.max(1, Math.ceil(text.length / 4)),
  };
}

/** One event-stream frame: string headers, a UTF-8 payload. */
function frame(headers: Record<string, string>, payload: string): Uint8Array {
  return codec.encode({
    headers: Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name, { type: 'string' as const, value }]),
    ),
    body: fromUtf8(payload),
  });
}

function event(type: string, payload: unknown): Uint8Array {
  return frame(
    { ':message-type': 'event', ':event-type': type, ':content-type': 'application/json' },
    JSON.stringify(payload),
  );
}

function exception(type: string, message: string): Uint8Array {
  return frame(
    { ':message-type': 'exception', ':exception-type': type, ':content-type': 'application/json' },
    JSON.stringify({ message }),
  );
}

/** Splits text into `n` pieces of near-equal length, never inside a code point. */
function split(text: string, n: number): string[] {
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

function startStream(res: Http2ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'application/vnd.amazon.eventstream',
    'x-amzn-requestid': randomUUID(),
  });
}

function sendJson(
  res: Http2ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    'x-amzn-requestid': randomUUID(),
    ...headers,
  });
  res.end(text);
}

/** AWS's restJson1 error: the type in `x-amzn-errortype`, the message in the body. */
function sendError(
  res: Http2ServerResponse,
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(
    res,
    status,
    { message },
    {
      'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
      ...headers,
    },
  );
}

async function readBody(req: Http2ServerRequest): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const piece of req) chunks.push(piece as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
