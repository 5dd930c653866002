/**
 * /metrics as an operator reads it: after a few real operations (a model answering through the
 * OpenAI wire protocol, a cache hit, a failing provider, a bad request, a live subscription), the
 * series a dashboard or an alert would use are there with the right values.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusUpdateInput } from '../fixtures/status-update.js';
import { MODEL_STATUS_UPDATE, writeLlmConfig } from '../support/llm-config.js';
import { startOpenAiDouble, type OpenAiDouble } from '../support/openai-double.js';
import { testDatabaseIsPostgres } from '../support/postgres.js';
import { startTestServer, type TestServer } from '../support/server.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format (enough of it for these checks). */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the one sample of `name` whose labels include `labels`; 0 when there is none. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter(
    (sample) =>
      sample.name === name &&
      Object.entries(labels).every(([key, wanted]) => sample.labels[key] === wanted),
  );
  if (found.length > 1)
    throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length} series`);
  return found[0]?.value ?? 0;
}

const DRAFT = `mutation DraftStatusUpdate($input: DraftStatusUpdateInput!) {
  draftStatusUpdate(input: $input) { generation { id status provider cacheHit usage { inputTokens outputTokens costUsd } } }
}`;

interface Draft {
  draftStatusUpdate: {
    generation: {
      id: string;
      status: string;
      provider: string;
      cacheHit: boolean;
      usage: { inputTokens: number; outputTokens: number; costUsd: number };
    };
  };
}

describe('/metrics', () => {
  let double: OpenAiDouble;
  let server: TestServer;
  let metricsUrl: string;
  const scrape = async () => {
    const response = await fetch(metricsUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parse(await response.text());
  };

  beforeAll(async () => {
    double = await startOpenAiDouble({
      defaultBehaviour: {
        kind: 'text',
        text: MODEL_STATUS_UPDATE,
        chunks: 6,
        usage: { inputTokens: 400, outputTokens: 100 },
      },
    });
    const LLM_CONFIG = writeLlmConfig({
      providers: { openai: { type: 'openai', baseURL: double.url }, builtin: { type: 'builtin' } },
      defaults: {
        chain: ['openai:gpt-test', 'builtin:builtin'],
        retries: 0,
        timeoutMs: 5_000,
        temperature: 0,
      },
      prices: { 'openai:gpt-test': { inputPerMillionUsd: 1, outputPerMillionUsd: 2 } },
    });
    server = await startTestServer({ OPENAI_API_KEY: 'sk-test', LLM_CONFIG });
    metricsUrl = server.url.replace(/\/graphql$/, '/metrics');
    // TEST_DATABASE=postgres runs every test server on its own PostgreSQL database.
    expect(server.app.store.db.kind).toBe(testDatabaseIsPostgres() ? 'postgres' : 'embedded');
  });
  afterAll(async () => {
    await server?.stop();
    await double?.close();
  });

  it('counts requests, provider calls, tokens, cost, cache hits, errors and generations', async () => {
    // 1: the model answers a draft.
    const first = await server.graphql<Draft>(DRAFT, { input: statusUpdateInput() });
    expect(first.data!.draftStatusUpdate.generation).toMatchObject({
      status: 'SUCCEEDED',
      provider: 'openai',
      cacheHit: false,
    });
    // 2: a deterministic call, twice: the model, then the cache. (A status update's prompt holds
    // the current time, so two drafts never share a cache entry; the gateway is called directly.)
    const call = {
      feature: 'STATUS_UPDATE' as const,
      accountId: 'dev',
      messages: [{ role: 'user' as const, content: 'Same question' }],
      signal: new AbortController().signal,
    };
    expect((await server.app.services.gateway.generate(call)).cacheHit).toBe(false);
    expect((await server.app.services.gateway.generate(call)).cacheHit).toBe(true);
    // 3: the model fails (a 400 is not retried); the builtin provider answers instead.
    double.enqueue({ kind: 'error', status: 400, message: 'bad parameter' });
    const third = await server.graphql<Draft>(DRAFT, {
      input: statusUpdateInput({ audience: 'CUSTOMER' }),
    });
    expect(third.data!.draftStatusUpdate.generation).toMatchObject({
      status: 'SUCCEEDED',
      provider: 'builtin',
    });
    // 4: a request the server refuses.
    const bad = await server.graphql(`query Generation { generation(id: 1, nope: true) { id } }`);
    expect(bad.errors).toBeDefined();

    const samples = await scrape();
    const ok = { operation: 'DraftStatusUpdate', type: 'mutation', outcome: 'ok' };
    expect(value(samples, 'ai_subgraph_graphql_requests_total', ok)).toBe(2);
    expect(value(samples, 'ai_subgraph_graphql_request_duration_seconds_count', ok)).toBe(2);
    expect(
      value(samples, 'ai_subgraph_graphql_request_duration_seconds_bucket', { ...ok, le: '+Inf' }),
    ).toBe(2);
    expect(value(samples, 'ai_subgraph_graphql_request_duration_seconds_sum', ok)).toBeGreaterThan(
      0,
    );
    expect(
      value(samples, 'ai_subgraph_graphql_requests_total', {
        operation: 'Generation',
        outcome: 'error',
      }),
    ).toBe(1);
    expect(
      value(samples, 'ai_subgraph_graphql_errors_total', {
        operation: 'Generation',
        code: 'GRAPHQL_VALIDATION_FAILED',
      }),
    ).toBe(1);

    const openai = { provider: 'openai', feature: 'STATUS_UPDATE' };
    // The cache hit called no provider: two good attempts and one failed one reached OpenAI.
    expect(
      value(samples, 'ai_subgraph_provider_attempts_total', {
        ...openai,
        model: 'gpt-test',
        outcome: 'ok',
      }),
    ).toBe(2);
    expect(
      value(samples, 'ai_subgraph_provider_attempts_total', {
        ...openai,
        model: 'gpt-test',
        outcome: 'failed',
      }),
    ).toBe(1);
    expect(
      value(samples, 'ai_subgraph_provider_errors_total', {
        ...openai,
        code: 'PROVIDER_UNAVAILABLE',
      }),
    ).toBe(1);
    expect(
      value(samples, 'ai_subgraph_provider_latency_seconds_count', { ...openai, outcome: 'ok' }),
    ).toBe(2);
    expect(
      value(samples, 'ai_subgraph_provider_attempts_total', {
        provider: 'builtin',
        model: 'builtin',
        feature: 'STATUS_UPDATE',
        outcome: 'ok',
      }),
    ).toBe(1);
    expect(
      value(samples, 'ai_subgraph_llm_calls_total', {
        feature: 'STATUS_UPDATE',
        provider: 'openai',
        outcome: 'ok',
      }),
    ).toBe(3);
    expect(
      value(samples, 'ai_subgraph_llm_calls_total', {
        feature: 'STATUS_UPDATE',
        provider: 'builtin',
        outcome: 'ok',
      }),
    ).toBe(1);
    expect(
      value(samples, 'ai_subgraph_llm_tokens_total', {
        ...openai,
        model: 'gpt-test',
        direction: 'input',
      }),
    ).toBe(800);
    expect(
      value(samples, 'ai_subgraph_llm_tokens_total', {
        ...openai,
        model: 'gpt-test',
        direction: 'output',
      }),
    ).toBe(200);
    // Twice 400 input tokens at $1/M plus 100 output tokens at $2/M; the cache hit was free.
    expect(
      value(samples, 'ai_subgraph_llm_cost_usd_total', { ...openai, model: 'gpt-test' }),
    ).toBeCloseTo(0.0012, 10);
    expect(value(samples, 'ai_subgraph_llm_cache_hits_total', { feature: 'STATUS_UPDATE' })).toBe(
      1,
    );
    expect(
      value(samples, 'ai_subgraph_generations_total', {
        feature: 'STATUS_UPDATE',
        status: 'SUCCEEDED',
      }),
    ).toBe(2);

    // Breakers: every configured target, in exactly one state.
    expect(
      value(samples, 'ai_subgraph_provider_breaker_state', {
        provider: 'openai',
        model: 'gpt-test',
        state: 'closed',
      }),
    ).toBe(1);
    expect(
      value(samples, 'ai_subgraph_provider_breaker_state', {
        provider: 'openai',
        model: 'gpt-test',
        state: 'open',
      }),
    ).toBe(0);
    expect(
      value(samples, 'ai_subgraph_provider_breaker_state', {
        provider: 'builtin',
        model: 'builtin',
        state: 'closed',
      }),
    ).toBe(1);
    expect(
      value(samples, 'ai_subgraph_provider_in_flight', { provider: 'openai', model: 'gpt-test' }),
    ).toBe(0);

    // Node.js process metrics, event-loop delay among them.
    expect(samples.some((sample) => sample.name === 'nodejs_eventloop_lag_p99_seconds')).toBe(true);
    expect(value(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('shows open subscriptions and running generations while a stream is watched', async () => {
    double.enqueue({
      kind: 'text',
      text: MODEL_STATUS_UPDATE,
      chunks: 30,
      chunkDelayMs: 40,
      usage: { inputTokens: 400, outputTokens: 100 },
    });
    const started = await server.graphql<Draft>(DRAFT, {
      input: statusUpdateInput({ stream: true, audience: 'EXECUTIVE' }),
    });
    const { id } = started.data!.draftStatusUpdate.generation;
    const client = server.wsClient();
    let completed = false;
    const events: unknown[] = [];
    const done = new Promise<void>((resolve, reject) => {
      client.subscribe(
        {
          query: `subscription Watch($id: ID!) { generationStream(id: $id) { seq } }`,
          variables: { id },
        },
        {
          next: (event) => events.push(event),
          error: reject,
          complete: () => ((completed = true), resolve()),
        },
      );
    });
    const deadline = Date.now() + 5_000;
    while (events.length === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    const during = await scrape();
    expect(completed).toBe(false);
    expect(value(during, 'ai_subgraph_subscriptions_open')).toBe(1);
    expect(value(during, 'ai_subgraph_generations_running')).toBe(1);
    await done;
    // The server closes the operation just after its last event.
    let after = await scrape();
    for (let i = 0; i < 50 && value(after, 'ai_subgraph_subscriptions_open') !== 0; i++)
      after = (await new Promise((resolve) => setTimeout(resolve, 10)), await scrape());
    expect(value(after, 'ai_subgraph_subscriptions_open')).toBe(0);
    expect(value(after, 'ai_subgraph_generations_running')).toBe(0);
  });

  it('labels only the operations this project ships; any other name counts as other', async () => {
    await Promise.all([
      ...Array.from({ length: 5 }, (_, i) => server.graphql(`query Q${i} { __typename }`)),
      server.graphql(`query LOGINJ_op { __typename }`),
      server.graphql(`query Providers { __typename }`),
    ]);
    const samples = await scrape();
    const labels = samples
      .filter((sample) => sample.name === 'ai_subgraph_graphql_requests_total')
      .map((sample) => sample.labels.operation);
    expect(labels.filter((label) => /^Q\d|LOGINJ/.test(label!))).toEqual([]);
    expect(
      value(samples, 'ai_subgraph_graphql_requests_total', {
        operation: 'other',
        type: 'query',
        outcome: 'ok',
      }),
    ).toBe(6);
    expect(
      value(samples, 'ai_subgraph_graphql_requests_total', {
        operation: 'Providers',
        type: 'query',
        outcome: 'ok',
      }),
    ).toBe(1);
  });
});
