/**
 * Per-account abuse limits (issue #7): the limiter per key with a manual clock, then the real
 * server: requests per minute on both transports, LLM tokens per minute and the daily budget with
 * the OpenAI double (the next generation is refused before any provider call), and concurrent
 * streams.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ServiceError } from '../../src/errors.js';
import {
  AccountLimits,
  MemoryLimitStore,
  type Clock,
  type RateLimits,
} from '../../src/security/limits/index.js';
import { DRAFT_STATUS_UPDATE, statusUpdateInput } from '../fixtures/status-update.js';
import { MODEL_STATUS_UPDATE, writeLlmConfig } from '../support/llm-config.js';
import { startOpenAiDouble, type OpenAiDouble } from '../support/openai-double.js';
import {
  collectStream,
  startTestServer,
  type GraphQLResponse,
  type TestServer,
} from '../support/server.js';

class ManualClock implements Clock {
  constructor(public time = Date.UTC(2026, 10, 22, 9, 0, 0)) {}
  now = () => this.time;
  advance(ms: number): void {
    this.time += ms;
  }
}

function limiter(limits: Partial<RateLimits>, clock = new ManualClock()) {
  const all: RateLimits = {
    requestsPerMinute: 0,
    tokensPerMinute: 0,
    dailyBudgetUsd: 0,
    maxConcurrentStreams: 0,
    ...limits,
  };
  return { limits: new AccountLimits(new MemoryLimitStore(clock), all, clock), clock };
}

/** The RATE_LIMITED error a promise rejects with. */
async function refusal(promise: Promise<unknown>): Promise<ServiceError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(ServiceError.isInstance(error), 'expected a ServiceError').toBe(true);
  expect((error as ServiceError).code).toBe('RATE_LIMITED');
  return error as ServiceError;
}

describe('the account limiter (manual clock)', () => {
  it('allows N requests a minute per account, refuses the next with the refill time, and recovers', async () => {
    const { limits, clock } = limiter({ requestsPerMinute: 5 });
    for (let i = 0; i < 5; i++) await limits.countRequest('a');
    const error = await refusal(limits.countRequest('a'));
    // One token comes back every 60/5 = 12 seconds.
    expect(error.details).toEqual({ rule: 'requestsPerMinute', limit: 5, retryAfterSeconds: 12 });
    // Other accounts have their own bucket.
    for (let i = 0; i < 5; i++) await limits.countRequest('b');
    clock.advance(11_000);
    expect((await refusal(limits.countRequest('a'))).details.retryAfterSeconds).toBe(1);
    clock.advance(1_000);
    await limits.countRequest('a');
    await refusal(limits.countRequest('a'));
    // A whole quiet minute refills the burst, never beyond it.
    clock.advance(10 * 60_000);
    for (let i = 0; i < 5; i++) await limits.countRequest('a');
    await refusal(limits.countRequest('a'));
  });

  it('charges tokens after the call, even into debt, and refuses new calls until the debt is refilled', async () => {
    const { limits, clock } = limiter({ tokensPerMinute: 600 });
    await limits.checkSpend('a');
    await limits.recordUsage('a', { inputTokens: 500, outputTokens: 400, costUsd: 0 });
    const error = await refusal(limits.checkSpend('a'));
    // 300 tokens of debt at 10 tokens a second.
    expect(error.details).toEqual({ rule: 'tokensPerMinute', limit: 600, retryAfterSeconds: 30 });
    await limits.checkSpend('b');
    clock.advance(30_001);
    await limits.checkSpend('a');
  });

  it('adds up the UTC day’s spending and refuses once it reaches the budget, until UTC midnight', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 22, 23, 0, 0));
    const { limits } = limiter({ dailyBudgetUsd: 1 }, clock);
    await limits.recordUsage('a', { inputTokens: 10, outputTokens: 10, costUsd: 0.6 });
    await limits.checkSpend('a');
    await limits.recordUsage('a', { inputTokens: 10, outputTokens: 10, costUsd: 0.4 });
    expect(await limits.spentToday('a')).toBeCloseTo(1);
    const error = await refusal(limits.checkSpend('a'));
    expect(error.details).toEqual({ rule: 'dailyBudgetUsd', limit: 1, retryAfterSeconds: 3600 });
    await limits.checkSpend('b');
    clock.advance(3_600_000);
    await limits.checkSpend('a');
    expect(await limits.spentToday('a')).toBe(0);
  });

  it('bounds the generations streamed at once; subscriptions to the same generation share its slot', async () => {
    const { limits } = limiter({ maxConcurrentStreams: 2 });
    const runA = await limits.admitGeneration({ accountId: 'a', stream: true, generationId: 'A' });
    const watchA = await limits.acquireStream('a', 'A');
    const watchA2 = await limits.acquireStream('a', 'A');
    const runB = await limits.admitGeneration({ accountId: 'a', stream: true, generationId: 'B' });
    expect(
      (await refusal(limits.admitGeneration({ accountId: 'a', stream: true, generationId: 'C' })))
        .details,
    ).toMatchObject({ rule: 'maxConcurrentStreams', limit: 2 });
    await refusal(limits.acquireStream('a', 'C'));
    // A non-streamed generation takes no slot; nor does another account.
    (await limits.admitGeneration({ accountId: 'a', stream: false, generationId: 'D' }))();
    await limits.acquireStream('b', 'C');
    // A keeps its slot until its run and every subscription have ended; releases are idempotent.
    runA();
    runA();
    watchA();
    await refusal(limits.acquireStream('a', 'C'));
    watchA2();
    const watchC = await limits.acquireStream('a', 'C');
    runB();
    watchC();
  });

  it('treats 0 as no limit', async () => {
    const { limits } = limiter({});
    for (let i = 0; i < 1000; i++) await limits.countRequest('a');
    await limits.recordUsage('a', { inputTokens: 1e9, outputTokens: 1e9, costUsd: 1e9 });
    await limits.checkSpend('a');
    for (let i = 0; i < 100; i++)
      await limits.admitGeneration({ accountId: 'a', stream: true, generationId: String(i) });
  });
});

