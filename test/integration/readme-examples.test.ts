/**
 * The README's examples work as written: every GraphQL block of its "Examples" section, in order,
 * against a fresh server. A block that declares `$taxonomyId` gets the id the `createTaxonomy`
 * example answered; the blocks that need another id, marked "…", are the subscription and lookup
 * that show what to do with it, and are skipped.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

const section = /\n## Examples\n([\s\S]*?)\n## /.exec(readFileSync('README.md', 'utf8'))![1]!;
const blocks = [...section.matchAll(/```graphql\n([\s\S]*?)```/g)]
  .map((match) => match[1]!)
  .filter((block) => !block.includes('…'));

describe('README examples', () => {
  let server: TestServer;
  /** What the examples after `createTaxonomy` refer to. */
  const variables: { taxonomyId?: string } = {};
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it('has one runnable example per capability', () => {
    const fields = blocks.map((block) => /\{\s*(\w+)/.exec(block)![1]);
    expect(fields).toEqual([
      'draftStatusUpdate',
      'draftRunbook',
      'draftPostmortem',
      'draftJobDigest',
      'draftAssistantAnswer',
      'createTaxonomy',
      'importLabeledTickets',
      'trainRouter',
      'startEvalRun',
      'routeTickets',
      'evalMetrics',
      'screenText',
    ]);
  });

  it.each(blocks.map((block) => [/\{\s*(\w+)/.exec(block)![1], block]))(
    '%s runs as written',
    async (_field, block) => {
      const { status, data, errors } = await server.graphql(
        block,
        block.includes('$taxonomyId') ? variables : undefined,
      );
      expect(errors).toBeUndefined();
      expect(status).toBe(200);
      const answer = Object.values(data!)[0] as
        | { id?: string; status?: string; generation?: { status: string }; userErrors?: unknown[] }
        | unknown[];
      if ('createTaxonomy' in data!)
        variables.taxonomyId = (answer as { taxonomy: { id: string } }).taxonomy.id;
      if (Array.isArray(answer)) return;
      // A payload: nothing refused, and the draft it holds succeeded or runs.
      if (answer.userErrors) expect(answer.userErrors).toEqual([]);
      const drafted = answer.generation?.status ?? answer.status;
      if (drafted) expect(['SUCCEEDED', 'RUNNING']).toContain(drafted);
    },
  );
});
