/**
 * The streamed chat completion sent without the openai SDK (src/providers/openai/stream-completion.ts):
 * its server-sent-events reader on awkward bytes, and, on the same bytes from a raw HTTP server,
 * the same chunks and the same failures as the SDK's own `Stream`.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import type { APIError } from 'openai';
import OpenAI, { APIConnectionError } from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProviderError } from '../../src/llm/errors.js';
import { OpenAiProvider } from '../../src/providers/openai/index.js';
import { completionEndpoint } from '../../src/providers/openai/completion-request.js';
import { SseDecoder } from '../../src/providers/openai/sse.js';
import { streamCompletion } from '../../src/providers/openai/stream-completion.js';
import { openAiFetch } from '../../src/providers/openai/transport.js';
import { collect, expectFailure, live, requestFor, textOf, within } from './provider-contract.js';

const run = promisify(execFile);

function decodeAll(pieces: string[]): { event: string | null; data: string }[] {
  const decoder = new SseDecoder();
  return pieces.flatMap((piece) => decoder.decode(piece));
}

describe('SseDecoder', () => {
  it('joins lines split between pieces, at any byte', () => {
    const text = 'data: {"a":1}\n\ndata: {"b":2}\n\n';
    for (let cut = 1; cut < text.length; cut += 1) {
      expect(decodeAll([text.slice(0, cut), text.slice(cut)])).toEqual([
        { event: null, data: '{"a":1}' },
        { event: null, data: '{"b":2}' },
      ]);
    }
  });

  it('ends lines at CRLF, at a lone CR, and at a CRLF split between two pieces', () => {
    expect(decodeAll(['data: a\r\n\r\ndata: b\r\rdata: c\r', '\n\r', '\n'])).toEqual([
      { event: null, data: 'a' },
      { event: null, data: 'b' },
      { event: null, data: 'c' },
    ]);
  });

  it('skips comments and keep-alives, joins multi-line data, reads event names and bare fields', () => {
    expect(
      decodeAll([': keep-alive\n\n', ':\n', 'event: x\ndata:one\ndata:  two\ndata\nid: 3\n\n']),
    ).toEqual([{ event: 'x', data: 'one\n two\n' }]);
  });

  it('never dispatches an event the text ends in the middle of', () => {
    const decoder = new SseDecoder();
    expect(decoder.decode('data: {"a":1}\n\ndata: {"b"')).toEqual([
      { event: null, data: '{"a":1}' },
    ]);
    expect(decoder.decode(':2}\n')).toEqual([]);
  });
});

/** A server that answers every request with `pieces`, each written on its own, then ends or cuts. */
async function rawServer(pieces: (string | Buffer)[], end: 'end' | 'cut' = 'end'): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      void (async () => {
        for (const piece of pieces) {
          res.write(piece);
          // Separate network reads on the client, so the reader sees each piece on its own.
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
        if (end === 'end') res.end();
        else res.socket?.destroy();
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function baseURL(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}

const params = {
  model: 'gpt-4o-mini',
  messages: [{ role: 'user' as const, content: 'hi' }],
  stream: true as const,
  stream_options: { include_usage: true },
};

/** Chunks, or the error's class and message, as the SDK and as stream-completion.ts see them. */
async function bothWays(server: Server): Promise<{ sdk: unknown; ours: unknown }> {
  const client = new OpenAI({
    apiKey: 'k',
    baseURL: baseURL(server),
    maxRetries: 0,
    fetch: openAiFetch,
  });
  const outcome = async (chunks: () => Promise<AsyncIterable<unknown>>) => {
    const seen: unknown[] = [];
    try {
      for await (const chunk of await chunks()) seen.push(chunk);
      return { chunks: seen };
    } catch (error) {
      return {
        chunks: seen,
        error: (error as Error).constructor.name,
        message: (error as Error).message,
      };
    }
  };
  const endpoint = completionEndpoint(client);
  if (!endpoint) throw new Error('the test client has an API key');
  return {
    sdk: await within(outcome(() => client.chat.completions.create(params))),
    ours: await within(outcome(async () => streamCompletion(endpoint, params, live()))),
  };
}

const chunk = (content: string, finish: string | null = null) =>
  `data: ${JSON.stringify({ model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: finish }], usage: null })}`;
const usage = `data: ${JSON.stringify({ model: 'm', choices: [], usage: { prompt_tokens: 3, completion_tokens: 2 } })}`;

describe('streamCompletion, against the SDK on the same bytes', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = undefined;
  });

  it('reads a stream split mid-line and mid-character, with CRLF and keep-alives, as the SDK does', async () => {
    const text = `${chunk('Ré')}\r\n\r\n: ping\r\n\r\n${chunk('sumé ✓')}\r\n\r\n${chunk('', 'stop')}\n\n${usage}\n\ndata: [DONE]\n\n`;
    const bytes = Buffer.from(text, 'utf8');
    const e = bytes.indexOf(Buffer.from('é')) + 1; // inside the two bytes of the first é
    server = await rawServer([
      bytes.subarray(0, 7),
      bytes.subarray(7, e),
      bytes.subarray(e, 90),
      bytes.subarray(90),
    ]);
    const { sdk, ours } = await bothWays(server);
    expect(ours).toEqual(sdk);
    expect((ours as { chunks: unknown[] }).chunks).toHaveLength(4);
  });

  it('ignores what follows [DONE] and joins multi-line data, as the SDK does', async () => {
    server = await rawServer([
      `data: {"model":"m",\ndata: "choices":[{"index":0,"delta":{"content":"a"},"finish_reason":"stop"}]}\n\n`,
      'data: [DONE]\n\n',
      `${chunk('after')}\n\n`,
    ]);
    const { sdk, ours } = await bothWays(server);
    expect(ours).toEqual(sdk);
    expect((ours as { chunks: unknown[] }).chunks).toHaveLength(1);
  });

  it('throws an error object sent in the stream as the SDK does: an APIError without a status', async () => {
    server = await rawServer([
      `${chunk('a')}\n\n`,
      `data: ${JSON.stringify({ error: { message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' } })}\n\n`,
    ]);
    const { sdk, ours } = await bothWays(server);
    expect(ours).toEqual(sdk);
    expect(ours).toMatchObject({ error: 'APIError', message: 'slow down' });
  });

  it('throws on data that is not JSON, as the SDK does', async () => {
    server = await rawServer([`${chunk('a')}\n\n`, 'data: {"cut\n\n']);
    const { sdk, ours } = await bothWays(server);
    expect(ours).toEqual(sdk);
    expect(ours).toMatchObject({ error: 'SyntaxError' });
  });

  it('drops an event the body ends in the middle of, as the SDK does', async () => {
    server = await rawServer([`${chunk('a')}\n\n`, chunk('b', 'stop')]);
    const { sdk, ours } = await bothWays(server);
    expect(ours).toEqual(sdk);
    expect((ours as { chunks: unknown[] }).chunks).toHaveLength(1);
  });

  it("streams through Node's own undici, the global dispatcher of a process that called fetch first", async () => {
    server = await rawServer([`${chunk('a')}\n\n`, `${chunk('b', 'stop')}\n\ndata: [DONE]\n\n`]);
    // A process of its own: the first of fetch and the undici package to load installs its Agent
    // as the global dispatcher, and here fetch must come first (Node 20 bundles undici 6).
    const script = `
      const base = ${JSON.stringify(baseURL(server))};
      await fetch(base + '/models').then((response) => response.text());
      const { streamCompletion } = await import(${JSON.stringify(new URL('../../src/providers/openai/stream-completion.ts', import.meta.url).href)});
      const url = new URL(base + '/chat/completions');
      const endpoint = { url: url.href, origin: url.origin, path: url.pathname, headers: { 'content-type': 'application/json' } };
      const chunks = [];
      for await (const chunk of streamCompletion(endpoint, {}, new AbortController().signal)) chunks.push(chunk);
      console.log(JSON.stringify(chunks.map((c) => c.choices[0].delta.content)));`;
    const { stdout } = await run(process.execPath, [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      script,
    ]);
    expect(JSON.parse(stdout)).toEqual(['a', 'b']);
  });
});

