/**
 * The generation runner on its own: a real store (PGlite, or PostgreSQL under
 * TEST_DATABASE=postgres), the in-memory stream bus, the real gateway, and a scripted provider
 * that answers, streams, fails and hangs on cue. No HTTP, no GraphQL: what a draft goes through
 * between "start" and its stored outcome, seen from the store and from the stream a subscriber
 * reads.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerationCapability } from '../../../src/features/capability.js';
import { reviveDates } from '../../../src/services/evaluation/datasets.js';
import { GenerationRunner, type StartOptions } from '../../../src/services/generation/runner.js';
import { statusUpdate } from '../../../src/features/status-update/index.js';
import type { StatusUpdateOutput } from '../../../src/features/status-update/output.js';
import type { Account } from '../../../src/domain.js';
import { LlmGateway } from '../../../src/llm/gateway.js';
import { parseLlmConfig } from '../../../src/llm/provider-chains.js';
import { createLogger } from '../../../src/infra/observability/logger.js';
import type { GenerationRecord } from '../../../src/infra/store/generations.js';
import { openStore, type Store } from '../../../src/infra/store/index.js';
import type { StreamEvent } from '../../../src/infra/streams/bus.js';
import { MemoryStreamBus } from '../../../src/infra/streams/memory-bus.js';
import { MODEL_STATUS_UPDATE, statusUpdateInput } from '../../fixtures/status-update.js';
import {
  ScriptedProvider,
  answer,
  fail,
  failAfter,
  hang,
  stream,
} from '../../support/scripted-provider.js';
import { storeEnvFor, temporaryDataDir } from '../../support/server.js';
import { until } from '../../support/until.js';

/** An answer without the two parts a status update cannot do without (status and impact). */
const LACKING = 'Things are bad. We are on it.';

/**
 * The model's status update as a streaming model sends it, one line per delta. Without brackets:
 * text that may start a link (`[`) is held back until its paragraph ends (link-neutraliser.ts),
 * which would merge deltas.
 */
const STREAMED = MODEL_STATUS_UPDATE.replace('# [SEV2] ', '# SEV2: ');
const DELTAS = STREAMED.match(/[^\n]*\n?/g)!.filter(Boolean);

const INPUT = reviveDates(statusUpdate.inputSchema, statusUpdateInput());

let store: Store;
let bus: MemoryStreamBus;

beforeAll(async () => {
  const dataDir = temporaryDataDir();
  const { DATABASE_URL: databaseUrl } = await storeEnvFor(dataDir);
  store = await openStore({ dataDir, databaseUrl, poolSize: 2 });
  bus = new MemoryStreamBus({ retentionMs: 60_000 });
});

afterAll(async () => {
  await bus?.close();
  await store?.close();
});

interface Setup {
  /** The gateway's deadline for the whole call (min 100 ms). */
  timeoutMs?: number;
  /** Retries of a retryable failure before the first delta. */
  retries?: number;
  /** The runner's delta frame; 0 publishes every delta as its own event. */
  frameMs?: number;
  /** How long a streamed draft outlives its last subscriber. */
  abandonAfterMs?: number;
}

/** A runner wired as services.ts wires it, over one scripted provider, for one account of its own. */
function setUp({
  timeoutMs = 10_000,
  retries = 0,
  frameMs = 0,
  abandonAfterMs = 60_000,
}: Setup = {}) {
  const model = new ScriptedProvider({ name: 'scripted' });
  const routing = parseLlmConfig(
    JSON.stringify({
      providers: { scripted: { type: 'openai', trusted: true } },
      defaults: { chain: ['scripted:test-model'], retries, timeoutMs },
      policies: { retry: { baseDelayMs: 1, maxDelayMs: 5 } },
    }),
    'test.json',
  );
  const finished: GenerationRecord[] = [];
  const runner = new GenerationRunner({
    generations: store.generations,
    bus,
    gateway: new LlmGateway(routing, [model]),
    logger: createLogger({ level: 'silent', pretty: false }),
    abandonAfterMs,
    frameMs,
    onFinished: (generation) => finished.push(generation),
  });
  const account: Account = { id: `acct-${randomUUID()}`, scopes: new Set() };
  const draft = (options: Partial<StartOptions> = {}, input: unknown = INPUT) =>
    runner.start(statusUpdate as GenerationCapability<never, StatusUpdateOutput>, input, {
      account,
      stream: false,
      ...options,
    });
  const stored = (id: string) => store.generations.findById(account.id, id);
  return { model, runner, account, draft, stored, finished };
}

/** Every event of a generation's stream, from the first, until its `end`. */
async function eventsOf(id: string): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const event of bus.read(id, -1, AbortSignal.timeout(10_000))) events.push(event);
  return events;
}

const deltaTexts = (events: StreamEvent[]) =>
  events.flatMap((event) => (event.type === 'delta' ? [event.text] : []));

