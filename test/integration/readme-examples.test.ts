/**
 * The README's examples work as written: every GraphQL block of its "Examples" section, in order,
 * against a fresh server (the blocks that need an id from an earlier answer, marked "…", are the
 * subscription and lookup that show what to do with it, and are skipped).
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
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it('has one runnable example per capability', () => {
    const fields = blocks.map((block) => /\{\s*(\w+)/.exec(block)![1]);
    expect(fields).toEqual([
      'draftStatusUpdate',
      'generateRunbook',
      'generatePostmortem',
      'summarizeJobLog',
      'askAssistant',
      'createTaxonomy',
      'routeTickets',
      'evalMetrics',
    ]);
  });

  it.each(blocks.map((block) => [/\{\s*(\w+)/.exec(block)![1], block]))(
    '%s runs as written',
    async (_field, block) => {
      const { status, data, errors } = await server.graphql(block);
      expect(errors).toBeUndefined();
      expect(status).toBe(200);
      const answer = Object.values(data!)[0] as { status?: string } | unknown[];
      if (!Array.isArray(answer) && answer.status)
        expect(['SUCCEEDED', 'RUNNING']).toContain(answer.status);
    },
  );
});
