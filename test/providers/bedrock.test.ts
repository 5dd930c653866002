import { countTokens } from '../../src/llm/tokens.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/llm/errors.js';
import { BedrockProvider } from '../../src/providers/bedrock/index.js';
import { retryAfterMs } from '../../src/providers/bedrock/map-error.js';
import { toolName } from '../../src/providers/bedrock/provider.js';
import { startBedrockDouble } from '../support/bedrock-double.js';
import type { BedrockDouble } from '../support/bedrock-double.js';
import {
  collect,
  expectFailure,
  failureOf,
  FORMAT,
  live,
  requestFor,
  runProviderContract,
  textOf,
  within,
} from './provider-contract.js';

const MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';
const CREDENTIALS = { accessKeyId: 'AKIDDOUBLE', secretAccessKey: 'double-secret' };

function providerFor(double: BedrockDouble, timeoutMs?: number): BedrockProvider {
  return new BedrockProvider({
    name: 'bedrock',
    region: 'us-east-1',
    endpoint: double.url,
    credentials: CREDENTIALS,
    timeoutMs,
  });
}

runProviderContract('bedrock', async ({ timeoutMs }) => {
  const double = await startBedrockDouble();
  return {
    provider: providerFor(double, timeoutMs),
    double,
    model: MODEL,
    close: () => double.close(),
  };
});

