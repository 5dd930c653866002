/**
 * An evaluation run survives its process: the server (a real child process) is killed with
 * SIGKILL mid-run, restarted on the same data directory, finds the run INTERRUPTED, and
 * `resumeEvalRun` finishes it without redoing a case whose result was stored: the LLM (the OpenAI
 * double) is asked exactly once more for each missing case.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clincSubset } from '../../support/clinc.js';
import { routingThroughDouble } from '../../support/llm-config.js';
import { startOpenAiDouble, type OpenAiDouble } from '../../support/openai-double.js';
import { spawnServer, type ServerProcess } from '../../support/process.js';
import { temporaryDataDir } from '../../support/server.js';

const INTENTS = [
  'card_declined',
  'lost_luggage',
  'pin_change',
  'transfer',
  'bill_due',
  'reset_settings',
  'book_flight',
  'insurance',
];
const CASES = 40;

async function graphql<T>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data!;
}

const RUN = 'id status progress { done total } error { code }';
type Run = {
  id: string;
  status: string;
  progress: { done: number; total: number };
  error: { code: string } | null;
};

async function waitFor(
  url: string,
  id: string,
  until: (run: Run) => boolean,
  timeoutMs = 30_000,
): Promise<Run> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { evalRun } = await graphql<{ evalRun: Run }>(
      url,
      `query($id: ID!) { evalRun(id: $id) { ${RUN} } }`,
      { id },
    );
    if (until(evalRun)) return evalRun;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting; run is ${JSON.stringify(evalRun)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('resuming an evaluation run after the process was killed', () => {
  let double: OpenAiDouble;
  let server: ServerProcess | undefined;
  const dataDir = temporaryDataDir();
  let env: Record<string, string>;

  beforeAll(async () => {
    double = await startOpenAiDouble({
      // Every routing call (one ticket each) takes a moment and answers with a category.
      defaultBehaviour: {
        kind: 'delay',
        ms: 120,
        then: {
          kind: 'json',
          value: {
            results: [{ id: '0', category: 'transfer', confidence: 0.9, reason: 'looks like it' }],
          },
        },
      },
    });
    const LLM_CONFIG = routingThroughDouble(double.url);
    env = { DATA_DIR: dataDir, LLM_CONFIG, OPENAI_API_KEY: 'sk-test' };
  });
  afterAll(async () => {
    server?.child.kill('SIGKILL');
    await double.close();
  });

  it('marks the run INTERRUPTED at start-up and finishes only the missing cases', async () => {
    server = spawnServer(env);
    let url = await server.ready;
    const { createTaxonomy } = await graphql<{ createTaxonomy: { taxonomy: { id: string } } }>(
      url,
      'mutation($input: CreateTaxonomyInput!) { createTaxonomy(input: $input) { taxonomy { id } } }',
      {
        input: {
          name: 'support',
          categories: INTENTS.map((intent) => ({
            name: intent,
            description: intent.replace('_', ' '),
          })),
        },
      },
    );
    const rows = [...clincSubset('train', INTENTS), ...clincSubset('test', INTENTS)].map(
      ([body, category]) => ({ body, category }),
    );
    for (let start = 0; start < rows.length; start += 1_000) {
      await graphql(
        url,
        'mutation($id: ID!, $rows: [LabeledTicketInput!]!) { importLabeledTickets(input: { taxonomyId: $id, examples: $rows }) { imported } }',
        { id: createTaxonomy.taxonomy.id, rows: rows.slice(start, start + 1_000) },
      );
    }
    const {
      startEvalRun: { evalRun: startEvalRun },
    } = await graphql<{ startEvalRun: { evalRun: Run } }>(
      url,
      `mutation($input: StartEvalRunInput!) { startEvalRun(input: $input) { evalRun { ${RUN} } } }`,
      {
        input: {
          kind: 'ROUTING',
          datasetId: createTaxonomy.taxonomy.id,
          target: 'openai:gpt-test',
          batchSize: 1,
          concurrency: 2,
          maxCases: CASES,
        },
      },
    );
    expect(startEvalRun.progress.total).toBe(CASES);

    await waitFor(url, startEvalRun.id, (run) => run.progress.done >= 8);
    server.child.kill('SIGKILL');
    await server.exited;

    server = spawnServer(env);
    url = await server.ready;
    const interrupted = await waitFor(url, startEvalRun.id, () => true);
    expect(interrupted.status).toBe('INTERRUPTED');
    expect(interrupted.error!.code).toBe('INTERRUPTED');
    const stored = interrupted.progress.done;
    expect(stored).toBeGreaterThanOrEqual(8);
    expect(stored).toBeLessThan(CASES);

    const callsBefore = double.calls;
    const {
      resumeEvalRun: { evalRun: resumeEvalRun },
    } = await graphql<{ resumeEvalRun: { evalRun: Run } }>(
      url,
      `mutation($id: ID!) { resumeEvalRun(input: { id: $id }) { evalRun { ${RUN} } } }`,
      { id: startEvalRun.id },
    );
    expect(resumeEvalRun.status).toBe('RUNNING');
    const finished = await waitFor(url, startEvalRun.id, (run) => run.status !== 'RUNNING');
    expect(finished).toMatchObject({
      status: 'SUCCEEDED',
      progress: { done: CASES, total: CASES },
    });
    // One LLM call per case that had no stored result; none for the cases already done.
    expect(double.calls - callsBefore).toBe(CASES - stored);

    const { evalRun } = await graphql<{
      evalRun: {
        results: { nodes: { caseId: string; predicted: string }[]; totalCount: number };
        metrics: { cases: number; stages: { decidedBy: string }[] };
      };
    }>(
      url,
      'query($id: ID!) { evalRun(id: $id) { results(first: 500) { nodes { caseId predicted } totalCount } metrics { ... on RoutingEvalMetrics { cases stages { decidedBy } } } } }',
      { id: startEvalRun.id },
    );
    expect(new Set(evalRun.results.nodes.map((node) => node.caseId)).size).toBe(CASES);
    expect(evalRun.results.totalCount).toBe(CASES);
    expect(evalRun.metrics.cases).toBe(CASES);
    expect(evalRun.metrics.stages.map((stage) => stage.decidedBy)).toEqual(['LLM']);

    const again = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query:
          'mutation($id: ID!) { resumeEvalRun(input: { id: $id }) { evalRun { id } userErrors { field code } } }',
        variables: { id: startEvalRun.id },
      }),
    });
    // Resuming a finished run is a conflict the client can show, not a GraphQL error.
    expect(
      ((await again.json()) as { data: { resumeEvalRun: unknown } }).data.resumeEvalRun,
    ).toEqual({ evalRun: null, userErrors: [{ field: null, code: 'CONFLICT' }] });
  }, 90_000);
});
