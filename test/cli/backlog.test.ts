/** `npm run backlog`: a real child process queueing a file into a running server and following it. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clincSubset } from '../support/clinc.js';
import { csvField, runCli } from '../support/cli.js';
import { startTestServer, temporaryDataDir, type TestServer } from '../support/server.js';

const INTENTS = ['card_declined', 'lost_luggage', 'pin_change', 'transfer'];
const runBacklog = (args: string[], env: Record<string, string>) => runCli('backlog', args, env);

describe('npm run backlog', () => {
  let server: TestServer;
  const dir = temporaryDataDir();
  beforeAll(async () => {
    server = await startTestServer();
    const created = await server.graphql<{ createTaxonomy: { taxonomy: { id: string } } }>(
      'mutation($input: CreateTaxonomyInput!) { createTaxonomy(input: $input) { taxonomy { id } } }',
      {
        input: {
          name: 'support',
          categories: INTENTS.map((name) => ({ name, description: name, target: `queue-${name}` })),
        },
      },
    );
    const id = created.data!.createTaxonomy.taxonomy.id;
    await server.graphql(
      'mutation($id: ID!, $rows: [LabeledTicketInput!]!) { importLabeledTickets(input: { taxonomyId: $id, examples: $rows }) { imported } }',
      {
        id,
        rows: clincSubset('train', INTENTS).map(([body, category]) => ({ body, category })),
      },
    );
    await server.graphql(
      'mutation($id: ID!) { trainRouter(input: { taxonomyId: $id }) { model { trainedOn } } }',
      {
        id,
      },
    );
  });
  afterAll(() => server.stop());

  it('queues a CSV in batches into one backlog, follows it to the end, and writes the results', async () => {
    const rows = clincSubset('test', INTENTS);
    // 2,500 tickets: three calls of at most 1,000 into the same backlog.
    const lines = ['id,subject,text'];
    for (let index = 0; index < 2_500; index++)
      lines.push(
        `T-${index},${index % 2 === 0 ? csvField('Re: help') : ''},${csvField(rows[index % rows.length]![0])}`,
      );
    lines.splice(6, 0, 'T-bad,,');
    const path = join(dir, 'tickets.csv');
    writeFileSync(path, `${lines.join('\n')}\n`);
    const out = join(dir, 'routed.csv');

    const { code, stdout, stderr } = await runBacklog(
      ['--taxonomy', 'support', path, '--out', out],
      { AI_SUBGRAPH_URL: server.url },
    );
    expect(stdout).toContain('line 7: missing "body" (or "text")');
    const id = /backlog ([0-9a-f-]{36}): 2500 tickets queued, 1 rows refused/.exec(stdout)?.[1];
    expect(id).toBeDefined();
    expect(stdout).toMatch(
      new RegExp(
        `backlog ${id} SUCCEEDED: 2500 tickets, 2500 routed \\(\\d+ for review\\), 0 failed`,
      ),
    );
    expect(stdout).toContain(`2500 results written to ${out}`);
    expect(stderr).toMatch(/routing .*100%/);
    // A refused row makes the exit code 1.
    expect(code).toBe(1);

    const written = readFileSync(out, 'utf8').trim().split('\n');
    expect(written[0]).toBe(
      'ticket_id,category,confidence,decided_by,needs_review,target,reason,error',
    );
    expect(written).toHaveLength(2_501);
    expect(written[1]).toMatch(/^T-0,\w+,0\.\d+,LOCAL_MODEL,(true|false),(queue-\w+)?,/);
    const { data } = await server.graphql<{
      routingBacklog: { progress: { total: number; routed: number } };
    }>('query($id: ID!) { routingBacklog(id: $id) { progress { total routed } } }', { id });
    expect(data!.routingBacklog.progress).toEqual({ total: 2_500, routed: 2_500 });
    // A spawned CLI routing 2,500 tickets: the time of eval.test.ts's run, not of a unit test.
  }, 90_000);

  it('returns at once with --no-wait, and writes JSONL results', async () => {
    const path = join(dir, 'few.jsonl');
    writeFileSync(
      path,
      [
        '{"id": "J-1", "body": "I need to change my pin number"}',
        '',
        '{"text": "move money to my savings"}',
      ].join('\n'),
    );
    const queued = await runBacklog(['--taxonomy', 'support', path, '--no-wait'], {
      AI_SUBGRAPH_URL: server.url,
    });
    expect(queued.code).toBe(0);
    expect(queued.stdout).toMatch(/2 tickets queued, 0 rows refused/);
    expect(queued.stdout).not.toMatch(/SUCCEEDED/);

    const out = join(dir, 'few-routed.jsonl');
    const waited = await runBacklog(['--taxonomy', 'support', path, '--out', out], {
      AI_SUBGRAPH_URL: server.url,
    });
    expect(waited.code).toBe(0);
    const results = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { ticket_id: string; category: string | null });
    expect(results.map((result) => result.ticket_id)).toEqual(['J-1', 'line-3']);
    expect(results[0]!.category).toBe('pin_change');
  });

  it('fails clearly for an unknown taxonomy', async () => {
    const unknown = await runBacklog(['--taxonomy', 'nope', join(dir, 'few.jsonl')], {
      AI_SUBGRAPH_URL: server.url,
    });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no taxonomy named "nope"; known: support');
  });
});
