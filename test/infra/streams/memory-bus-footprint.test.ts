/**
 * Thousands of subscribers wait on the embedded bus at once (one per open generationStream), so
 * what one blocked reader holds is multiplied by that: it must stay a few hundred bytes, not the
 * ~35 KiB of an `events.on()` iterator.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { MemoryStreamBus } from '../../../src/infra/streams/memory-bus.js';
import type { StreamEvent } from '../../../src/infra/streams/bus.js';
import { until } from '../../support/until.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('memory bus footprint', () => {
  it('holds under 4 KiB per blocked reader, and delivers to every one of them', async () => {
    const bus = new MemoryStreamBus({ retentionMs: 60_000 });
    const readers = 2_000;
    const ids = Array.from({ length: readers }, () => randomUUID());
    for (const id of ids) await bus.open(id);
    const controller = new AbortController();
    // One signal for all the readers, on purpose: not the leak Node warns of past 10 listeners.
    setMaxListeners(readers, controller.signal);
    const received: StreamEvent[][] = ids.map(() => []);
    const before = heapAfterGc();
    const reading = ids.map(async (id, index) => {
      for await (const event of bus.read(id, -1, controller.signal)) received[index]!.push(event);
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const perReader = (heapAfterGc() - before) / readers;
    expect(perReader).toBeLessThan(4 * 1024);

    for (const id of ids) await bus.append(id, { seq: 0, type: 'delta', text: 'a' });
    await until("every reader's first event", () =>
      received.every((events) => events.length === 1),
    );
    controller.abort();
    await Promise.all(reading);
    expect(received.every((events) => events[0]?.type === 'delta')).toBe(true);
    await bus.close();
  });
});
