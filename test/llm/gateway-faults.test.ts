/**
 * The gateway's promises, through GraphQL, with the real OpenAI SDK talking to a wire-protocol
 * double: retries, Retry-After, fallback, deadlines, drops mid-stream, the circuit breaker,
 * corrective retries, grounding and cancellation reaching upstream.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { statusUpdateInput } from '../fixtures/status-update.js';
import { MODEL_STATUS_UPDATE, writeLlmConfig } from '../support/llm-config.js';
import { startOpenAiDouble, type OpenAiDouble } from '../support/openai-double.js';
import { testDatabaseIsPostgres } from '../support/postgres.js';
import { collectStream, startTestServer, type TestServer } from '../support/server.js';
import { until } from '../support/until.js';

interface Draft {
  draftStatusUpdate: {
    generation: {
      id: string;
      status: string;
      provider: string;
      model: string;
      text: string;
      cacheHit: boolean;
      timeToFirstTokenMs: number | null;
      usage: { inputTokens: number; outputTokens: number; costUsd: number } | null;
      groundingIssues: { kind: string; value: string }[];
      attempts: { provider: string; outcome: string; errorCode: string | null }[];
      error: { code: string; message: string } | null;
    };
  };
}

const DRAFT = `mutation Draft($input: DraftStatusUpdateInput!) {
  draftStatusUpdate(input: $input) {
    generation {
      id status provider model text cacheHit timeToFirstTokenMs
      usage { inputTokens outputTokens costUsd }
      groundingIssues { kind value }
      attempts { provider outcome errorCode }
      error { code message }
    }
  }
}`;

function config(
  double: OpenAiDouble,
  overrides: {
    chain?: string[];
    retries?: number;
    timeoutMs?: number;
    failureThreshold?: number;
    cooldownMs?: number;
  } = {},
) {
  return writeLlmConfig({
    providers: { openai: { type: 'openai', baseURL: double.url }, builtin: { type: 'builtin' } },
    defaults: {
      chain: overrides.chain ?? ['openai:gpt-test', 'builtin:builtin'],
      retries: overrides.retries ?? 2,
      timeoutMs: overrides.timeoutMs ?? 5_000,
    },
    prices: { 'openai:gpt-test': { inputPerMillionUsd: 1, outputPerMillionUsd: 2 } },
    policies: {
      retry: { baseDelayMs: 10, maxDelayMs: 50 },
      breaker: {
        failureThreshold: overrides.failureThreshold ?? 5,
        cooldownMs: overrides.cooldownMs ?? 30_000,
      },
    },
  });
}

describe('gateway faults through GraphQL', () => {
  let double: OpenAiDouble;
  let server: TestServer | undefined;
  const start = async (env: Record<string, string>) => {
    server = await startTestServer({ OPENAI_API_KEY: 'sk-test', ...env });
    return server;
  };

  beforeAll(async () => {
    double = await startOpenAiDouble({
      defaultBehaviour: {
        kind: 'text',
        text: MODEL_STATUS_UPDATE,
        chunks: 12,
        usage: { inputTokens: 400, outputTokens: 100 },
      },
    });
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    double.setDefault({
      kind: 'text',
      text: MODEL_STATUS_UPDATE,
      chunks: 12,
      usage: { inputTokens: 400, outputTokens: 100 },
    });
  });
  afterAll(() => double.close());

  it('answers with the model, names it, prices it, and reports facts the model invented', async () => {
    const s = await start({ LLM_CONFIG: config(double) });
    const result = await s.graphql<Draft>(DRAFT, { input: statusUpdateInput() });
    const generation = result.data!.draftStatusUpdate.generation;
    expect(generation).toMatchObject({
      status: 'SUCCEEDED',
      provider: 'openai',
      model: 'gpt-test',
      text: MODEL_STATUS_UPDATE,
      cacheHit: false,
    });
    expect(generation.usage).toEqual({
      inputTokens: 400,
      outputTokens: 100,
      costUsd: (400 * 1 + 100 * 2) / 1_000_000,
    });
    // "23:59" is nowhere in the input nor derivable from it; everything else is.
    expect(generation.groundingIssues).toEqual([{ kind: 'TIMESTAMP', value: '23:59 UTC' }]);
  });

  it('asks the model for a whole answer when the draft is not streamed, and for a stream when it is', async () => {
    const s = await start({ LLM_CONFIG: config(double) });
    const whole = (await s.graphql<Draft>(DRAFT, { input: statusUpdateInput() })).data!
      .draftStatusUpdate.generation;
    expect(double.requests.at(-1)!.body!.stream).not.toBe(true);
    // Nobody saw a first token: there is none to time.
    expect(whole).toMatchObject({
      status: 'SUCCEEDED',
      text: MODEL_STATUS_UPDATE,
      timeToFirstTokenMs: null,
    });

    const started = await s.graphql<Draft>(DRAFT, { input: statusUpdateInput({ stream: true }) });
    const { events } = await collectStream(
      s.wsClient(),
      started.data!.draftStatusUpdate.generation.id,
    );
    expect(double.requests.at(-1)!.body!.stream).toBe(true);
    expect(events.length).toBeGreaterThan(2);
    const stored = await s.graphql<{
      generation: { status: string; text: string; timeToFirstTokenMs: number | null };
    }>(`query($id: ID!) { generation(id: $id) { status text timeToFirstTokenMs } }`, {
      id: started.data!.draftStatusUpdate.generation.id,
    });
    expect(stored.data!.generation).toMatchObject({
      status: 'SUCCEEDED',
      text: MODEL_STATUS_UPDATE,
    });
    expect(stored.data!.generation.timeToFirstTokenMs).toBeGreaterThanOrEqual(0);
  });

  it('fails a draft the database refuses to store, drops its model call, keeps nothing, and keeps serving', async () => {
    const s = await start({ LLM_CONFIG: config(double) });
    const count = async () =>
      (
        await s.graphql<{ generations: { edges: unknown[] } }>(
          `{ generations(first: 50) { edges { cursor } } }`,
        )
      ).data!.generations.edges.length;
    const storedBefore = await count();
    // The model takes a second, so its call is still out when the store answers; the store refuses
    // every new status update (as a broken migration or a full disk would refuse them).
    double.enqueue({ kind: 'text', text: MODEL_STATUS_UPDATE, chunks: 20, chunkDelayMs: 50 });
    await s.app.store.db.execute(
      `ALTER TABLE generations ADD CONSTRAINT refuses_status_updates CHECK (feature <> 'STATUS_UPDATE') NOT VALID`,
    );
    const [callsBefore, abortsBefore] = [double.calls, double.abortedRequests.length];

    const refused = await s.graphql<Draft>(DRAFT, { input: statusUpdateInput() });
    expect(refused.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    // The model call, when it had gone out before the store answered, was dropped, not awaited.
    await until(
      'the model call to be dropped',
      () => double.abortedRequests.length - abortsBefore === double.calls - callsBefore,
      5_000,
    );
    expect(await count()).toBe(storedBefore);

    await s.app.store.db.execute(`ALTER TABLE generations DROP CONSTRAINT refuses_status_updates`);
    const served = await s.graphql<Draft>(DRAFT, { input: statusUpdateInput() });
    expect(served.data!.draftStatusUpdate.generation).toMatchObject({
      status: 'SUCCEEDED',
      text: MODEL_STATUS_UPDATE,
    });
    expect(await count()).toBe(storedBefore + 1);
  });

  // Only PostgreSQL lets a test hold the table from another connection (CI runs the suite on both stores).
  it.runIf(testDatabaseIsPostgres())(
    'asks the model while the draft is still waiting to be stored',
    async () => {
      const s = await start({ LLM_CONFIG: config(double) });
      const locker = new pg.Client({ connectionString: s.databaseUrl });
      await locker.connect();
      try {
        await locker.query('BEGIN');
        // SHARE mode holds every INSERT into generations until COMMIT.
        await locker.query('LOCK TABLE generations IN SHARE MODE');
        const before = double.calls;
        const drafting = s.graphql<Draft>(DRAFT, { input: statusUpdateInput() });
        await until(
          'the model call to go out while the row waits',
          () => double.calls > before,
          5_000,
        );
        await locker.query('COMMIT');
        expect((await drafting).data!.draftStatusUpdate.generation).toMatchObject({
          status: 'SUCCEEDED',
          text: MODEL_STATUS_UPDATE,
        });
      } finally {
        await locker.end();
      }
    },
  );

  it('retries a 503 and succeeds on the same provider', async () => {
    const s = await start({ LLM_CONFIG: config(double) });
    const before = double.calls;
    double.enqueue({ kind: 'error', status: 503 });
    const generation = (await s.graphql<Draft>(DRAFT, { input: statusUpdateInput() })).data!
      .draftStatusUpdate.generation;
    expect(generation.provider).toBe('openai');
    expect(generation.attempts.map((attempt) => [attempt.outcome, attempt.errorCode])).toEqual([
      ['FAILED', 'PROVIDER_UNAVAILABLE'],
      ['OK', null],
    ]);
    expect(double.calls - before).toBe(2);
  });

  it("honours the provider's Retry-After before retrying", async () => {
    const s = await start({ LLM_CONFIG: config(double) });
    double.enqueue({ kind: 'rate-limited', retryAfterSeconds: 1 });
    const started = Date.now();
    const generation = (await s.graphql<Draft>(DRAFT, { input: statusUpdateInput() })).data!
      .draftStatusUpdate.generation;
    expect(generation.provider).toBe('openai');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('falls back to the next target when retries are exhausted, and says which one answered', async () => {
    const s = await start({ LLM_CONFIG: config(double, { retries: 1 }) });
    double.enqueue({ kind: 'error', status: 500 }, { kind: 'error', status: 500 });
    const generation = (await s.graphql<Draft>(DRAFT, { input: statusUpdateInput() })).data!
      .draftStatusUpdate.generation;
    expect(generation).toMatchObject({
      status: 'SUCCEEDED',
      provider: 'builtin',
      model: 'builtin',
    });
    expect(generation.attempts.map((attempt) => `${attempt.provider}:${attempt.outcome}`)).toEqual([
      'openai:FAILED',
      'openai:FAILED',
      'builtin:OK',
    ]);
  });

  it('does not retry what cannot succeed (a 400), and fails with a typed error when nothing is left', async () => {
    const s = await start({ LLM_CONFIG: config(double, { chain: ['openai:gpt-test'] }) });
    const before = double.calls;
    double.enqueue({ kind: 'error', status: 400, message: 'bad parameter' });
    const result = await s.graphql<Draft>(DRAFT, { input: statusUpdateInput() });
    // The failed draft is the answer: no GraphQL error, its stored record with the error.
    expect(result.errors).toBeUndefined();
    expect(result.data!.draftStatusUpdate.generation).toMatchObject({
      status: 'FAILED',
      error: { code: 'PROVIDER_UNAVAILABLE' },
    });
    expect(double.calls - before).toBe(1);
    const id = result.data!.draftStatusUpdate.generation.id;
    const stored = await s.graphql<{ generation: { status: string; error: { code: string } } }>(
      'query($id: ID!) { generation(id: $id) { status error { code } } }',
      { id },
    );
    expect(stored.data!.generation).toEqual({
      status: 'FAILED',
      error: { code: 'PROVIDER_UNAVAILABLE' },
    });
  });

  it('fails with PROVIDER_RATE_LIMITED when the only provider keeps refusing', async () => {
    const s = await start({
      LLM_CONFIG: config(double, { chain: ['openai:gpt-test'], retries: 1 }),
    });
    double.enqueue(
      { kind: 'rate-limited', retryAfterMs: 20 },
      { kind: 'rate-limited', retryAfterMs: 20 },
    );
    const result = await s.graphql<Draft>(DRAFT, { input: statusUpdateInput() });
    expect(result.errors).toBeUndefined();
    expect(result.data!.draftStatusUpdate.generation).toMatchObject({
      status: 'FAILED',
      error: { code: 'PROVIDER_RATE_LIMITED' },
    });
  });

  it('fails with PROVIDER_TIMEOUT within the deadline when the provider hangs', async () => {
    const s = await start({
      LLM_CONFIG: config(double, { chain: ['openai:gpt-test'], timeoutMs: 800 }),
    });
    double.enqueue({ kind: 'hang' });
    const started = Date.now();
    const result = await s.graphql<Draft>(DRAFT, { input: statusUpdateInput() });
    expect(result.errors).toBeUndefined();
    expect(result.data!.draftStatusUpdate.generation).toMatchObject({
      status: 'FAILED',
      error: { code: 'PROVIDER_TIMEOUT' },
    });
    expect(Date.now() - started).toBeLessThan(3_000);
    await double.waitForAbort(2_000);
  });

  it('ends a stream dropped mid-way FAILED with the partial text, and never retries after text was sent', async () => {
    const s = await start({ LLM_CONFIG: config(double) });
    const before = double.calls;
    double.enqueue({ kind: 'drop', text: MODEL_STATUS_UPDATE, chunks: 10, afterChunks: 4 });
    const started = await s.graphql<Draft>(DRAFT, { input: statusUpdateInput({ stream: true }) });
    const { events } = await collectStream(
      s.wsClient(),
      started.data!.draftStatusUpdate.generation.id,
    );
    const final = events.at(-1)!.generation!;
    expect(final.status).toBe('FAILED');
    expect(final.error!.code).toBe('PROVIDER_UNAVAILABLE');
    const deltas = events
      .slice(0, -1)
      .map((event) => event.delta)
      .join('');
    expect(deltas.length).toBeGreaterThan(0);
    expect(final.text).toBe(deltas);
    expect(MODEL_STATUS_UPDATE.startsWith(final.text)).toBe(true);
    expect(double.calls - before).toBe(1);
  });

  it('asks once more when a draft lacks its status and impact, then keeps the better answer of the two', async () => {
    const s = await start({ LLM_CONFIG: config(double, { chain: ['openai:gpt-test'] }) });
    double.enqueue(
      { kind: 'text', text: 'Things are bad. We are on it.' },
      { kind: 'text', text: MODEL_STATUS_UPDATE },
    );
    const fixed = (await s.graphql<Draft>(DRAFT, { input: statusUpdateInput() })).data!
      .draftStatusUpdate.generation;
    expect(fixed.status).toBe('SUCCEEDED');
    expect(fixed.text).toBe(MODEL_STATUS_UPDATE);
    const correction = double.requests.at(-1)!.body!.messages!;
    expect(correction.at(-2)).toMatchObject({
      role: 'assistant',
      content: 'Things are bad. We are on it.',
    });
    expect(String(correction.at(-1)!.content)).toMatch(/lacks: currentStatus, impact/);

    // Neither answer is better: the first stands, SUCCEEDED, with what it lacks named.
    double.enqueue({ kind: 'text', text: 'Still no layout.' }, { kind: 'text', text: 'Nor now.' });
    const kept = (await s.graphql<Draft>(DRAFT, { input: statusUpdateInput() })).data!
      .draftStatusUpdate.generation;
    expect(kept).toMatchObject({ status: 'SUCCEEDED', text: 'Still no layout.' });
  });

  it('opens the breaker after repeated failures, bypasses the target while open, and closes after a good probe', async () => {
    const s = await start({
      LLM_CONFIG: config(double, { retries: 0, failureThreshold: 2, cooldownMs: 400 }),
    });
    const breaker = async () =>
      (
        await s.graphql<{
          providers: { target: string; breakerState: string; errorRate: number }[];
        }>('{ providers { target breakerState errorRate } }')
      ).data!.providers.find((provider) => provider.target === 'openai:gpt-test')!;
    double.enqueue({ kind: 'error', status: 503 }, { kind: 'error', status: 503 });
    await s.graphql<Draft>(DRAFT, { input: statusUpdateInput() });
    await s.graphql<Draft>(DRAFT, { input: statusUpdateInput() });
    expect((await breaker()).breakerState).toBe('OPEN');

    const callsWhileOpen = double.calls;
    const bypassed = (await s.graphql<Draft>(DRAFT, { input: statusUpdateInput() })).data!
      .draftStatusUpdate.generation;
    expect(double.calls).toBe(callsWhileOpen);
    expect(bypassed.provider).toBe('builtin');
    expect(bypassed.attempts[0]).toMatchObject({ provider: 'openai', outcome: 'SKIPPED' });

    await new Promise((resolve) => setTimeout(resolve, 450));
    expect((await breaker()).breakerState).toBe('HALF_OPEN');
    const probe = (await s.graphql<Draft>(DRAFT, { input: statusUpdateInput() })).data!
      .draftStatusUpdate.generation;
    expect(probe.provider).toBe('openai');
    expect(await breaker()).toMatchObject({ breakerState: 'CLOSED' });
  });

  it('aborts the upstream request when every subscriber has left a streamed draft', async () => {
    const s = await start({ LLM_CONFIG: config(double), STREAM_ABANDON_MS: '100' });
    double.enqueue({ kind: 'stall', text: MODEL_STATUS_UPDATE, chunks: 10, afterChunks: 2 });
    const started = await s.graphql<Draft>(DRAFT, { input: statusUpdateInput({ stream: true }) });
    const id = started.data!.draftStatusUpdate.generation.id;
    const client = s.wsClient();
    await new Promise<void>((resolve) => {
      const unsubscribe = client.subscribe(
        {
          query:
            'subscription($id: ID!) { generationStream(id: $id) { seq ... on GenerationTextDelta { text } } }',
          variables: { id },
        },
        {
          next: () => {
            unsubscribe();
            resolve();
          },
          error: () => resolve(),
          complete: () => resolve(),
        },
      );
    });
    await double.waitForAbort(3_000);
    // The double sees the socket close a moment before the runner has stored the outcome.
    const stored = async () =>
      (
        await s.graphql<{ generation: { status: string; error: { code: string } | null } }>(
          'query($id: ID!) { generation(id: $id) { status error { code } } }',
          { id },
        )
      ).data!.generation;
    await expect
      .poll(stored, { timeout: 5_000 })
      .toEqual({ status: 'CANCELLED', error: { code: 'CANCELLED' } });
  });

  it('aborts the upstream request on cancelGeneration', async () => {
    const s = await start({ LLM_CONFIG: config(double) });
    double.enqueue({ kind: 'hang' });
    const started = await s.graphql<Draft>(DRAFT, { input: statusUpdateInput({ stream: true }) });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const cancelled = await s.graphql<{ cancelGeneration: { generation: { status: string } } }>(
      'mutation($id: ID!) { cancelGeneration(input: { id: $id }) { generation { status } } }',
      { id: started.data!.draftStatusUpdate.generation.id },
    );
    expect(cancelled.data!.cancelGeneration.generation.status).toBe('CANCELLED');
    await double.waitForAbort(2_000);
  });

  it('lists every configured target with its health', async () => {
    const s = await start({ LLM_CONFIG: config(double) });
    await s.graphql<Draft>(DRAFT, { input: statusUpdateInput() });
    const { providers } = (
      await s.graphql<{
        providers: {
          target: string;
          breakerState: string;
          recentCalls: number;
          latencyP50Ms: number | null;
          headOf: string[];
        }[];
      }>('{ providers { target breakerState recentCalls latencyP50Ms headOf } }')
    ).data!;
    const openai = providers.find((provider) => provider.target === 'openai:gpt-test')!;
    expect(openai).toMatchObject({ breakerState: 'CLOSED', recentCalls: 1 });
    expect(openai.latencyP50Ms).toBeGreaterThanOrEqual(0);
    expect(openai.headOf).toContain('STATUS_UPDATE');
    expect(providers.find((provider) => provider.target === 'builtin:builtin')!.headOf).toEqual([]);
  });
});
