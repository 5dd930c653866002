/**
 * The contract every LLM provider passes, run against a real HTTP double of its vendor:
 *
 *   runProviderContract('openai', async ({ timeoutMs }) => {
 *     const double = await startOpenAiDouble();
 *     const provider = new OpenAiProvider({ name: 'openai', baseURL: double.url, apiKey: 'k', timeoutMs });
 *     return { provider, double, close: () => double.close() };
 *   });
 *
 * The gateway relies on exactly these promises: text and usage back, a stream of deltas that
 * ends in one `finish`, and every failure as a `ProviderError` whose `failure` it can act on.
 */
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/llm/errors.js';
import type { ProviderFailure } from '../../src/llm/errors.js';
import type { ModelProvider, ModelRequest, StreamPart } from '../../src/llm/spec.js';
import { until } from '../support/until.js';

export interface ScriptedUsage {
  inputTokens: number;
  outputTokens: number;
}

/** The behaviours every double understands (each double accepts more). */
export type ContractBehaviour =
  | { kind: 'text'; text: string; chunks?: number; usage?: ScriptedUsage }
  | { kind: 'json'; value: unknown; chunks?: number; usage?: ScriptedUsage }
  | {
      kind: 'rate-limited';
      retryAfterSeconds?: number;
      retryAfterMs?: number;
      retryAfterDate?: Date;
    }
  | { kind: 'error'; status: number }
  | { kind: 'delay'; ms: number; then?: ContractBehaviour }
  | { kind: 'drop'; text: string; chunks: number; afterChunks: number }
  | { kind: 'stall'; text: string; chunks: number; afterChunks: number }
  | { kind: 'stream-error'; text: string; chunks: number; afterChunks: number }
  | { kind: 'malformed' }
  | { kind: 'hang' };

export interface ContractDouble {
  enqueue: (...behaviours: ContractBehaviour[]) => void;
  readonly calls: number;
  /** Resolves once the double saw a client close its socket before the response was complete. */
  waitForAbort: (timeoutMs?: number) => Promise<unknown>;
}

export interface ContractHarness {
  provider: ModelProvider;
  double: ContractDouble;
  /** The model id to request (default `test-model`). */
  model?: string;
  close(): Promise<void>;
}

export interface ContractSetupOptions {
  /** The provider's timeout; undefined means the provider's default. */
  timeoutMs?: number;
}

/** Nothing in the contract may take longer than this: a hang is a failure, not a stuck run. */
const PROMPT_MS = 3_000;