const outputOf = (record: GenerationRecord | null) => record!.output as StatusUpdateOutput;

function gate(): { open: () => void; opened: Promise<void> } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('starting a draft', () => {
  it('stores it RUNNING while the model works, then SUCCEEDED with its text, typed output, usage and attempt', async () => {
    const { model, runner, draft, stored, finished } = setUp();
    const held = gate();
    model.enqueue(answer(MODEL_STATUS_UPDATE, { waitFor: held.opened }));

    const pending = draft();
    await model.called();
    const [id] = runner.runningIds;
    await until('the RUNNING row', async () => (await stored(id!)) !== null);
    expect(await stored(id!)).toMatchObject({ status: 'RUNNING', text: '', output: null });

    held.open();
    const record = await pending;
    expect(record).toMatchObject({
      id,
      feature: 'STATUS_UPDATE',
      status: 'SUCCEEDED',
      text: MODEL_STATUS_UPDATE,
      provider: 'scripted',
      model: 'test-model',
      promptVersion: statusUpdate.promptVersion,
      usage: { inputTokens: 10, outputTokens: 5 },
      error: null,
      attempts: [expect.objectContaining({ provider: 'scripted', outcome: 'ok' })],
    });
    expect(outputOf(record)).toMatchObject({
      audience: 'INTERNAL',
      affectedServices: ['checkout-api', 'payments-gateway'],
      needsHuman: [],
    });
    expect(outputOf(record).impact).toMatch(/Checkout errors/);
    expect(await stored(id!)).toEqual(record);
    expect(finished.map((generation) => generation.id)).toEqual([id]);
    expect(runner.activeCount).toBe(0);

    // The model was sent the prompt, with the input fenced as data, and the validated input.
    const [call] = model.calls;
    expect(call!.method).toBe('generate');
    expect(call!.request.messages.map((message) => message.role)).toEqual(['system', 'user']);
    expect(call!.request.messages[1]!.content).toContain('Checkout errors in eu-west-1');
  });

  it('refuses an invalid input before anything is stored or any model called', async () => {
    const { model, draft } = setUp();
    await expect(
      draft({}, { audience: 'INTERNAL', incident: { title: '' } }),
    ).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(model.calls).toHaveLength(0);
  });
});

describe('streaming a draft', () => {
  it('returns RUNNING at once and publishes the deltas in order, ending with one end; they add up to the stored text', async () => {
    const { model, draft, stored } = setUp({ frameMs: 0 });
    model.enqueue(stream(DELTAS, { delayMs: 2 }));

    const started = await draft({ stream: true });
    expect(started.status).toBe('RUNNING');
    const events = await eventsOf(started.id);

    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index));
    expect(events.at(-1)).toEqual({ seq: events.length - 1, type: 'end' });
    expect(events.slice(0, -1).every((event) => event.type === 'delta')).toBe(true);
    // Without frames, every delta of the model is an event of its own.
    expect(deltaTexts(events)).toEqual(DELTAS);
    const record = await stored(started.id);
    expect(record).toMatchObject({ status: 'SUCCEEDED', text: STREAMED });
    expect(record!.chunkLengths).toEqual(DELTAS.map((delta) => delta.length));
    expect(model.calls[0]!.method).toBe('stream');
  });

  it('coalesces the deltas that arrive within one frame into one event, the first at once', async () => {
    const { model, draft, stored } = setUp({ frameMs: 60_000 });
    model.enqueue(stream(DELTAS, { delayMs: 1 }));

    const started = await draft({ stream: true });
    const events = await eventsOf(started.id);

    // The first delta goes out at once; the rest of the answer arrives within the frame.
    expect(deltaTexts(events)).toEqual([DELTAS[0], DELTAS.slice(1).join('')]);
    expect(deltaTexts(events).join('')).toBe(STREAMED);
    const record = await stored(started.id);
    expect(record!.text).toBe(STREAMED);
    // What is stored replays as the events subscribers saw.
    expect(record!.chunkLengths).toEqual(deltaTexts(events).map((text) => text.length));
  });

  it('publishes a draft that was not streamed as one delta, once its output is final', async () => {
    const { model, draft } = setUp({ frameMs: 0 });
    model.enqueue(stream(DELTAS));
    const record = await draft();
    expect(deltaTexts(await eventsOf(record.id))).toEqual([STREAMED]);
  });
});

