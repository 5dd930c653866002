/**
 * graphql-ws subscribe messages repeat the same document text; the server parses and validates
 * each text once. What a client sees must not change: every subscription runs with its own
 * variables, and an invalid document is refused every time it is sent.
 */
import { describe, expect, it } from 'vitest';
import { buildSchema } from '../../../src/graphql/schema.js';
import { DocumentCache } from '../../../src/server/document-cache.js';
import { DRAFT_STATUS_UPDATE, statusUpdateInput } from '../../fixtures/status-update.js';
import { serverWithBuiltinProvider } from '../../support/generation-queries.js';
import { collectStream } from '../../support/server.js';

interface Drafted {
  draftStatusUpdate: { generation: { id: string; text: string } };
}

describe('subscription documents', () => {
  const builtin = serverWithBuiltinProvider();

  it('runs the same subscription text for different generations, each with its own variables', async () => {
    const drafted = await Promise.all(
      [0, 1, 2].map(() =>
        builtin.server.graphql<Drafted>(DRAFT_STATUS_UPDATE, {
          input: statusUpdateInput({ stream: true }),
        }),
      ),
    );
    const ids = drafted.map((result) => result.data!.draftStatusUpdate.generation.id);
    const client = builtin.server.wsClient();
    const streams = await Promise.all(ids.map((id) => collectStream(client, id)));
    for (const [index, { events, errors }] of streams.entries()) {
      expect(errors).toBeUndefined();
      expect(events.at(-1)!.generation!.id).toBe(ids[index]);
      expect(
        events
          .filter((event) => event.delta !== null)
          .map((event) => event.delta)
          .join(''),
      ).toBe(events.at(-1)!.generation!.text);
    }
  });

  it('refuses an invalid subscription every time it is sent, before and after valid ones', async () => {
    const client = builtin.server.wsClient();
    const invalid = 'subscription { generationStream(id: "x") { seq noSuchField } }';
    for (let attempt = 0; attempt < 2; attempt++) {
      const errors = await new Promise<{ message: string; extensions?: { code?: string } }[]>(
        (resolve, reject) => {
          client.subscribe(
            { query: invalid },
            {
              next: () => reject(new Error('an invalid subscription ran')),
              error: (error) => resolve(error as never),
              complete: () => reject(new Error('completed without an error')),
            },
          );
        },
      );
      expect(errors[0]!.message).toContain('noSuchField');
      expect(errors[0]!.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    }
  });

  it('hands out one parsed document per valid text, and reports an invalid one by its errors each time', () => {
    const schema = buildSchema();
    const cache = new DocumentCache(schema);
    const text = 'query { __typename }';
    const first = cache.prepare(text);
    expect(first.errors).toBeUndefined();
    expect(cache.prepare(text).document).toBe(first.document);
    for (let attempt = 0; attempt < 2; attempt++)
      expect(cache.prepare('query { nope }').errors).toHaveLength(1);
  });
});
