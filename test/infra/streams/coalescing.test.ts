/**
 * Issue 19: deltas are coalesced where they are produced. A model streaming chunks faster than the
 * frame yields fewer events, the first at once; every subscriber sees the same events with the
 * same contiguous `seq`; `afterSeq` resumes mid-stream; a replay from the store once the bus has
 * forgotten the stream gives the same events again; and the Redis bus carries one entry per
 * event, not per chunk.
 */
import { createClient } from '@redis/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeltaFrames } from '../../../src/services/generation/delta-frames.js';
import { DRAFT_STATUS_UPDATE, statusUpdateInput } from '../../fixtures/status-update.js';
import { MODEL_STATUS_UPDATE } from '../../support/llm-config.js';
import { startOpenAiDouble, type OpenAiDouble } from '../../support/openai-double.js';
import { redisServerInstalled, startRedis, type RedisServer } from '../../support/redis.js';
import {
  collectStream,
  startTestServer,
  type StreamEventShape,
  type TestServer,
} from '../../support/server.js';
import { until } from '../../support/until.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('DeltaFrames', () => {
  it('publishes the first delta at once, then one event per frame with every delta of it', async () => {
    const published: string[] = [];
    const frames = new DeltaFrames(async (text) => void published.push(text), 50);
    const chunks = Array.from({ length: 60 }, (_, n) => `t${n} `);
    const started = performance.now();
    for (const chunk of chunks) {
      await frames.push(chunk);
      await sleep(3);
    }
    await frames.flush();
    const frameCount = Math.ceil((performance.now() - started) / 50);

    expect(published[0]).toBe('t0 ');
    // The first alone, then one event per 50 ms frame at most (60 chunks take 180 ms or more).
    expect(published.length).toBeGreaterThan(2);
    expect(published.length).toBeLessThanOrEqual(frameCount + 1);
    expect(published.join('')).toBe(chunks.join(''));
    expect(frames.lengths).toEqual(published.map((text) => text.length));
  });

  it('with a frame of 0 publishes every delta alone', async () => {
    const published: string[] = [];
    const frames = new DeltaFrames(async (text) => void published.push(text), 0);
    for (const chunk of ['a', 'b', 'c']) await frames.push(chunk);
    await frames.flush();
    expect(published).toEqual(['a', 'b', 'c']);
  });
});

const available = redisServerInstalled();
if (!available && process.env.CI)
  throw new Error('redis-server is not installed: apt-get install -y redis-server');

describe.skipIf(!available)('a coalesced generation stream over the Redis bus', () => {
  const CHUNKS = 150;
  let redis: RedisServer;
  let double: OpenAiDouble;
  let server: TestServer;

  beforeAll(async () => {
    redis = await startRedis();
    // 150 chunks 3 ms apart: about 0.5 s of text, a dozen 40 ms frames.
    double = await startOpenAiDouble({
      defaultBehaviour: {
        kind: 'text',
        text: MODEL_STATUS_UPDATE,
        chunks: CHUNKS,
        chunkDelayMs: 3,
      },
    });
    server = await startTestServer({
      OPENAI_BASE_URL: double.url,
      OPENAI_API_KEY: 'test-key',
      REDIS_URL: redis.url,
      STREAM_FRAME_MS: '40',
      STREAM_RETENTION_SECONDS: '1',
    });
  });
  afterAll(async () => {
    await server?.stop();
    await double?.close();
    await redis?.dispose();
  });

  const deltasOf = (events: StreamEventShape[]) =>
    events.filter((event) => event.delta !== null).map(({ seq, delta }) => ({ seq, delta }));

  it('gives every subscriber the same fewer events; afterSeq resumes; the store replays them', async () => {
    const drafted = await server.graphql<{ draftStatusUpdate: { generation: { id: string } } }>(
      DRAFT_STATUS_UPDATE,
      { input: statusUpdateInput({ stream: true }) },
    );
    const id = drafted.data!.draftStatusUpdate.generation.id;
    const started = performance.now();
    const [one, two] = await Promise.all([
      collectStream(server.wsClient(), id),
      collectStream(server.wsClient(), id),
    ]);
    expect(one.errors).toBeUndefined();
    expect(two.events).toEqual(one.events);
    const events = one.events;
    const final = events.at(-1)!;
    expect(final.generation).toMatchObject({ id, status: 'SUCCEEDED' });
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index));
    const deltas = deltasOf(events);
    // The first chunk alone, then at most one event per 40 ms frame: far fewer than the chunks
    // (150 chunks 3 ms apart take 450 ms or more).
    const frameCount = Math.ceil((performance.now() - started) / 40);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.length).toBeLessThanOrEqual(Math.min(frameCount + 1, CHUNKS / 3));
    expect(deltas.map((event) => event.delta).join('')).toBe(final.generation!.text);

    // The bus holds one entry per event (and its open marker), not one per model chunk.
    const admin = createClient({ url: redis.url });
    await admin.connect();
    expect(Number(await admin.sendCommand(['XLEN', `ai-subgraph:stream:${id}`]))).toBe(
      events.length + 1,
    );
    await admin.close();

    // Resumed mid-stream from the bus, then (once the bus forgot it) from the store: the same events.
    const middle = Math.floor(deltas.length / 2);
    const resumed = await collectStream(server.wsClient(), id, middle);
    expect(resumed.events).toEqual(events.slice(middle + 1));
    await until('the bus forgot the stream', async () => !(await server.app.services.bus.has(id)));
    const replayed = await collectStream(server.wsClient(), id);
    expect(deltasOf(replayed.events)).toEqual(deltas);
    expect((await collectStream(server.wsClient(), id, middle)).events).toEqual(
      replayed.events.slice(middle + 1),
    );
  });
});