describe('idempotency', () => {
  it('answers a repeated request with the first generation, and calls the model once', async () => {
    const { model, draft } = setUp();
    const held = gate();
    model.enqueue(answer(MODEL_STATUS_UPDATE, { waitFor: held.opened }));

    // The second request arrives while the first is still drafting.
    const first = draft({ idempotencyKey: 'update-1' });
    await model.called();
    const second = draft({ idempotencyKey: 'update-1' });
    held.open();
    const [a, b] = await Promise.all([first, second]);

    expect(b.id).toBe(a.id);
    expect(b).toMatchObject({ status: 'SUCCEEDED', text: MODEL_STATUS_UPDATE });
    // And again once it is finished.
    expect((await draft({ idempotencyKey: 'update-1' })).id).toBe(a.id);
    expect(model.calls).toHaveLength(1);
  });

  it('refuses the same key with another input (CONFLICT), without calling the model', async () => {
    const { model, draft } = setUp();
    model.enqueue(answer(MODEL_STATUS_UPDATE));
    await draft({ idempotencyKey: 'update-2' });
    const other = reviveDates(
      statusUpdate.inputSchema,
      statusUpdateInput({ audience: 'CUSTOMER' }),
    );
    await expect(draft({ idempotencyKey: 'update-2' }, other)).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect(model.calls).toHaveLength(1);
  });
});