export function runProviderContract(
  name: string,
  setup: (options: ContractSetupOptions) => Promise<ContractHarness>,
): void {
  async function withHarness(
    options: ContractSetupOptions,
    fn: (h: ContractHarness & { request: ModelRequest }) => Promise<void>,
  ): Promise<void> {
    const harness = await setup(options);
    try {
      await fn({ ...harness, request: requestFor(harness.model ?? 'test-model') });
    } finally {
      await harness.close();
    }
  }
  const run = (fn: (h: ContractHarness & { request: ModelRequest }) => Promise<void>) => () =>
    withHarness({}, fn);

  describe(`${name} provider contract`, () => {
    describe('generate', () => {
      it(
        'returns the text and the usage',
        run(async ({ provider, double, request }) => {
          double.enqueue({
            kind: 'text',
            text: 'The database is healthy again.',
            usage: { inputTokens: 21, outputTokens: 7 },
          });
          const result = await within(provider.generate(request, live()));
          expect(result.text).toBe('The database is healthy again.');
          expect(result.usage).toEqual({ inputTokens: 21, outputTokens: 7 });
          expect(result.finishReason).toBe('stop');
          expect(double.calls).toBe(1);
        }),
      );

      it(
        'returns structured output as JSON text that parses',
        run(async ({ provider, double, request }) => {
          const value = {
            severity: 'high',
            summary: 'Checkout is failing',
            steps: ['roll back', 'page on-call'],
          };
          double.enqueue({ kind: 'json', value });
          const result = await within(
            provider.generate({ ...request, responseFormat: FORMAT }, live()),
          );
          expect(JSON.parse(result.text)).toEqual(value);
        }),
      );
    });

    describe('stream', () => {
      it(
        'yields deltas whose concatenation is the text, then exactly one finish with usage',
        run(async ({ provider, double, request }) => {
          const text = 'Step one: drain the node. Step two: restart it.';
          double.enqueue({
            kind: 'text',
            text,
            chunks: 5,
            usage: { inputTokens: 30, outputTokens: 12 },
          });
          const { parts, error } = await within(collect(provider.stream(request, live())));
          expect(error).toBeUndefined();
          const deltas = parts.filter((p) => p.type === 'text-delta');
          expect(deltas.length).toBeGreaterThanOrEqual(2);
          expect(deltas.map((d) => d.text).join('')).toBe(text);
          const finishes = parts.filter((p) => p.type === 'finish');
          expect(finishes).toHaveLength(1);
          expect(parts.at(-1)).toEqual(
            expect.objectContaining({
              type: 'finish',
              finishReason: 'stop',
              usage: { inputTokens: 30, outputTokens: 12 },
            }),
          );
        }),
      );

      it(
        'streams structured output as JSON text that parses',
        run(async ({ provider, double, request }) => {
          const value = { severity: 'low', summary: 'A flaky test', steps: [] };
          double.enqueue({ kind: 'json', value, chunks: 4 });
          const { parts, error } = await within(
            collect(provider.stream({ ...request, responseFormat: FORMAT }, live())),
          );
          expect(error).toBeUndefined();
          expect(JSON.parse(textOf(parts))).toEqual(value);
          expect(parts.filter((p) => p.type === 'finish')).toHaveLength(1);
        }),
      );

      it(
        'raises unavailable from the iterator after the deltas already yielded when the connection drops',
        run(async ({ provider, double, request }) => {
          // Ten characters in five chunks: two characters each, so two chunks are 'Ab' + 'cd'.
          double.enqueue({ kind: 'drop', text: 'Abcdefghij', chunks: 5, afterChunks: 2 });
          const { parts, error } = await within(collect(provider.stream(request, live())));
          expect(textOf(parts)).toBe('Abcd');
          expect(parts.some((p) => p.type === 'finish')).toBe(false);
          expectFailure(error, 'unavailable');
          expect((error as ProviderError).retryable).toBe(true);
        }),
      );

      it(
        'raises unavailable when the server reports an error inside the stream',
        run(async ({ provider, double, request }) => {
          double.enqueue({ kind: 'stream-error', text: 'Abcdefghij', chunks: 5, afterChunks: 1 });
          const { parts, error } = await within(collect(provider.stream(request, live())));
          expect(textOf(parts)).toBe('Ab');
          expectFailure(error, 'unavailable');
        }),
      );

      it(
        'closes the upstream request when the consumer stops early',
        run(async ({ provider, double, request }) => {
          double.enqueue({ kind: 'stall', text: 'Abcdefghij', chunks: 5, afterChunks: 2 });
          for await (const part of provider.stream(request, live())) {
            expect(part.type).toBe('text-delta');
            break;
          }
          await double.waitForAbort(PROMPT_MS);
        }),
      );
    });

    describe('failures', () => {
      it(
        'maps 429 to rate-limited with the Retry-After hint (generate and stream)',
        run(async ({ provider, double, request }) => {
          double.enqueue(
            { kind: 'rate-limited', retryAfterSeconds: 2 },
            { kind: 'rate-limited', retryAfterSeconds: 3 },
          );
          const error = await failureOf(provider.generate(request, live()));
          expectFailure(error, 'rate-limited');
          expect(error.retryable).toBe(true);
          expect(error.retryAfterMs).toBe(2_000);
          const streamed = await within(collect(provider.stream(request, live())));
          expect(streamed.parts).toEqual([]);
          expectFailure(streamed.error, 'rate-limited');
          expect((streamed.error as ProviderError).retryAfterMs).toBe(3_000);
        }),
      );

      it(
        'reads Retry-After given as an HTTP date',
        run(async ({ provider, double, request }) => {
          double.enqueue({ kind: 'rate-limited', retryAfterDate: new Date(Date.now() + 30_000) });
          const error = await failureOf(provider.generate(request, live()));
          expectFailure(error, 'rate-limited');
          // HTTP dates have whole seconds: allow for the truncation and the time on the wire.
          expect(error.retryAfterMs).toBeGreaterThan(27_000);
          expect(error.retryAfterMs).toBeLessThanOrEqual(30_000);
        }),
      );

      it(
        'maps 503 and 500 to unavailable, retryable',
        run(async ({ provider, double, request }) => {
          double.enqueue(
            { kind: 'error', status: 503 },
            { kind: 'error', status: 500 },
            { kind: 'error', status: 503 },
          );
          for (const error of [
            await failureOf(provider.generate(request, live())),
            await failureOf(provider.generate(request, live())),
          ]) {
            expectFailure(error, 'unavailable');
            expect(error.retryable).toBe(true);
          }
          const streamed = await within(collect(provider.stream(request, live())));
          expectFailure(streamed.error, 'unavailable');
          expect(double.calls).toBe(3); // no hidden SDK retries
        }),
      );

      it(
        'maps a 400 to bad-request, not retryable',
        run(async ({ provider, double, request }) => {
          double.enqueue({ kind: 'error', status: 400 });
          const error = await failureOf(provider.generate(request, live()));
          expectFailure(error, 'bad-request');
          expect(error.retryable).toBe(false);
        }),
      );

      it(
        'maps a malformed body or stream to bad-output',
        run(async ({ provider, double, request }) => {
          double.enqueue({ kind: 'malformed' }, { kind: 'malformed' });
          expectFailure(await failureOf(provider.generate(request, live())), 'bad-output');
          const streamed = await within(collect(provider.stream(request, live())));
          expectFailure(streamed.error, 'bad-output');
          expect(streamed.parts.some((p) => p.type === 'finish')).toBe(false);
        }),
      );

      it(
        'maps a connection dropped mid-body to unavailable (generate)',
        run(async ({ provider, double, request }) => {
          double.enqueue({ kind: 'drop', text: 'Abcdefghij', chunks: 5, afterChunks: 2 });
          expectFailure(await failureOf(provider.generate(request, live())), 'unavailable');
        }),
      );

      it('maps a connection refused to unavailable', async () => {
        const harness = await setup({});
        await harness.close();
        const error = await failureOf(
          harness.provider.generate(requestFor(harness.model ?? 'test-model'), live()),
        );
        expectFailure(error, 'unavailable');
      });
    });

    describe('cancellation', () => {
      it(
        'aborting generate closes the upstream socket and throws cancelled promptly',
        run(async ({ provider, double, request }) => {
          double.enqueue({ kind: 'hang' });
          const controller = new AbortController();
          const pending = failureOf(provider.generate(request, controller.signal));
          await until('the request to reach the double', () => double.calls === 1, PROMPT_MS);
          const started = Date.now();
          controller.abort();
          const error = await pending;
          expectFailure(error, 'cancelled');
          expect(error.retryable).toBe(false);
          expect(Date.now() - started).toBeLessThan(1_000);
          await double.waitForAbort(PROMPT_MS);
        }),
      );

      it(
        'aborting mid-stream closes the upstream socket and throws cancelled from the iterator',
        run(async ({ provider, double, request }) => {
          double.enqueue({ kind: 'stall', text: 'Abcdefghij', chunks: 5, afterChunks: 2 });
          const controller = new AbortController();
          const parts: StreamPart[] = [];
          const error = await within(
            (async () => {
              try {
                for await (const part of provider.stream(request, controller.signal)) {
                  parts.push(part);
                  if (parts.length === 1) setTimeout(() => controller.abort(), 50);
                }
              } catch (caught) {
                return caught;
              }
              return undefined;
            })(),
          );
          expect(parts.length).toBeGreaterThanOrEqual(1);
          expect(parts.some((p) => p.type === 'finish')).toBe(false);
          expectFailure(error, 'cancelled');
          await double.waitForAbort(PROMPT_MS);
        }),
      );

      it(
        'an already aborted signal sends nothing',
        run(async ({ provider, double, request }) => {
          const controller = new AbortController();
          controller.abort();
          expectFailure(
            await failureOf(provider.generate(request, controller.signal)),
            'cancelled',
          );
          const streamed = await within(collect(provider.stream(request, controller.signal)));
          expectFailure(streamed.error, 'cancelled');
          expect(double.calls).toBe(0);
        }),
      );
    });

    describe('timeouts', () => {
      it('a delay before the first byte beyond the provider timeout is a timeout, and the request is torn down', () =>
        withHarness({ timeoutMs: 300 }, async ({ provider, double, request }) => {
          double.enqueue({ kind: 'delay', ms: 5_000 });
          const started = Date.now();
          const error = await failureOf(provider.generate(request, live()));
          expectFailure(error, 'timeout');
          expect(error.retryable).toBe(true);
          expect(Date.now() - started).toBeLessThan(2_000);
          await double.waitForAbort(PROMPT_MS);
        }));

      it('a stream that goes silent mid-answer times out after the deltas already yielded', () =>
        withHarness({ timeoutMs: 300 }, async ({ provider, double, request }) => {
          double.enqueue({ kind: 'stall', text: 'Abcdefghij', chunks: 5, afterChunks: 2 });
          const { parts, error } = await within(collect(provider.stream(request, live())));
          expect(textOf(parts)).toBe('Abcd');
          expectFailure(error, 'timeout');
          await double.waitForAbort(PROMPT_MS);
        }));

      it('a delay shorter than the timeout is just a slow answer', () =>
        withHarness({ timeoutMs: 1_000 }, async ({ provider, double, request }) => {
          double.enqueue({
            kind: 'delay',
            ms: 100,
            then: { kind: 'text', text: 'Late but fine.' },
          });
          const result = await within(provider.generate(request, live()));
          expect(result.text).toBe('Late but fine.');
        }));
    });
  });
}

