/**
 * What every StreamBus must do, run against each implementation (memory-bus.test.ts,
 * redis-bus.test.ts): ordered replay from any position, live delivery, `end` completing readers,
 * prompt abort, `has`, retention, and many readers at once.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { StreamBus, StreamEvent } from '../../../src/infra/streams/bus.js';
import { until } from '../../support/until.js';

export interface BusFactoryOptions {
  retentionMs: number;
}

export type BusFactory = (options: BusFactoryOptions) => Promise<StreamBus>;

const LONG_RETENTION = 60_000;

/** Reads every event of a stream until it ends (or the signal aborts). */
export async function collect(
  bus: StreamBus,
  streamId: string,
  afterSeq: number,
  signal: AbortSignal = new AbortController().signal,
): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const event of bus.read(streamId, afterSeq, signal)) events.push(event);
  return events;
}

/** Appends the deltas `texts` (from seq 0) and, unless told not to, the end event. */
export async function writeStream(
  bus: StreamBus,
  streamId: string,
  texts: string[],
  end = true,
): Promise<StreamEvent[]> {
  const events: StreamEvent[] = texts.map((text, seq) => ({ seq, type: 'delta', text }));
  if (end) events.push({ seq: texts.length, type: 'end' });
  await bus.open(streamId);
  for (const event of events) await bus.append(streamId, event);
  return events;
}