async function postRaw(
  server: TestServer,
  query: string,
): Promise<{ status: number; retryAfter: string | null; body: GraphQLResponse<unknown> }> {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as GraphQLResponse<unknown>,
  };
}

/** Runs one operation over graphql-ws and returns its first result or its errors. */
function overWebSocket(
  server: TestServer,
  query: string,
): Promise<{
  data?: unknown;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}> {
  const client = server.wsClient();
  return new Promise((resolve, reject) => {
    let settled = false;
    client.subscribe(
      { query },
      {
        next: (result) => {
          settled = true;
          resolve(result as never);
        },
        error: (error) => (Array.isArray(error) ? resolve({ errors: error }) : reject(error)),
        complete: () => {
          if (!settled) resolve({});
        },
      },
    );
  });
}

describe('requests per minute through the server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ RATE_LIMIT_REQUESTS_PER_MINUTE: '5' });
  });
  afterAll(() => server.stop());
  afterEach(() => vi.restoreAllMocks());

  it('counts every operation on both transports, not health checks, answers the 6th with 429, and recovers', async () => {
    const base = server.url.replace(/\/graphql$/, '');
    for (let i = 0; i < 10; i++) expect((await fetch(`${base}/healthz`)).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await postRaw(server, '{ __typename }')).status).toBe(200);
    // The 5th, over graphql-ws, still passes.
    expect(await overWebSocket(server, '{ __typename }')).toMatchObject({
      data: { __typename: 'Query' },
    });

    const refused = await postRaw(server, '{ __typename }');
    expect(refused.status).toBe(429);
    expect(refused.body.data).toBeUndefined();
    const error = refused.body.errors![0]!;
    expect(error.extensions).toMatchObject({
      code: 'RATE_LIMITED',
      rule: 'requestsPerMinute',
      limit: 5,
    });
    const retryAfterSeconds = error.extensions!.retryAfterSeconds as number;
    expect(retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(retryAfterSeconds).toBeLessThanOrEqual(12);
    expect(refused.retryAfter).toBe(String(retryAfterSeconds));
    expect(error.message).toMatch(/5 operations per minute/);

    // Mutations and graphql-ws operations are refused the same way, before they run.
    const mutation = await server.graphql(DRAFT_STATUS_UPDATE, { input: statusUpdateInput() });
    expect(mutation.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
    const ws = await overWebSocket(server, '{ __typename }');
    expect(ws.errors![0]!.extensions).toMatchObject({
      code: 'RATE_LIMITED',
      rule: 'requestsPerMinute',
    });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);

    // A minute later (the limiter's clock moved, no sleeping) the burst is back.
    const now = Date.now();
    vi.spyOn(server.app.services.limits.clock, 'now').mockImplementation(() => now + 60_000);
    for (let i = 0; i < 5; i++) expect((await postRaw(server, '{ __typename }')).status).toBe(200);
    expect((await postRaw(server, '{ __typename }')).status).toBe(429);
  });
});

