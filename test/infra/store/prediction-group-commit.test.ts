/**
 * Predictions of concurrent routing calls are stored by one statement (group commit), each call
 * getting back its own rows in its own order; one call's bad row fails that call alone.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { NewPrediction } from '../../../src/infra/store/routing/predictions.js';
import { openStore, type Store } from '../../../src/infra/store/index.js';
import { temporaryDataDir } from '../../support/server.js';

describe('predictions of concurrent routing calls', () => {
  let store: Store;
  const taxonomyId = randomUUID();
  beforeAll(async () => {
    store = await openStore({ dataDir: temporaryDataDir(), poolSize: 1 });
    await store.db.query(
      `INSERT INTO taxonomies (id, account_id, name, version) VALUES ($1, 'acme', 'support', 1)`,
      [taxonomyId],
    );
  });
  afterAll(() => store?.close());

  const prediction = (ticketId: string, id: string = randomUUID()): NewPrediction => ({
    id,
    accountId: 'acme',
    taxonomyId,
    taxonomyVersion: 1,
    ticketId,
    subject: null,
    body: `ticket ${ticketId}`,
    contentHash: null,
    category: 'billing',
    confidence: 0.9,
    decidedBy: 'LOCAL_MODEL',
    needsReview: false,
    alternatives: [{ category: 'billing', confidence: 0.9 }],
    reason: 'local model',
    localCategory: 'billing',
    llmCategory: null,
    latencyMs: 1,
    costUsd: 0,
    inputTokens: 0,
    outputTokens: 0,
  });

  it('are written by one statement, each call getting its own rows back in order', async () => {
    const statements = vi.spyOn(store.db, 'query');
    const calls = [['a'], ['b', 'c'], ['d'], ['e', 'f', 'g']];
    const stored = await Promise.all(
      calls.map((tickets) => store.predictions.insertMany(tickets.map((id) => prediction(id)))),
    );
    expect(statements).toHaveBeenCalledTimes(1);
    statements.mockRestore();
    expect(stored.map((rows) => rows.map((row) => row.ticketId))).toEqual(calls);
    const [first] = stored[1]!;
    expect(await store.predictions.findById('acme', first!.id)).toMatchObject({ ticketId: 'b' });
  });

  it('fail only the call whose row the database refuses', async () => {
    const taken = randomUUID();
    await store.predictions.insertMany([prediction('x', taken)]);
    const [refused, stored] = await Promise.allSettled([
      store.predictions.insertMany([prediction('y', taken)]),
      store.predictions.insertMany([prediction('z')]),
    ]);
    expect(refused.status).toBe('rejected');
    expect(stored).toMatchObject({ status: 'fulfilled', value: [{ ticketId: 'z' }] });
  });
});