export const FORMAT = {
  name: 'incident_draft',
  schema: {
    type: 'object',
    properties: {
      severity: { type: 'string', enum: ['low', 'high'] },
      summary: { type: 'string' },
      steps: { type: 'array', items: { type: 'string' } },
    },
    required: ['severity', 'summary', 'steps'],
    additionalProperties: false,
  },
};

export function requestFor(model: string): ModelRequest {
  return {
    model,
    feature: 'ASSISTANT',
    messages: [
      { role: 'system', content: 'You are a terse incident assistant.' },
      { role: 'user', content: 'Summarise the outage.' },
    ],
    temperature: 0.2,
    maxOutputTokens: 256,
  };
}

/** A signal nobody aborts. */
export function live(): AbortSignal {
  return new AbortController().signal;
}

export async function collect(
  stream: AsyncIterable<StreamPart>,
): Promise<{ parts: StreamPart[]; error: unknown }> {
  const parts: StreamPart[] = [];
  try {
    for await (const part of stream) parts.push(part);
    return { parts, error: undefined };
  } catch (error) {
    return { parts, error };
  }
}

export function textOf(parts: StreamPart[]): string {
  return parts.map((p) => (p.type === 'text-delta' ? p.text : '')).join('');
}

/** Rejects when `promise` takes longer than `ms`: a provider that hangs fails the test quickly. */
export function within<T>(promise: Promise<T>, ms = PROMPT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no outcome within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The ProviderError a call fails with; fails the test if it succeeds, hangs, or throws anything else. */
export async function failureOf(promise: Promise<unknown>): Promise<ProviderError> {
  const outcome = await within(
    promise.then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    ),
  );
  if (outcome.ok) throw new Error(`expected a ProviderError, got ${JSON.stringify(outcome.value)}`);
  expect(ProviderError.isInstance(outcome.error), String(outcome.error)).toBe(true);
  return outcome.error as ProviderError;
}

export function expectFailure(
  error: unknown,
  failure: ProviderFailure,
): asserts error is ProviderError {
  expect(ProviderError.isInstance(error), `expected a ProviderError, got ${String(error)}`).toBe(
    true,
  );
  expect((error as ProviderError).failure, (error as Error).message).toBe(failure);
}