describe('LLM tokens per minute and the daily budget, with the OpenAI double', () => {
  let double: OpenAiDouble;
  const servers: TestServer[] = [];
  const llmConfig = () =>
    writeLlmConfig({
      providers: { openai: { type: 'openai', baseURL: double.url }, builtin: { type: 'builtin' } },
      defaults: { chain: ['openai:gpt-test', 'builtin:builtin'], retries: 0, timeoutMs: 5_000 },
      // 400 input + 100 output tokens cost (400 × 1000 + 100 × 2000) / 1e6 = $0.60.
      prices: { 'openai:gpt-test': { inputPerMillionUsd: 1000, outputPerMillionUsd: 2000 } },
    });
  const start = async (env: Record<string, string>) => {
    const server = await startTestServer({
      OPENAI_API_KEY: 'sk-test',
      LLM_CONFIG: llmConfig(),
      ...env,
    });
    servers.push(server);
    return server;
  };
  const generationCount = async (server: TestServer) =>
    (
      await server.graphql<{ generations: { edges: unknown[] } }>(
        '{ generations(first: 100) { edges { cursor } } }',
      )
    ).data!.generations.edges.length;

  beforeAll(async () => {
    double = await startOpenAiDouble({
      defaultBehaviour: {
        kind: 'text',
        text: MODEL_STATUS_UPDATE,
        chunks: 4,
        usage: { inputTokens: 400, outputTokens: 100 },
      },
    });
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await double.close();
  });
  afterEach(() => vi.restoreAllMocks());

  it('refuses the next generation once the tokens of the minute are spent, before calling the provider', async () => {
    const server = await start({ RATE_LIMIT_TOKENS_PER_MINUTE: '300' });
    const first = await server.graphql<{
      draftStatusUpdate: {
        generation: { status: string; usage: { inputTokens: number; outputTokens: number } };
      };
    }>(DRAFT_STATUS_UPDATE, { input: statusUpdateInput() });
    // One call is never cut off: it finishes and its 500 tokens are charged (200 in debt).
    expect(first.data!.draftStatusUpdate.generation).toMatchObject({
      status: 'SUCCEEDED',
      usage: { inputTokens: 400, outputTokens: 100 },
    });
    const calls = double.requests.length;
    const stored = await generationCount(server);

    const second = await server.graphql(DRAFT_STATUS_UPDATE, {
      input: statusUpdateInput({ audience: 'CUSTOMER' }),
    });
    expect(second.data).toBeNull();
    expect(second.errors![0]!.extensions).toMatchObject({
      code: 'RATE_LIMITED',
      rule: 'tokensPerMinute',
      limit: 300,
    });
    // 200 tokens of debt at 5 tokens a second: about 40 seconds.
    expect(second.errors![0]!.extensions!.retryAfterSeconds).toBeGreaterThan(30);
    expect(second.errors![0]!.extensions!.retryAfterSeconds).toBeLessThanOrEqual(40);
    const streamed = await server.graphql(DRAFT_STATUS_UPDATE, {
      input: statusUpdateInput({ stream: true }),
    });
    expect(streamed.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
    expect(double.requests.length).toBe(calls);
    expect(await generationCount(server)).toBe(stored);

    // Once the debt has refilled, generations run again.
    const now = Date.now();
    vi.spyOn(server.app.services.limits.clock, 'now').mockImplementation(() => now + 60_000);
    const later = await server.graphql<{ draftStatusUpdate: { generation: { status: string } } }>(
      DRAFT_STATUS_UPDATE,
      { input: statusUpdateInput() },
    );
    expect(later.data!.draftStatusUpdate.generation.status).toBe('SUCCEEDED');
    expect(double.requests.length).toBe(calls + 1);
  });

  it('refuses generations once the day’s spending reaches the budget, until the next UTC midnight', async () => {
    const server = await start({ DAILY_BUDGET_USD: '1' });
    const draft = () =>
      server.graphql<{
        draftStatusUpdate: { generation: { status: string; usage: { costUsd: number } } };
      }>(DRAFT_STATUS_UPDATE, { input: statusUpdateInput() });
    // $0.60, then $1.20: the second call started under the budget and is allowed to finish.
    const first = (await draft()).data!.draftStatusUpdate.generation;
    expect(first.status).toBe('SUCCEEDED');
    expect(first.usage.costUsd).toBeCloseTo(0.6);
    expect((await draft()).data!.draftStatusUpdate.generation.status).toBe('SUCCEEDED');
    expect(await server.app.services.limits.spentToday('dev')).toBeCloseTo(1.2);
    const calls = double.requests.length;
    const stored = await generationCount(server);

    const refused = await draft();
    const extensions = refused.errors![0]!.extensions!;
    expect(extensions).toMatchObject({ code: 'RATE_LIMITED', rule: 'dailyBudgetUsd', limit: 1 });
    const untilMidnight = Math.ceil(
      (Math.floor(Date.now() / 86_400_000 + 1) * 86_400_000 - Date.now()) / 1000,
    );
    expect(Math.abs((extensions.retryAfterSeconds as number) - untilMidnight)).toBeLessThanOrEqual(
      5,
    );
    // LLM calls outside generations (the gateway itself) are refused too.
    await expect(
      server.app.services.gateway.generate({
        feature: 'STATUS_UPDATE',
        accountId: 'dev',
        messages: [{ role: 'user', content: 'hi' }],
        signal: new AbortController().signal,
      }),
    ).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(double.requests.length).toBe(calls);
    expect(await generationCount(server)).toBe(stored);

    // The next UTC day starts from zero.
    const tomorrow = (Math.floor(Date.now() / 86_400_000) + 1) * 86_400_000 + 1_000;
    vi.spyOn(server.app.services.limits.clock, 'now').mockReturnValue(tomorrow);
    expect((await draft()).data!.draftStatusUpdate.generation.status).toBe('SUCCEEDED');
  });
});

describe('concurrent streams through the server', () => {
  let server: TestServer;
  beforeAll(async () => {
    // The builtin provider streams a word every 200 ms: drafts stay running for seconds.
    server = await startTestServer({ MAX_CONCURRENT_STREAMS: '2', BUILTIN_STREAM_DELAY_MS: '200' });
  });
  afterAll(() => server.stop());

  const startStreamed = (audience = 'INTERNAL') =>
    server.graphql<{ draftStatusUpdate: { generation: { id: string; status: string } } }>(
      `mutation($input: DraftStatusUpdateInput!) { draftStatusUpdate(input: $input) { generation { id status } } }`,
      {
        input: statusUpdateInput({ stream: true, audience }),
      },
    );
  const cancel = (id: string) =>
    server.graphql(
      `mutation($id: ID!) { cancelGeneration(input: { id: $id }) { generation { status } } }`,
      { id },
    );

  it('bounds the generations streamed at once; watching one’s own streamed generation takes no extra slot', async () => {
    const a = (await startStreamed()).data!.draftStatusUpdate.generation;
    const b = (await startStreamed('CUSTOMER')).data!.draftStatusUpdate.generation;
    expect([a.status, b.status]).toEqual(['RUNNING', 'RUNNING']);

    const third = await startStreamed();
    expect(third.errors![0]!.extensions).toMatchObject({
      code: 'RATE_LIMITED',
      rule: 'maxConcurrentStreams',
      limit: 2,
      retryAfterSeconds: 1,
    });

    // Subscribing to A shares A's slot; it streams to the end (A is cancelled below).
    const client = server.wsClient();
    const watching = collectStream(client, a.id);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await cancel(a.id);
    const watched = await watching;
    expect(watched.errors).toBeUndefined();
    expect(watched.events.at(-1)!.generation!.status).toBe('CANCELLED');

    // A's slot is free once its run and its subscription have ended.
    const c = await startStreamed();
    expect(c.data!.draftStatusUpdate.generation.status).toBe('RUNNING');
    // Now B and C hold both slots: a subscription to a third (finished) generation is refused.
    const replay = await collectStream(server.wsClient(), a.id);
    expect((replay.errors as { extensions: { code: string } }[])[0]!.extensions.code).toBe(
      'RATE_LIMITED',
    );
    await cancel(b.id);
    await cancel(c.data!.draftStatusUpdate.generation.id);
    await expect.poll(() => server.app.services.runner.activeCount).toBe(0);
    const again = await collectStream(server.wsClient(), a.id);
    expect(again.errors).toBeUndefined();
    expect(again.events.at(-1)!.generation!.status).toBe('CANCELLED');
  });
});