describe('BedrockProvider specifics', () => {
  let double: BedrockDouble;
  let provider: BedrockProvider;
  const request = requestFor(MODEL);

  beforeEach(async () => {
    double = await startBedrockDouble();
    provider = providerFor(double);
  });
  afterEach(() => double.close());

  it('calls Converse for the model, with system messages in `system` and inference settings', async () => {
    await within(provider.generate(request, live()));
    const [sent] = double.requests;
    expect(sent?.operation).toBe('converse');
    expect(sent?.modelId).toBe(MODEL);
    expect(sent?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDDOUBLE\//);
    expect(sent?.body).toEqual({
      system: [{ text: 'You are a terse incident assistant.' }],
      messages: [{ role: 'user', content: [{ text: 'Summarise the outage.' }] }],
      inferenceConfig: { maxTokens: 256, temperature: 0.2 },
    });
  });

  it('calls ConverseStream for stream()', async () => {
    await within(collect(provider.stream(request, live())));
    expect(double.requests[0]?.operation).toBe('converse-stream');
  });

  it('folds neighbouring turns of one role together, as Converse requires alternation', async () => {
    await within(
      provider.generate(
        {
          ...request,
          messages: [
            { role: 'system', content: 'a' },
            { role: 'user', content: 'b' },
            { role: 'user', content: 'c' },
            { role: 'assistant', content: 'd' },
            { role: 'system', content: 'e' },
            { role: 'user', content: 'f' },
          ],
        },
        live(),
      ),
    );
    expect(double.requests[0]?.body).toMatchObject({
      system: [{ text: 'a' }, { text: 'e' }],
      messages: [
        { role: 'user', content: [{ text: 'b' }, { text: 'c' }] },
        { role: 'assistant', content: [{ text: 'd' }] },
        { role: 'user', content: [{ text: 'f' }] },
      ],
    });
  });

  it('asks for structured output with one tool, its schema as inputSchema, forced by toolChoice', async () => {
    double.enqueue({ kind: 'json', value: { severity: 'low', summary: 's', steps: [] } });
    await within(provider.generate({ ...request, responseFormat: FORMAT }, live()));
    expect(double.requests[0]?.body?.toolConfig).toEqual({
      tools: [
        {
          toolSpec: {
            name: 'incident_draft',
            description: expect.any(String),
            inputSchema: { json: FORMAT.schema },
          },
        },
      ],
      toolChoice: { tool: { name: 'incident_draft' } },
    });
  });

  it('makes tool names Bedrock accepts', () => {
    expect(toolName('incident draft.v2')).toBe('incident_draft_v2');
    expect(toolName('')).toBe('answer');
    expect(toolName('x'.repeat(80))).toHaveLength(64);
  });

  it('streams the tool input as JSON text', async () => {
    const value = { severity: 'high', summary: 'Disk full', steps: ['free space'] };
    double.enqueue({ kind: 'json', value, chunks: 6 });
    const { parts, error } = await within(
      collect(provider.stream({ ...request, responseFormat: FORMAT }, live())),
    );
    expect(error).toBeUndefined();
    expect(parts.filter((p) => p.type === 'text-delta').length).toBeGreaterThan(1);
    expect(JSON.parse(textOf(parts))).toEqual(value);
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' });
  });

  it('fails with bad-output when the model answers prose instead of calling the tool', async () => {
    double.enqueue(
      { kind: 'text', text: 'I would rather chat.' },
      { kind: 'text', text: 'I would rather chat.' },
    );
    expectFailure(
      await failureOf(provider.generate({ ...request, responseFormat: FORMAT }, live())),
      'bad-output',
    );
    expectFailure(
      (await within(collect(provider.stream({ ...request, responseFormat: FORMAT }, live()))))
        .error,
      'bad-output',
    );
  });

  it('passes schema-violating tool input through: the caller validates the shape', async () => {
    double.enqueue({ kind: 'schema-violation' });
    const result = await within(provider.generate({ ...request, responseFormat: FORMAT }, live()));
    expect(JSON.parse(result.text)).toEqual({
      unexpected: 'this is not what the schema asked for',
    });
  });

  it('maps stop reasons', async () => {
    double.enqueue(
      { kind: 'text', text: 'cut', stopReason: 'max_tokens' },
      { kind: 'text', text: '', stopReason: 'guardrail_intervened' },
      { kind: 'text', text: 'x', stopReason: 'malformed_model_output' },
    );
    expect((await within(provider.generate(request, live()))).finishReason).toBe('length');
    expect((await within(provider.generate(request, live()))).finishReason).toBe('content-filter');
    expectFailure(await failureOf(provider.generate(request, live())), 'bad-output');
  });

  it('counts usage with the tokenizer when metadata carries none', async () => {
    const text = 'y'.repeat(20);
    double.enqueue({ kind: 'text', text, usage: null });
    const { parts } = await within(collect(provider.stream(request, live())));
    const prompt = request.messages.map((m) => m.content).join('\n');
    expect(parts.at(-1)).toMatchObject({
      type: 'finish',
      usage: { inputTokens: countTokens(prompt), outputTokens: countTokens(text) },
    });
  });

  it('maps ThrottlingException without Retry-After to rate-limited with no hint', async () => {
    double.enqueue({ kind: 'rate-limited' });
    const error = await failureOf(provider.generate(request, live()));
    expectFailure(error, 'rate-limited');
    expect(error.retryAfterMs).toBeUndefined();
  });

  it('maps the modeled exceptions', async () => {
    const cases: [number, string | undefined, string][] = [
      [408, 'ModelTimeoutException', 'timeout'],
      [400, 'ValidationException', 'bad-request'],
      [403, 'AccessDeniedException', 'bad-request'],
      [404, 'ResourceNotFoundException', 'bad-request'],
      [424, 'ModelErrorException', 'unavailable'],
      [429, 'ModelNotReadyException', 'unavailable'],
      [500, 'InternalServerException', 'unavailable'],
      [503, 'ServiceUnavailableException', 'unavailable'],
      [400, 'ServiceQuotaExceededException', 'rate-limited'],
      [502, undefined, 'unavailable'],
    ];
    for (const [status, errorType] of cases)
      double.enqueue({ kind: 'error', status, ...(errorType ? { errorType } : {}) });
    for (const [status, errorType, failure] of cases) {
      const error = await failureOf(provider.generate(request, live()));
      expect(error.failure, `${status} ${errorType}`).toBe(failure);
    }
    // Not even ModelNotReadyException, which the SDK would otherwise retry on its own.
    expect(double.calls).toBe(cases.length);
  });

  it('maps exceptions inside the event stream', async () => {
    double.enqueue(
      {
        kind: 'stream-error',
        text: 'abcd',
        chunks: 2,
        afterChunks: 1,
        exceptionType: 'throttlingException',
      },
      {
        kind: 'stream-error',
        text: 'abcd',
        chunks: 2,
        afterChunks: 1,
        exceptionType: 'validationException',
      },
      {
        kind: 'stream-error',
        text: 'abcd',
        chunks: 2,
        afterChunks: 1,
        exceptionType: 'internalServerException',
      },
    );
    const failures: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const { parts, error } = await within(collect(provider.stream(request, live())));
      expect(textOf(parts)).toBe('ab');
      expect(ProviderError.isInstance(error), String(error)).toBe(true);
      failures.push((error as ProviderError).failure);
    }
    expect(failures).toEqual(['rate-limited', 'bad-request', 'unavailable']);
  });

  it('retries nothing itself (maxAttempts 1)', async () => {
    double.enqueue(
      { kind: 'error', status: 503 },
      { kind: 'rate-limited' },
      { kind: 'error', status: 500 },
    );
    for (let i = 0; i < 3; i += 1) await failureOf(provider.generate(request, live()));
    expect(double.calls).toBe(3);
  });

  it('names itself and its trust boundary', () => {
    expect(provider.name).toBe('bedrock');
    expect(provider.thirdParty).toBe(true);
    expect(
      new BedrockProvider({ name: 'bedrock-eu', region: 'eu-west-1', thirdParty: false })
        .thirdParty,
    ).toBe(false);
  });
});

describe('bedrock retryAfterMs', () => {
  it('reads seconds and HTTP dates from raw response headers', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs({ 'retry-after': '3' }, now)).toBe(3_000);
    expect(retryAfterMs({ 'Retry-After': 'Thu, 01 Jan 2026 00:00:05 GMT' }, now)).toBe(5_000);
    expect(retryAfterMs({ 'retry-after-ms': '40' }, now)).toBe(40);
    expect(retryAfterMs({}, now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});
