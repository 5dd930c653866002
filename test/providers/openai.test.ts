import { countTokens } from '../../src/llm/tokens.js';
import { toPublicError } from '../../src/llm/public-error.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { retryAfterMs } from '../../src/providers/openai/map-error.js';
import { OpenAiProvider } from '../../src/providers/openai/index.js';
import { startOpenAiDouble } from '../support/openai-double.js';
import type { OpenAiDouble } from '../support/openai-double.js';
import {
  collect,
  expectFailure,
  failureOf,
  FORMAT,
  live,
  requestFor,
  runProviderContract,
  within,
} from './provider-contract.js';

runProviderContract('openai', async ({ timeoutMs }) => {
  const double = await startOpenAiDouble();
  const provider = new OpenAiProvider({
    name: 'openai',
    apiKey: 'sk-test',
    baseURL: double.url,
    timeoutMs,
  });
  return { provider, double, close: () => double.close() };
});

describe('OpenAiProvider specifics', () => {
  let double: OpenAiDouble;
  let provider: OpenAiProvider;
  const request = requestFor('gpt-4o-mini');

  beforeEach(async () => {
    double = await startOpenAiDouble();
    provider = new OpenAiProvider({
      name: 'local-vllm',
      apiKey: 'sk-test',
      baseURL: double.url,
      thirdParty: false,
    });
  });
  afterEach(() => double.close());

  it('sends the chat request: model, messages, temperature, token limit, bearer key', async () => {
    await within(provider.generate(request, live()));
    const [sent] = double.requests;
    expect(sent?.path).toBe('/v1/chat/completions');
    expect(sent?.headers.authorization).toBe('Bearer sk-test');
    expect(sent?.body).toMatchObject({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are a terse incident assistant.' },
        { role: 'user', content: 'Summarise the outage.' },
      ],
      temperature: 0.2,
      max_completion_tokens: 256,
    });
    expect(sent?.body?.stream).toBeUndefined();
    expect(sent?.body?.response_format).toBeUndefined();
  });

  it('asks for strict json_schema structured output', async () => {
    double.enqueue({ kind: 'json', value: { severity: 'low', summary: 's', steps: [] } });
    await within(provider.generate({ ...request, responseFormat: FORMAT }, live()));
    expect(double.requests[0]?.body?.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: FORMAT.name, schema: FORMAT.schema, strict: true },
    });
  });

  it('streams with stream_options.include_usage', async () => {
    await within(collect(provider.stream(request, live())));
    expect(double.requests[0]?.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('reports the model the server answered with', async () => {
    double.enqueue(
      { kind: 'text', text: 'hi', model: 'gpt-4o-mini-2024-07-18' },
      { kind: 'text', text: 'hi', model: 'gpt-4o-mini-2024-07-18' },
    );
    expect((await within(provider.generate(request, live()))).model).toBe('gpt-4o-mini-2024-07-18');
    const { parts } = await within(collect(provider.stream(request, live())));
    expect(parts.at(-1)).toMatchObject({ type: 'finish', model: 'gpt-4o-mini-2024-07-18' });
  });

  it('uses the default model when the request names none', async () => {
    const withDefault = new OpenAiProvider({
      name: 'openai',
      apiKey: 'k',
      baseURL: double.url,
      defaultModel: 'gpt-4.1-nano',
    });
    await within(withDefault.generate({ ...request, model: '' }, live()));
    expect(double.requests[0]?.body?.model).toBe('gpt-4.1-nano');
  });

  it('also answers on a base URL without /v1', async () => {
    const bare = new OpenAiProvider({
      name: 'local-vllm',
      apiKey: 'k',
      baseURL: double.url.replace(/\/v1$/, ''),
    });
    expect((await within(bare.generate(request, live()))).text).toBe('Hello from the double.');
    expect(double.requests[0]?.path).toBe('/chat/completions');
  });

  it('counts usage with the tokenizer when the server sends none', async () => {
    const text = 'x'.repeat(40);
    double.enqueue({ kind: 'text', text, usage: null }, { kind: 'text', text, usage: null });
    const prompt = request.messages.map((m) => m.content).join('\n');
    const expected = { inputTokens: countTokens(prompt), outputTokens: countTokens(text) };
    expect((await within(provider.generate(request, live()))).usage).toEqual(expected);
    const { parts } = await within(collect(provider.stream(request, live())));
    expect(parts.filter((p) => p.type === 'finish')).toEqual([
      expect.objectContaining({ usage: expected }),
    ]);
  });

  it('maps finish_reason length and content_filter', async () => {
    double.enqueue(
      { kind: 'text', text: 'cut', finishReason: 'length' },
      { kind: 'text', text: '', finishReason: 'content_filter' },
    );
    expect((await within(provider.generate(request, live()))).finishReason).toBe('length');
    expect((await within(provider.generate(request, live()))).finishReason).toBe('content-filter');
  });

  it('maps a content-filter 400 to refused', async () => {
    double.enqueue({ kind: 'content-filter' });
    const error = await failureOf(provider.generate(request, live()));
    expectFailure(error, 'refused');
    expect(error.retryable).toBe(false);
  });

  it('maps a structured-output refusal to refused (generate and stream)', async () => {
    double.enqueue(
      { kind: 'model-refusal', refusal: 'I cannot help with that.' },
      { kind: 'model-refusal', refusal: 'No.' },
    );
    expectFailure(
      await failureOf(provider.generate({ ...request, responseFormat: FORMAT }, live())),
      'refused',
    );
    const { error } = await within(
      collect(provider.stream({ ...request, responseFormat: FORMAT }, live())),
    );
    expectFailure(error, 'refused');
  });

  it('passes schema-violating JSON through: the caller validates the shape', async () => {
    double.enqueue({ kind: 'schema-violation' });
    const result = await within(provider.generate({ ...request, responseFormat: FORMAT }, live()));
    expect(JSON.parse(result.text)).toEqual({
      unexpected: 'this is not what the schema asked for',
    });
  });

  it('maps structured output that is not JSON to bad-output', async () => {
    double.enqueue(
      { kind: 'text', text: 'Sure! Here is the JSON: {' },
      { kind: 'text', text: '{"severity": "lo', finishReason: 'length' },
    );
    expectFailure(
      await failureOf(provider.generate({ ...request, responseFormat: FORMAT }, live())),
      'bad-output',
    );
    const { error } = await within(
      collect(provider.stream({ ...request, responseFormat: FORMAT }, live())),
    );
    expectFailure(error, 'bad-output');
  });

  it('prefers retry-after-ms to Retry-After', async () => {
    double.enqueue({ kind: 'rate-limited', retryAfterSeconds: 20, retryAfterMs: 1_500 });
    const error = await failureOf(provider.generate(request, live()));
    expectFailure(error, 'rate-limited');
    expect(error.retryAfterMs).toBe(1_500);
    // What a client sees: the gateway rounds the hint up to whole seconds.
    expect(toPublicError(error).details).toMatchObject({
      provider: 'local-vllm',
      retryAfterSeconds: 2,
    });
  });

  it('maps an exhausted quota (429 insufficient_quota) to unavailable, not rate-limited', async () => {
    double.enqueue({ kind: 'rate-limited', code: 'insufficient_quota' });
    expectFailure(await failureOf(provider.generate(request, live())), 'unavailable');
  });

  it('maps 408 and 504 to timeout, 401 and 404 to bad-request, and keeps a 503 Retry-After', async () => {
    double.enqueue(
      { kind: 'error', status: 408 },
      { kind: 'error', status: 504 },
      { kind: 'error', status: 401, type: 'invalid_request_error', code: 'invalid_api_key' },
      { kind: 'error', status: 404, code: 'model_not_found' },
      { kind: 'error', status: 503, headers: { 'retry-after': '4' } },
    );
    expectFailure(await failureOf(provider.generate(request, live())), 'timeout');
    expectFailure(await failureOf(provider.generate(request, live())), 'timeout');
    expectFailure(await failureOf(provider.generate(request, live())), 'bad-request');
    expectFailure(await failureOf(provider.generate(request, live())), 'bad-request');
    const unavailable = await failureOf(provider.generate(request, live()));
    expectFailure(unavailable, 'unavailable');
    expect(unavailable.retryAfterMs).toBe(4_000);
  });

  it('maps a rate-limit error event inside the stream to rate-limited', async () => {
    double.enqueue({
      kind: 'stream-error',
      text: 'abcd',
      chunks: 2,
      afterChunks: 1,
      code: 'rate_limit_exceeded',
      type: 'requests',
    });
    const { error } = await within(collect(provider.stream(request, live())));
    expectFailure(error, 'rate-limited');
  });

  it('names itself and its trust boundary', () => {
    expect(provider.name).toBe('local-vllm');
    expect(provider.thirdParty).toBe(false);
    expect(new OpenAiProvider({ name: 'openai', apiKey: 'k' }).thirdParty).toBe(true);
  });
});

describe('retryAfterMs', () => {
  const headers = (init: Record<string, string>) => new Headers(init);
  it('reads seconds, milliseconds and HTTP dates', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs(headers({ 'retry-after': '7' }), now)).toBe(7_000);
    expect(retryAfterMs(headers({ 'retry-after': '0.5' }), now)).toBe(500);
    expect(retryAfterMs(headers({ 'retry-after-ms': '250', 'retry-after': '9' }), now)).toBe(250);
    expect(retryAfterMs(headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:12 GMT' }), now)).toBe(
      12_000,
    );
    expect(retryAfterMs(headers({ 'retry-after': 'Wed, 31 Dec 2025 23:59:00 GMT' }), now)).toBe(0);
    expect(retryAfterMs(headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(retryAfterMs(headers({}), now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});