export function runBusContract(name: string, makeBus: BusFactory): void {
  describe(`StreamBus contract: ${name}`, () => {
    const buses: StreamBus[] = [];
    const create = async (retentionMs = LONG_RETENTION) => {
      const bus = await makeBus({ retentionMs });
      buses.push(bus);
      return bus;
    };
    afterEach(async () => {
      await Promise.all(buses.splice(0).map((bus) => bus.close()));
    });

    it('replays in order from any afterSeq, then completes after the end event', async () => {
      const bus = await create();
      const id = randomUUID();
      const texts = ['Checkout ', 'errors ', '', 'in EU\n', 'rolled back — ✓ 🎉'];
      const written = await writeStream(bus, id, texts);
      for (let afterSeq = -1; afterSeq <= texts.length; afterSeq++) {
        expect(await collect(bus, id, afterSeq), `afterSeq ${afterSeq}`).toEqual(
          written.filter((event) => event.seq > afterSeq),
        );
      }
      // Anything below -1 means "from the start"; anything past the end reads nothing.
      expect(await collect(bus, id, -10)).toEqual(written);
      expect(await collect(bus, id, texts.length + 5)).toEqual([]);
    });

    it('delivers live events to a reader waiting on an open stream, in order', async () => {
      const bus = await create();
      const id = randomUUID();
      await bus.open(id);
      const received: StreamEvent[] = [];
      const reading = (async () => {
        for await (const event of bus.read(id, -1, new AbortController().signal))
          received.push(event);
      })();
      for (let seq = 0; seq < 5; seq++) {
        await bus.append(id, { seq, type: 'delta', text: `part ${seq} ` });
        await until('the event just appended', () => received.length === seq + 1);
      }
      await bus.append(id, { seq: 5, type: 'end' });
      await reading;
      expect(received.map((event) => event.seq)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(received.at(-1)).toEqual({ seq: 5, type: 'end' });
    });

    it('joins replay and live without losing or repeating an event', async () => {
      const bus = await create();
      const id = randomUUID();
      await writeStream(bus, id, ['a', 'b', 'c'], false);
      const late = collect(bus, id, 0);
      const early = collect(bus, id, -1);
      for (let seq = 3; seq < 40; seq++)
        await bus.append(id, { seq, type: 'delta', text: String.fromCharCode(97 + (seq % 26)) });
      await bus.append(id, { seq: 40, type: 'end' });
      const [fromOne, fromZero] = await Promise.all([late, early]);
      expect(fromZero.map((event) => event.seq)).toEqual(
        Array.from({ length: 41 }, (_, seq) => seq),
      );
      expect(fromOne.map((event) => event.seq)).toEqual(
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
    });

    it('gives a reader from the start every event when another reader asked first for events not yet written', async () => {
      const bus = await create();
      const id = randomUUID();
      await writeStream(bus, id, ['a'], false);
      // A client resuming after seq 3 joins before a client from the start, while only seq 0 exists.
      const resumed = collect(bus, id, 3);
      const fromStart = collect(bus, id, -1);
      await new Promise((resolve) => setTimeout(resolve, 50));
      for (let seq = 1; seq < 8; seq++)
        await bus.append(id, { seq, type: 'delta', text: String(seq) });
      await bus.append(id, { seq: 8, type: 'end' });
      const [afterThree, all] = await Promise.all([resumed, fromStart]);
      expect(all.map((event) => event.seq)).toEqual(Array.from({ length: 9 }, (_, seq) => seq));
      expect(afterThree.map((event) => event.seq)).toEqual([4, 5, 6, 7, 8]);
    });

    it('completes every waiting reader when the end event arrives', async () => {
      const bus = await create();
      const id = randomUUID();
      await writeStream(bus, id, ['x'], false);
      const readers = Array.from({ length: 10 }, (_, i) => collect(bus, id, (i % 2) - 1));
      await new Promise((resolve) => setTimeout(resolve, 20));
      await bus.append(id, { seq: 1, type: 'end' });
      const results = await Promise.all(readers);
      for (const [i, events] of results.entries()) {
        expect(events.at(-1)).toEqual({ seq: 1, type: 'end' });
        expect(events[0]!.seq).toBe(i % 2);
      }
    });

    it('stops a blocked reader promptly when its signal aborts, without an error', async () => {
      const bus = await create();
      const id = randomUUID();
      await writeStream(bus, id, ['one', 'two'], false);
      const controller = new AbortController();
      const received: StreamEvent[] = [];
      const reading = (async () => {
        for await (const event of bus.read(id, -1, controller.signal)) received.push(event);
      })();
      await until('both events', () => received.length === 2);
      const aborted = performance.now();
      controller.abort();
      await reading;
      expect(performance.now() - aborted).toBeLessThan(500);
      // The stream goes on for everyone else.
      await bus.append(id, { seq: 2, type: 'end' });
      expect((await collect(bus, id, -1)).length).toBe(3);
      // A reader whose signal is already aborted reads nothing.
      expect(await collect(bus, id, -1, AbortSignal.abort())).toEqual([]);
    });

    it('lets a consumer stop reading early without disturbing other readers', async () => {
      const bus = await create();
      const id = randomUUID();
      await writeStream(bus, id, ['a', 'b'], false);
      const other = collect(bus, id, -1);
      for await (const event of bus.read(id, -1, new AbortController().signal)) {
        if (event.seq === 1) break;
      }
      await bus.append(id, { seq: 2, type: 'end' });
      expect((await other).map((event) => event.seq)).toEqual([0, 1, 2]);
    });

    it('answers has() before open, after open, after end; an unknown stream reads as empty', async () => {
      const bus = await create();
      const id = randomUUID();
      expect(await bus.has(id)).toBe(false);
      const started = performance.now();
      expect(await collect(bus, id, -1)).toEqual([]);
      expect(performance.now() - started).toBeLessThan(1_000);
      await bus.open(id);
      expect(await bus.has(id)).toBe(true);
      await bus.append(id, { seq: 0, type: 'delta', text: 'hello' });
      await bus.append(id, { seq: 1, type: 'end' });
      expect(await bus.has(id)).toBe(true);
      expect(await bus.has(randomUUID())).toBe(false);
    });

    it('snapshots what was appended so far without waiting, open or ended; an unknown stream as empty', async () => {
      const bus = await create();
      const id = randomUUID();
      expect(await bus.snapshot(id)).toEqual([]);
      const open = await writeStream(bus, id, ['partial ', 'text'], false);
      expect(await bus.snapshot(id)).toEqual(open);
      await bus.append(id, { seq: 2, type: 'end' });
      expect(await bus.snapshot(id)).toEqual([...open, { seq: 2, type: 'end' }]);
    });

    it('keeps opening idempotent: a second open neither resets nor reopens a stream', async () => {
      const bus = await create();
      const id = randomUUID();
      await writeStream(bus, id, ['kept'], false);
      await bus.open(id);
      await bus.append(id, { seq: 1, type: 'end' });
      await bus.open(id);
      expect(await collect(bus, id, -1)).toEqual([
        { seq: 0, type: 'delta', text: 'kept' },
        { seq: 1, type: 'end' },
      ]);
    });

    it('rejects appends to a stream that is not open, has ended, or out of sequence', async () => {
      const bus = await create();
      const id = randomUUID();
      await expect(bus.append(id, { seq: 0, type: 'delta', text: 'x' })).rejects.toThrow(
        /not open/,
      );
      await bus.open(id);
      await expect(bus.append(id, { seq: 1, type: 'delta', text: 'gap' })).rejects.toThrow(
        /expected seq 0/,
      );
      await bus.append(id, { seq: 0, type: 'delta', text: 'x' });
      await expect(bus.append(id, { seq: 5, type: 'delta', text: 'gap' })).rejects.toThrow(
        /expected seq 1/,
      );
      await bus.append(id, { seq: 1, type: 'end' });
      await expect(bus.append(id, { seq: 2, type: 'delta', text: 'late' })).rejects.toThrow(
        /not open/,
      );
      expect((await collect(bus, id, -1)).map((event) => event.seq)).toEqual([0, 1]);
    });

    it('forgets a stream retentionMs after its end, not before', async () => {
      const bus = await create(400);
      const ended = randomUUID();
      const running = randomUUID();
      await writeStream(bus, ended, ['gone soon']);
      await writeStream(bus, running, ['still running'], false);
      expect(await bus.has(ended)).toBe(true);
      await until('the ended stream to be forgotten', async () => !(await bus.has(ended)), 3_000);
      expect(await collect(bus, ended, -1)).toEqual([]);
      // An open stream is not subject to the retention.
      expect(await bus.has(running)).toBe(true);
    });

    it('serves many concurrent readers of many streams, each exactly once and in order', async () => {
      const bus = await create();
      const streams = Array.from({ length: 25 }, () => randomUUID());
      const length = 30;
      await Promise.all(streams.map((id) => bus.open(id)));
      // 20 readers per stream, starting at different positions: 500 readers.
      const readers = streams.flatMap((id) =>
        Array.from({ length: 20 }, (_, i) => ({
          id,
          afterSeq: (i % 5) - 1,
          events: collect(bus, id, (i % 5) - 1),
        })),
      );
      for (let seq = 0; seq < length; seq++) {
        await Promise.all(
          streams.map((id, s) => bus.append(id, { seq, type: 'delta', text: `${s}:${seq} ` })),
        );
      }
      await Promise.all(streams.map((id) => bus.append(id, { seq: length, type: 'end' })));
      for (const reader of readers) {
        const events = await reader.events;
        const expected = Array.from({ length: length + 1 }, (_, seq) => seq).filter(
          (seq) => seq > reader.afterSeq,
        );
        expect(events.map((event) => event.seq)).toEqual(expected);
        const s = streams.indexOf(reader.id);
        for (const event of events)
          if (event.type === 'delta') expect(event.text).toBe(`${s}:${event.seq} `);
      }
    });
  });
}
