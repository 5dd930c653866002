/** `npm run import`: a real child process streaming a file into a running server. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clincSubset } from '../support/clinc.js';
import { csvField, runCli } from '../support/cli.js';
import { startTestServer, temporaryDataDir, type TestServer } from '../support/server.js';

const INTENTS = ['card_declined', 'lost_luggage', 'pin_change', 'transfer'];
const runImport = (args: string[], env: Record<string, string>) => runCli('import', args, env);

describe('npm run import', () => {
  let server: TestServer;
  const dir = temporaryDataDir();
  beforeAll(async () => {
    server = await startTestServer();
    await server.graphql(
      'mutation($input: CreateTaxonomyInput!) { createTaxonomy(input: $input) { taxonomy { id } } }',
      {
        input: {
          name: 'support',
          categories: INTENTS.map((name) => ({ name, description: name })),
        },
      },
    );
  });
  afterAll(() => server.stop());

  it('streams a CSV in batches, reports bad rows by line without stopping, and counts duplicates', async () => {
    const rows = clincSubset('train', INTENTS);
    // 400 distinct rows, repeated to 5,000: batches of 2,000, and duplicates across batches.
    const lines = ['subject,text,category'];
    for (let index = 0; index < 5_000; index++) {
      const [body, category] = rows[index % rows.length]!;
      lines.push(`${index % 2 === 0 ? csvField('Re: help') : ''},${csvField(body)},${category}`);
    }
    lines.splice(11, 0, ',"no category here",');
    lines.splice(21, 0, ',"my parcel is lost",shipping');
    const path = join(dir, 'tickets.csv');
    writeFileSync(path, `${lines.join('\n')}\n`);

    const { code, stdout, stderr } = await runImport(['--taxonomy', 'support', path], {
      AI_SUBGRAPH_URL: server.url,
    });
    expect(stdout).toContain('line 12: missing "category"');
    expect(stdout).toContain('line 22: unknown category "shipping"');
    expect(stdout).toContain('5002 rows read: 400 imported, 4600 duplicates, 2 refused');
    expect(stderr).toMatch(/100%/);
    expect(code).toBe(1);
    const { data } = await server.graphql<{ taxonomies: { nodes: { labeledTickets: number }[] } }>(
      '{ taxonomies { nodes { labeledTickets } } }',
    );
    expect(data!.taxonomies.nodes[0]!.labeledTickets).toBe(400);
  });

  it('reads JSONL with body or text keys, and exits 0 when nothing is refused', async () => {
    const path = join(dir, 'more.jsonl');
    writeFileSync(
      path,
      [
        '{"body": "I need to change my pin number", "category": "pin_change"}',
        '',
        '{"text": "move money to my savings", "category": "transfer"}',
      ].join('\n'),
    );
    const { code, stdout } = await runImport(['--taxonomy', 'support', path], {
      AI_SUBGRAPH_URL: server.url,
    });
    expect(stdout).toContain('2 rows read: 2 imported, 0 duplicates, 0 refused');
    expect(code).toBe(0);
  });

  it('fails clearly for an unknown taxonomy or an unreachable server', async () => {
    const path = join(dir, 'more.jsonl');
    const unknown = await runImport(['--taxonomy', 'nope', path], { AI_SUBGRAPH_URL: server.url });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no taxonomy named "nope"; known: support');
    const unreachable = await runImport(['--taxonomy', 'support', path], {
      AI_SUBGRAPH_URL: 'http://127.0.0.1:9/graphql',
    });
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toMatch(/cannot reach http:\/\/127.0.0.1:9\/graphql/);
  });
});
