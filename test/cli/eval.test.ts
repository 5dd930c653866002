/**
 * `npm run eval` end to end, as a person runs it: a CLINC150 subset (20 intents, train and test
 * rows in one CSV) against a running server. The CLI creates the taxonomy from the file, imports
 * it, trains, evaluates the TEST split through the cascade, prints the summary and writes the report.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clincSubset } from '../support/clinc.js';
import { csvField, runCli } from '../support/cli.js';
import { startTestServer, temporaryDataDir, type TestServer } from '../support/server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Two intents from each of CLINC150's ten domains. */
export const CLINC_20 = [
  'transfer',
  'freeze_account',
  'card_declined',
  'credit_limit',
  'pay_bill',
  'bill_due',
  'book_flight',
  'lost_luggage',
  'pto_request',
  'meeting_schedule',
  'oil_change_how',
  'tire_pressure',
  'recipe',
  'restaurant_reservation',
  'weather',
  'alarm',
  'reminder',
  'shopping_list',
  'tell_joke',
  'change_accent',
];

describe('npm run eval on CLINC150 (20 intents)', () => {
  let server: TestServer;
  let file: string;
  let report: string;

  beforeAll(async () => {
    server = await startTestServer();
    const rows = [...clincSubset('train', CLINC_20), ...clincSubset('test', CLINC_20)];
    file = join(temporaryDataDir(), 'clinc20.csv');
    writeFileSync(
      file,
      ['text,category', ...rows.map(([text, intent]) => `${csvField(text)},${intent}`)].join('\n'),
    );
    mkdirSync(join(ROOT, 'test-output'), { recursive: true });
    report = join(ROOT, 'test-output', 'clinc20-eval.html');
  });
  afterAll(() => server.stop());

  it('creates the taxonomy, imports, trains, evaluates the TEST split and writes the report', async () => {
    const started = performance.now();
    const { code, stdout, stderr } = await runCli('eval', [
      '--dataset',
      file,
      '--taxonomy',
      'clinc20',
      '--url',
      server.url,
      '--report',
      report,
    ]);
    expect(code, stderr).toBe(0);
    const seconds = (performance.now() - started) / 1000;
    expect(stdout).toMatch(/created taxonomy "clinc20" with 20 categories/);
    expect(stdout).toMatch(/2600 rows read: 2600 imported/);
    const figure = (name: string) =>
      Number(new RegExp(`^${name}\\s+([\\d.]+)%`, 'm').exec(stdout)?.[1]);
    const accuracy = figure('accuracy');
    const macroF1 = figure('macro-F1');
    const review = figure('sent to review');
    // The measured figures, for the record of a run.
    process.stdout.write(
      `CLINC150 20 intents, CASCADE without an LLM: accuracy ${accuracy}%, macro-F1 ${macroF1}%, review ${review}% (${seconds.toFixed(1)} s)\n${stdout}\n`,
    );
    expect(accuracy).toBeGreaterThan(85);
    expect(macroF1).toBeGreaterThan(85);
    expect(review).toBeGreaterThanOrEqual(0);
    expect(stdout).toMatch(/weakest categories\s+precision\s+recall\s+F1\s+support/);
    expect(stdout).toMatch(/decided by LOCAL_MODEL/);
    expect(stdout).toMatch(/latency p95\s+\d+ ms/);

    const html = readFileSync(report, 'utf8');
    expect(html).toContain('<svg id="confusion-heatmap"');
    expect(html).toContain('<svg id="category-bars"');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);

    // The evaluation's decisions are not production predictions: nothing waits for review.
    const taxonomies = await server.graphql<{ taxonomies: { nodes: { id: string }[] } }>(
      '{ taxonomies { nodes { id } } }',
    );
    const taxonomyId = taxonomies.data!.taxonomies.nodes[0]!.id;
    const queue = await server.graphql<{ reviewQueue: { totalCount: number; nodes: unknown[] } }>(
      'query($id: ID) { reviewQueue(taxonomyId: $id, first: 500) { totalCount nodes { id } } }',
      { id: taxonomyId },
    );
    expect(queue.data!.reviewQueue).toEqual({ totalCount: 0, nodes: [] });
    const [stored] = await server.app.store.db.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM routing_predictions',
    );
    expect(stored!.count).toBe(0);
  }, 90_000);

  it('serves the report to the owning account only, and 404 for an unknown run', async () => {
    const runs = await server.graphql<{
      evalRuns: { nodes: { id: string; reportPath: string; status: string }[] };
    }>('{ evalRuns { nodes { id reportPath status } } }');
    const run = runs.data!.evalRuns.nodes[0]!;
    expect(run.status).toBe('SUCCEEDED');
    const base = new URL(server.url);
    const ok = await fetch(new URL(run.reportPath, base));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/text\/html/);
    expect(await ok.text()).toContain('confusion-heatmap');
    const missing = await fetch(
      new URL('/reports/eval/00000000-0000-4000-8000-000000000000', base),
    );
    expect(missing.status).toBe(404);
    const garbage = await fetch(new URL('/reports/eval/not-a-run', base));
    expect(garbage.status).toBe(404);
  });
});