describe('OpenAiProvider.stream without the SDK', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = undefined;
  });
  const provider = (s: Server) =>
    new OpenAiProvider({ name: 'openai', apiKey: 'k', baseURL: baseURL(s) });

  it('yields the deltas, the finish reason and the server usage from split bytes', async () => {
    const text = `${chunk('Ré')}\r\n\r\n${chunk('sumé')}\r\n\r\n${chunk('', 'length')}\r\n\r\n${usage}\r\n\r\ndata: [DONE]\r\n\r\n`;
    const bytes = Buffer.from(text, 'utf8');
    server = await rawServer([bytes.subarray(0, 50), bytes.subarray(50, 51), bytes.subarray(51)]);
    const { parts, error } = await within(
      collect(provider(server).stream(requestFor('m'), live())),
    );
    expect(error).toBeUndefined();
    expect(textOf(parts)).toBe('Résumé');
    expect(parts.at(-1)).toEqual({
      type: 'finish',
      finishReason: 'length',
      usage: { inputTokens: 3, outputTokens: 2 },
      model: 'm',
    });
  });

  it('a body cut by the network mid-line is unavailable, after the deltas already yielded', async () => {
    server = await rawServer([`${chunk('a')}\n\n`, 'data: {"model":"m","cho'], 'cut');
    const { parts, error } = await within(
      collect(provider(server).stream(requestFor('m'), live())),
    );
    expect(textOf(parts)).toBe('a');
    expectFailure(error, 'unavailable');
  });

  it('a body that ends cleanly mid-event is unavailable: the answer never finished', async () => {
    server = await rawServer([`${chunk('a')}\n\n`, chunk('', 'stop')]);
    const { error } = await within(collect(provider(server).stream(requestFor('m'), live())));
    expectFailure(error, 'unavailable');
    expect((error as ProviderError).message).toMatch(/ended before the answer finished/);
  });

  it('an HTTP error before the stream is the SDK APIError for its status, mapped as before', async () => {
    server = createServer((req, res) => {
      req.resume();
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '2' });
      res.end(
        JSON.stringify({
          error: { message: 'slow', type: 'requests', code: 'rate_limit_exceeded' },
        }),
      );
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { error } = await within(collect(provider(server).stream(requestFor('m'), live())));
    expectFailure(error, 'rate-limited');
    expect(error.retryAfterMs).toBe(2_000);
    expect((error.cause as APIError).status).toBe(429);
  });

  it('a server that refuses the connection is an APIConnectionError, unavailable', async () => {
    const gone = await rawServer([]);
    const url = baseURL(gone);
    await new Promise((resolve) => gone.close(resolve));
    const lone = new OpenAiProvider({ name: 'openai', apiKey: 'k', baseURL: url });
    const { error } = await within(collect(lone.stream(requestFor('m'), live())));
    expectFailure(error, 'unavailable');
    expect(error.cause).toBeInstanceOf(APIConnectionError);
  });
});

describe('completionEndpoint', () => {
  it('sends what the SDK sends a server, and leaves credentials other than a plain key to the SDK', () => {
    const plain = new OpenAI({
      apiKey: 'sk-1',
      organization: 'org-1',
      project: 'proj-1',
      baseURL: 'http://model.test/v1',
    });
    expect(completionEndpoint(plain)).toEqual({
      url: 'http://model.test/v1/chat/completions',
      origin: 'http://model.test',
      path: '/v1/chat/completions',
      headers: expect.objectContaining({
        authorization: 'Bearer sk-1',
        'openai-organization': 'org-1',
        'openai-project': 'proj-1',
        'content-type': 'application/json',
      }) as unknown,
    });
    const admin = new OpenAI({
      apiKey: null,
      adminAPIKey: 'admin-1',
      baseURL: 'http://model.test/v1',
    });
    expect(completionEndpoint(admin)).toBeNull();
  });
});
