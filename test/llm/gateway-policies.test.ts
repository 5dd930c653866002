/** The gateway's policies on their own: cache, concurrency limit, breaker, backoff. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlmGateway, type GatewayCall } from '../../src/llm/gateway.js';
import { CircuitBreaker } from '../../src/llm/policies/breaker.js';
import { ConcurrencyLimitError, ConcurrencyLimiter } from '../../src/llm/policies/concurrency.js';
import { ResponseCache } from '../../src/llm/policies/response-cache.js';
import { backoffDelay } from '../../src/llm/policies/retry.js';
import { parseLlmConfig } from '../../src/llm/provider-chains.js';
import { OpenAiProvider } from '../../src/providers/openai/index.js';
import { startOpenAiDouble, type OpenAiDouble } from '../support/openai-double.js';

function gatewayFor(double: OpenAiDouble, policy: Record<string, unknown>) {
  const routing = parseLlmConfig(
    JSON.stringify({
      providers: { openai: { type: 'openai', baseURL: double.url } },
      defaults: { chain: ['openai:gpt-test'], retries: 0, ...policy },
      policies: { concurrency: { maxConcurrent: 1, maxQueue: 1, queueTimeoutMs: 2_000 } },
    }),
    'test.json',
  );
  return new LlmGateway(routing, [
    new OpenAiProvider({ name: 'openai', baseURL: double.url, apiKey: 'sk-test' }),
  ]);
}

const call = (accountId: string, content = 'Summarise: the disk is full.'): GatewayCall => ({
  feature: 'ASSISTANT',
  accountId,
  messages: [{ role: 'user', content }],
  signal: new AbortController().signal,
});

describe('exact-match response cache', () => {
  let double: OpenAiDouble;
  beforeAll(async () => {
    double = await startOpenAiDouble({
      defaultBehaviour: {
        kind: 'text',
        text: 'Free space on /var.',
        chunks: 3,
        usage: { inputTokens: 10, outputTokens: 5 },
      },
    });
  });
  afterAll(() => double.close());

  it('serves a repeated temperature-0 request from the cache: no provider call, marked, free', async () => {
    const gateway = gatewayFor(double, { temperature: 0 });
    const first = await gateway.generate(call('acme'));
    const calls = double.calls;
    const second = await gateway.generate(call('acme'));
    expect(double.calls).toBe(calls);
    expect(second).toMatchObject({ text: first.text, cacheHit: true, usage: { costUsd: 0 } });
    expect(first.cacheHit).toBe(false);
  });

  it('never shares answers across accounts, and never caches sampled (temperature > 0) requests', async () => {
    const deterministic = gatewayFor(double, { temperature: 0 });
    await deterministic.generate(call('acme', 'x'));
    const calls = double.calls;
    await deterministic.generate(call('globex', 'x'));
    expect(double.calls).toBe(calls + 1);

    const sampled = gatewayFor(double, { temperature: 0.7 });
    await sampled.generate(call('acme', 'y'));
    await sampled.generate(call('acme', 'y'));
    expect(double.calls).toBe(calls + 3);
  });

  it('evicts the least recently used answers beyond its byte budget', () => {
    const cache = new ResponseCache(1_200); // two 528-byte answers fit, three do not
    const answer = (text: string) => ({
      chunks: [text],
      finishReason: 'stop' as const,
      inputTokens: 1,
      outputTokens: 1,
    });
    cache.set('a', answer('x'.repeat(200)));
    cache.set('b', answer('x'.repeat(200)));
    cache.get('a');
    cache.set('c', answer('x'.repeat(200)));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('c')).toBeDefined();
  });
});

describe('concurrency limit', () => {
  it('queues beyond the limit, serves in order, and refuses past the queue bound with a clear error', async () => {
    const limiter = new ConcurrencyLimiter({
      maxConcurrent: 1,
      maxQueue: 1,
      queueTimeoutMs: 1_000,
    });
    const signal = new AbortController().signal;
    const release = await limiter.acquire(signal);
    const queued = limiter.acquire(signal);
    expect(limiter.queued).toBe(1);
    await expect(limiter.acquire(signal)).rejects.toBeInstanceOf(ConcurrencyLimitError);
    release();
    (await queued)();
    expect(limiter.inFlight).toBe(0);
  });

  it('gives up waiting after the queue timeout', async () => {
    const limiter = new ConcurrencyLimiter({ maxConcurrent: 1, maxQueue: 5, queueTimeoutMs: 50 });
    const signal = new AbortController().signal;
    await limiter.acquire(signal);
    await expect(limiter.acquire(signal)).rejects.toThrow(/no slot freed within 50 ms/);
    expect(limiter.queued).toBe(0);
  });

  it('turns a full queue at the gateway into PROVIDER_UNAVAILABLE naming the limit', async () => {
    const double = await startOpenAiDouble({ defaultBehaviour: { kind: 'delay', ms: 300 } });
    try {
      const gateway = gatewayFor(double, {});
      const results = await Promise.allSettled([
        gateway.generate(call('a', '1')),
        gateway.generate(call('a', '2')),
        gateway.generate(call('a', '3')),
      ]);
      const rejected = results.filter(
        (result) => result.status === 'rejected',
      ) as PromiseRejectedResult[];
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(2);
      expect(rejected).toHaveLength(1);
      expect(rejected[0]!.reason).toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
      expect(String(rejected[0]!.reason.message)).toMatch(/concurrency limit/);
    } finally {
      await double.close();
    }
  });
});

describe('circuit breaker', () => {
  it('opens at the threshold, half-opens after the cool-down for exactly one probe, and reopens if it fails', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 100 }, () => now);
    breaker.recordFailure();
    breaker.recordFailure();
    expect(breaker.state).toBe('closed');
    breaker.recordFailure();
    expect(breaker.state).toBe('open');
    expect(breaker.tryAcquire()).toBe(false);
    now = 100;
    expect(breaker.state).toBe('half-open');
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(false);
    breaker.recordFailure();
    expect(breaker.state).toBe('open');
    now = 200;
    expect(breaker.tryAcquire()).toBe(true);
    breaker.recordSuccess();
    expect(breaker.state).toBe('closed');
  });
});

describe('backoff', () => {
  it('is full jitter under an exponential cap, and never shorter than Retry-After', () => {
    const policy = { retries: 5, baseDelayMs: 100, maxDelayMs: 1_000 };
    expect(backoffDelay(policy, 0, undefined, () => 0.999)).toBe(99);
    expect(backoffDelay(policy, 3, undefined, () => 0.5)).toBe(400);
    expect(backoffDelay(policy, 10, undefined, () => 0.999)).toBe(999);
    expect(backoffDelay(policy, 0, 2_000, () => 0.5)).toBe(2_000);
  });
});
