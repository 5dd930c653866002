/**
 * Tenant isolation of the evaluation objects: another account's eval runs, datasets, feedback
 * targets and reports answer as if they did not exist.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusUpdateInput } from '../fixtures/status-update.js';
import { issueKeyIn } from '../support/keys.js';
import { startTestServer, temporaryDataDir, type TestServer } from '../support/server.js';

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('evaluation tenancy', () => {
  let server: TestServer;
  let alice: string;
  let bob: string;
  const owned: Record<'taxonomy' | 'run' | 'dataset' | 'generation' | 'prediction', string> = {
    taxonomy: '',
    run: '',
    dataset: '',
    generation: '',
    prediction: '',
  };

  beforeAll(async () => {
    const dataDir = temporaryDataDir();
    alice = await issueKeyIn(dataDir, 'alice-co', ['generate', 'route', 'eval']);
    bob = await issueKeyIn(dataDir, 'bob-co', ['generate', 'route', 'eval']);
    server = await startTestServer({ NODE_ENV: 'production', DATA_DIR: dataDir });
    const asAlice = <T>(query: string, variables: Record<string, unknown> = {}) =>
      server.graphql<T>(query, variables, bearer(alice));
    const taxonomy = await asAlice<{ createTaxonomy: { taxonomy: { id: string } } }>(
      'mutation { createTaxonomy(input: { name: "alice", categories: [{ name: "billing", description: "money", examples: ["refund my invoice", "charged twice"] }, { name: "access", description: "login", examples: ["cannot log in", "password reset"] }] }) { taxonomy { id } } }',
    );
    owned.taxonomy = taxonomy.data!.createTaxonomy.taxonomy.id;
    // Enough labeled tickets that the fixed 80/20 split leaves some to evaluate on.
    const rows = Array.from({ length: 40 }, (_, index) =>
      index % 2 === 0
        ? { body: `refund invoice number ${index}`, category: 'billing' }
        : { body: `cannot log in from device ${index}`, category: 'access' },
    );
    await asAlice(
      'mutation($t: ID!, $rows: [LabeledTicketInput!]!) { importLabeledTickets(input: { taxonomyId: $t, examples: $rows }) { imported } }',
      { t: owned.taxonomy, rows },
    );
    await asAlice('mutation($t: ID!) { trainRouter(input: { taxonomyId: $t }) { model { id } } }', {
      t: owned.taxonomy,
    });
    const run = await asAlice<{ startEvalRun: { evalRun: { id: string } } }>(
      'mutation($t: ID!) { startEvalRun(input: { kind: ROUTING, datasetId: $t }) { evalRun { id } } }',
      { t: owned.taxonomy },
    );
    expect(run.errors).toBeUndefined();
    owned.run = run.data!.startEvalRun.evalRun.id;
    const dataset = await asAlice<{
      createGenerationDataset: { generationDataset: { id: string } };
    }>(
      'mutation { createGenerationDataset(input: { name: "alice-cases" }) { generationDataset { id } } }',
    );
    owned.dataset = dataset.data!.createGenerationDataset.generationDataset.id;
    const generation = await asAlice<{ draftStatusUpdate: { generation: { id: string } } }>(
      'mutation($input: DraftStatusUpdateInput!) { draftStatusUpdate(input: $input) { generation { id } } }',
      { input: statusUpdateInput() },
    );
    owned.generation = generation.data!.draftStatusUpdate.generation.id;
    const prediction = await asAlice<{ routeTicket: { id: string } }>(
      'query($t: ID) { routeTicket(ticket: { id: "1", body: "refund please" }, taxonomyId: $t) { id } }',
      { t: owned.taxonomy },
    );
    owned.prediction = prediction.data!.routeTicket.id;
  });
  afterAll(() => server.stop());

  it("answers every eval field on another account's objects as not found", async () => {
    const asBob = (query: string, variables: Record<string, unknown> = {}) =>
      server.graphql<Record<string, unknown>>(query, variables, bearer(bob));
    // A query's GraphQL error code, or the first user error's code of a mutation's payload.
    const code = async (query: string, variables: Record<string, unknown>) => {
      const { data, errors } = await asBob(query, variables);
      if (errors) return errors[0]?.extensions?.code;
      const payload = Object.values(data!)[0] as { userErrors?: { code: string }[] };
      return payload.userErrors?.[0]?.code;
    };
    expect(
      (await asBob('query($id: ID!) { evalRun(id: $id) { id } }', { id: owned.run })).data!.evalRun,
    ).toBeNull();
    expect((await asBob('{ evalRuns { nodes { id } totalCount } }')).data).toEqual({
      evalRuns: { nodes: [], totalCount: 0 },
    });
    expect((await asBob('{ generationDatasets { nodes { id } totalCount } }')).data).toEqual({
      generationDatasets: { nodes: [], totalCount: 0 },
    });
    expect(
      await code(
        'mutation($id: ID!) { resumeEvalRun(input: { id: $id }) { evalRun { id } userErrors { code } } }',
        { id: owned.run },
      ),
    ).toBe('NOT_FOUND');
    expect(
      await code(
        'mutation($id: ID!) { cancelEvalRun(input: { id: $id }) { evalRun { id } userErrors { code } } }',
        { id: owned.run },
      ),
    ).toBe('NOT_FOUND');
    expect(
      await code('query($a: ID!) { compareEvalRuns(a: $a, b: $a) { a { id } } }', { a: owned.run }),
    ).toBe('NOT_FOUND');
    expect(
      await code(
        'mutation($t: ID!) { startEvalRun(input: { kind: ROUTING, datasetId: $t }) { evalRun { id } userErrors { code } } }',
        { t: owned.taxonomy },
      ),
    ).toBe('NOT_FOUND');
    expect(
      await code(
        'mutation($d: ID!) { importGenerationCases(input: { datasetId: $d, cases: [{ feature: STATUS_UPDATE, inputJson: "{}" }] }) { imported userErrors { code } } }',
        { d: owned.dataset },
      ),
    ).toBe('NOT_FOUND');
    expect(
      await code(
        'mutation($g: ID!) { submitFeedback(input: { subject: { generationId: $g }, rating: UP }) { feedback { id } userErrors { code } } }',
        { g: owned.generation },
      ),
    ).toBe('NOT_FOUND');
    expect(
      await code(
        'mutation($p: ID!) { submitFeedback(input: { subject: { predictionId: $p }, rating: DOWN }) { feedback { id } userErrors { code } } }',
        { p: owned.prediction },
      ),
    ).toBe('NOT_FOUND');
    expect(
      await code('query($t: ID!) { routingRoi(taxonomyId: $t) { decisions } }', {
        t: owned.taxonomy,
      }),
    ).toBe('NOT_FOUND');

    const report = await fetch(server.url.replace('/graphql', `/reports/eval/${owned.run}`), {
      headers: bearer(bob),
    });
    expect(report.status).toBe(404);
    const own = await fetch(server.url.replace('/graphql', `/reports/eval/${owned.run}`), {
      headers: bearer(alice),
    });
    expect(own.status).not.toBe(404);
  });
});