describe('cancelling', () => {
  it('aborts the model call and stores CANCELLED with the text streamed so far; subscribers get the end', async () => {
    const { model, runner, account, draft, stored } = setUp({ frameMs: 0 });
    model.enqueue(hang(['# SEV2: Checkout errors']));

    const started = await draft({ stream: true });
    await until('the first delta', async () => (await bus.snapshot(started.id)).length > 0);
    const cancelled = await runner.cancel(account, started.id);

    expect(cancelled).toMatchObject({
      status: 'CANCELLED',
      text: '# SEV2: Checkout errors',
      error: { code: 'CANCELLED' },
    });
    expect(model.calls[0]!.signal.aborted).toBe(true);
    expect((await eventsOf(started.id)).at(-1)!.type).toBe('end');
    expect(await stored(started.id)).toEqual(cancelled);
    expect(runner.activeCount).toBe(0);
  });

  it('cancels a draft that is not streamed when its caller hangs up', async () => {
    const { model, draft } = setUp();
    model.enqueue(hang());
    const hangUp = new AbortController();
    const pending = draft({ signal: hangUp.signal });
    await model.called();
    hangUp.abort();
    expect(await pending).toMatchObject({ status: 'CANCELLED', error: { code: 'CANCELLED' } });
    expect(model.calls[0]!.signal.aborted).toBe(true);
  });

  it('finds no generation of another account (NOT_FOUND), and leaves it running', async () => {
    const { model, draft, runner } = setUp();
    const held = gate();
    model.enqueue(answer(MODEL_STATUS_UPDATE, { waitFor: held.opened }));
    const started = await draft({ stream: true });
    const stranger: Account = { id: 'someone-else', scopes: new Set() };
    await expect(runner.cancel(stranger, started.id)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    held.open();
    expect(await runner.outcome(started.id)).toMatchObject({ status: 'SUCCEEDED' });
  });
});

describe('streams nobody watches, and shutdown', () => {
  it('cancels a streamed draft once its last subscriber has been gone for abandonAfterMs', async () => {
    const { model, runner, draft, stored } = setUp({ abandonAfterMs: 50 });
    model.enqueue(hang(['SEV2: Checkout errors']));
    const started = await draft({ stream: true });
    const leave = runner.watch(started.id);
    await model.called();
    leave();
    expect(await runner.outcome(started.id)).toMatchObject({
      status: 'CANCELLED',
      error: { code: 'CANCELLED', message: 'every subscriber left the stream' },
    });
    expect(model.calls[0]!.signal.aborted).toBe(true);
    expect((await stored(started.id))!.status).toBe('CANCELLED');
  });

  it('lets running drafts finish within the grace period, then interrupts the rest with their text', async () => {
    const { model, runner, draft } = setUp();
    model.enqueue(stream(DELTAS, { delayMs: 5 }), hang(['SEV2: Checkout errors']));
    const quick = await draft({ stream: true });
    const slow = await draft({ stream: true });
    await until('the first delta', async () => (await bus.snapshot(slow.id)).length > 0);

    await runner.drain(1_000);
    expect(runner.activeCount).toBe(0);
    expect(await store.generations.findById(quick.accountId, quick.id)).toMatchObject({
      status: 'SUCCEEDED',
      text: STREAMED,
    });
    expect(await store.generations.findById(slow.accountId, slow.id)).toMatchObject({
      status: 'INTERRUPTED',
      text: 'SEV2: Checkout errors',
      error: { code: 'INTERRUPTED' },
    });
    expect((await eventsOf(slow.id)).at(-1)!.type).toBe('end');
  });
});

describe('the corrective retry', () => {
  it('asks once more when a draft lacks an essential part, and keeps the better answer', async () => {
    const { model, draft } = setUp();
    model.enqueue(answer(LACKING), answer(MODEL_STATUS_UPDATE));

    const record = await draft();

    expect(model.calls).toHaveLength(2);
    const correction = model.calls[1]!.request.messages;
    expect(correction.at(-2)).toEqual({ role: 'assistant', content: LACKING });
    expect(correction.at(-1)!.content).toMatch(/lacks: currentStatus, impact/);
    expect(record).toMatchObject({ status: 'SUCCEEDED', text: MODEL_STATUS_UPDATE });
    expect(outputOf(record).needsHuman).toEqual([]);
    // Both answers were paid for.
    expect(record.usage).toMatchObject({ inputTokens: 20, outputTokens: 10 });
    expect(record.attempts).toHaveLength(2);
  });

  it('keeps the first answer, naming what it lacks, when the second is no better or fails', async () => {
    const { model, draft } = setUp();
    model.enqueue(answer(LACKING), answer('Nor now.'), answer(LACKING), fail('unavailable'));

    for (const _ of [1, 2]) {
      const record = await draft();
      expect(record).toMatchObject({ status: 'SUCCEEDED', text: LACKING });
      expect(outputOf(record).needsHuman).toEqual(
        expect.arrayContaining(['currentStatus', 'impact']),
      );
    }
    expect(model.calls).toHaveLength(4);
  });

  it('never asks again for a streamed draft: its text is already on screen', async () => {
    const { model, draft, stored } = setUp();
    model.enqueue(stream([LACKING]), answer(MODEL_STATUS_UPDATE));
    const started = await draft({ stream: true });
    await eventsOf(started.id);
    expect(await stored(started.id)).toMatchObject({ status: 'SUCCEEDED', text: LACKING });
    expect(model.calls).toHaveLength(1);
  });
});

describe('the deadline', () => {
  it('ends a draft whose model never answers as FAILED with PROVIDER_TIMEOUT, and aborts the call', async () => {
    const { model, draft } = setUp({ timeoutMs: 150 });
    model.enqueue(hang());
    const record = await draft();
    expect(record).toMatchObject({
      status: 'FAILED',
      output: null,
      provider: 'scripted',
      error: { code: 'PROVIDER_TIMEOUT' },
      attempts: [expect.objectContaining({ outcome: 'failed', errorCode: 'PROVIDER_TIMEOUT' })],
    });
    expect(model.calls[0]!.signal.aborted).toBe(true);
  });

  it('keeps what a streamed draft had shown when the deadline cuts it', async () => {
    const { model, draft, stored } = setUp({ timeoutMs: 150 });
    model.enqueue(hang(['# SEV2: Checkout']));
    const started = await draft({ stream: true });
    const events = await eventsOf(started.id);
    expect(deltaTexts(events).join('')).toBe('# SEV2: Checkout');
    expect(await stored(started.id)).toMatchObject({
      status: 'FAILED',
      text: '# SEV2: Checkout',
      error: { code: 'PROVIDER_TIMEOUT' },
    });
  });
});

describe('failures', () => {
  it('fails a streamed draft whose model breaks after the first delta, keeping the text so far and not retrying', async () => {
    const { model, draft, stored } = setUp({ retries: 2 });
    model.enqueue(failAfter(DELTAS.slice(0, 2), 'unavailable'), answer(MODEL_STATUS_UPDATE));

    const started = await draft({ stream: true });
    const events = await eventsOf(started.id);
    const record = await stored(started.id);

    const shown = DELTAS.slice(0, 2).join('');
    expect(record).toMatchObject({
      status: 'FAILED',
      text: shown,
      output: null,
      error: { code: 'PROVIDER_UNAVAILABLE' },
    });
    expect(deltaTexts(events).join('')).toBe(shown);
    expect(events.at(-1)!.type).toBe('end');
    // A retry would repeat or contradict text already on screen.
    expect(model.calls).toHaveLength(1);
    expect(model.pending).toBe(1);
  });

  it('retries a retryable failure before any text, and records both attempts', async () => {
    const { model, draft } = setUp({ retries: 1 });
    model.enqueue(fail('rate-limited'), answer(MODEL_STATUS_UPDATE));
    const record = await draft();
    expect(record).toMatchObject({ status: 'SUCCEEDED', text: MODEL_STATUS_UPDATE });
    expect(record.attempts.map((attempt) => [attempt.outcome, attempt.errorCode])).toEqual([
      ['failed', 'PROVIDER_RATE_LIMITED'],
      ['ok', null],
    ]);
  });

  it('stores a refusal as FAILED with the provider error code, after one call', async () => {
    const { model, draft } = setUp({ retries: 2 });
    model.enqueue(fail('refused', { message: 'content policy' }));
    const record = await draft();
    expect(record).toMatchObject({
      status: 'FAILED',
      text: '',
      error: { code: 'PROVIDER_REFUSED', message: 'content policy' },
    });
    expect(model.calls).toHaveLength(1);
  });
});
