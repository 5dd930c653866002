/**
 * A finished generation replays from the store a page at a time (issue 14: 550 slow replays of a
 * 38 KB draft held 1.2 GB when each built its whole text into deltas), and the replay stays exact:
 * every delta as it was streamed, from any `afterSeq`, also where a delta boundary falls inside a
 * character beyond U+FFFF (two UTF-16 code units in JavaScript, one character in PostgreSQL).
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  watchGeneration,
  type GenerationEventView,
} from '../../../src/services/generation/watch.js';
import type { SqlDatabase } from '../../../src/infra/store/database.js';
import { GenerationRepository } from '../../../src/infra/store/generations.js';
import { openEmbeddedDatabase } from '../../../src/infra/store/pglite.js';
import { MemoryStreamBus } from '../../../src/infra/streams/memory-bus.js';
import { temporaryDataDir } from '../../support/server.js';

let db: SqlDatabase;
let dataDir: string;
let generations: GenerationRepository;

beforeAll(async () => {
  dataDir = temporaryDataDir();
  db = await openEmbeddedDatabase(dataDir);
  generations = new GenerationRepository(db);
});
afterAll(async () => {
  await db?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Stores a finished generation streamed as `deltas`. */
async function finished(deltas: string[], text = deltas.join('')): Promise<string> {
  const id = randomUUID();
  await generations.insertRunning({
    id,
    accountId: 'acme',
    feature: 'ASSISTANT',
    input: { question: 'what broke?' },
    promptVersion: 'assistant/1',
    incidentId: null,
    idempotencyKey: null,
  });
  await generations.finish('acme', id, {
    status: 'SUCCEEDED',
    text,
    chunkLengths: deltas.map((delta) => delta.length),
    output: null,
    provider: 'builtin',
    model: 'builtin',
    usage: null,
    latencyMs: 1,
    error: null,
    groundingIssues: [],
    cacheHit: false,
    timeToFirstTokenMs: 1,
    attempts: [],
  });
  return id;
}

async function replay(id: string, afterSeq: number): Promise<GenerationEventView[]> {
  const bus = new MemoryStreamBus({ retentionMs: 1000 });
  const events: GenerationEventView[] = [];
  const source = await watchGeneration(
    { generations, bus },
    'acme',
    id,
    afterSeq,
    new AbortController().signal,
  );
  for await (const event of source) events.push(event);
  return events;
}

describe('replaying a finished generation', () => {
  // 700 deltas (three pages): words, emoji, and an emoji cut in two between deltas 300 and 301.
  const deltas = Array.from({ length: 700 }, (_, n) => (n % 7 === 0 ? `🎉${n} ` : `word${n} `));
  deltas[300] = 'split \ud83d';
  deltas[301] = '\ude80 rocket ';

  it('gives back every delta exactly, from any afterSeq, reading the text in pages', async () => {
    const id = await finished(deltas);
    const pages = vi.spyOn(generations, 'replayPage');
    for (const afterSeq of [-1, 0, 255, 256, 299, 300, 301, 600, 698, 699, 700]) {
      const events = await replay(id, afterSeq);
      const expected = deltas
        .map((delta, seq) => ({ seq, delta }))
        .filter(({ seq }) => seq > afterSeq);
      expect(
        events.slice(0, -1).map((event) => ({ seq: event.seq, delta: textOf(event) })),
        `afterSeq ${afterSeq}`,
      ).toEqual(expected);
      if (afterSeq < deltas.length) {
        const last = events.at(-1)!;
        expect(last).toMatchObject({ kind: 'finished', seq: 700 });
        expect(last.kind === 'finished' && last.generation.text).toBe(deltas.join(''));
      } else expect(events).toEqual([]);
    }
    // Three pages per replay, none holding more than its own deltas' text.
    const texts = await Promise.all(
      pages.mock.results.map(async (result) => (await result.value)!.text.length),
    );
    expect(Math.max(...texts)).toBeLessThan(deltas.join('').length / 2);
    pages.mockRestore();
  });

  it('replays text stored without lengths that cover it as one delta', async () => {
    const id = await finished(['Roll', 'back'], 'Rolled back.');
    expect(
      (await replay(id, -1)).map((event) => ({
        kind: event.kind,
        seq: event.seq,
        delta: textOf(event),
      })),
    ).toEqual([
      { kind: 'delta', seq: 0, delta: 'Rolled back.' },
      { kind: 'finished', seq: 1, delta: null },
    ]);
    expect(await replay(id, 0)).toMatchObject([{ kind: 'finished', seq: 1 }]);
  });
});

/** A delta's text; null for the finished event. */
function textOf(event: GenerationEventView): string | null {
  return event.kind === 'delta' ? event.text : null;
}
