/**
 * `submitFeedback` needs the scope of what the feedback writes: a corrected category adds router
 * training data (a labeled ticket), so it needs `route` like `reviewRouting`; a rating of a draft
 * needs `generate` or `eval`, of a routing decision `route` or `eval`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusUpdateInput } from '../fixtures/status-update.js';
import { issueKeyIn } from '../support/keys.js';
import { startTestServer, temporaryDataDir, type TestServer } from '../support/server.js';

const SUBMIT =
  'mutation($input: SubmitFeedbackInput!) { submitFeedback(input: $input) { feedback { id correctedCategory labeledTicketCreated } userErrors { field code } } }';

describe('submitFeedback scopes', () => {
  let server: TestServer;
  const keys: Record<'generate' | 'route' | 'eval' | 'all', string> = {
    generate: '',
    route: '',
    eval: '',
    all: '',
  };
  let generationId: string;
  let predictionId: string;
  let taxonomyId: string;

  const as = (who: keyof typeof keys, query: string, variables: Record<string, unknown> = {}) =>
    server.graphql<Record<string, unknown>>(query, variables, {
      authorization: `Bearer ${keys[who]}`,
    });

  /** Labeled tickets of the taxonomy: what training would learn from. */
  const labeledTickets = async () => {
    const taxonomies = await as('all', '{ taxonomies { nodes { id labeledTickets } } }');
    return (
      taxonomies.data!.taxonomies as { nodes: { id: string; labeledTickets: number }[] }
    ).nodes.find((taxonomy) => taxonomy.id === taxonomyId)!.labeledTickets;
  };

  beforeAll(async () => {
    const dataDir = temporaryDataDir();
    keys.generate = await issueKeyIn(dataDir, 'acme', ['generate']);
    keys.route = await issueKeyIn(dataDir, 'acme', ['route']);
    keys.eval = await issueKeyIn(dataDir, 'acme', ['eval']);
    keys.all = await issueKeyIn(dataDir, 'acme', ['generate', 'route', 'eval']);
    server = await startTestServer({ NODE_ENV: 'production', DATA_DIR: dataDir });
    const taxonomy = await as(
      'all',
      'mutation { createTaxonomy(input: { name: "support", categories: [{ name: "billing", description: "money" }, { name: "access", description: "logins" }] }) { taxonomy { id } } }',
    );
    taxonomyId = (taxonomy.data!.createTaxonomy as { taxonomy: { id: string } }).taxonomy.id;
    const routed = await as(
      'all',
      'query($t: ID) { routeTicket(ticket: { id: "t-1", body: "I was charged twice" }, taxonomyId: $t) { id } }',
      { t: taxonomyId },
    );
    predictionId = (routed.data!.routeTicket as { id: string }).id;
    const draft = await as(
      'all',
      'mutation($input: DraftStatusUpdateInput!) { draftStatusUpdate(input: $input) { generation { id } } }',
      { input: statusUpdateInput() },
    );
    generationId = (draft.data!.draftStatusUpdate as { generation: { id: string } }).generation.id;
  });
  afterAll(() => server?.stop());

  it('refuses a generate-only key that would add router training data, and adds none', async () => {
    const before = await labeledTickets();
    const refused = await as('generate', SUBMIT, {
      input: { subject: { predictionId }, correctedCategory: 'billing' },
    });
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'FORBIDDEN',
      requiredScopes: [['route']],
    });
    expect(refused.errors![0]!.message).toMatch(/correctedCategory needs the scope route/);
    expect(await labeledTickets()).toBe(before);
    // An eval key rates decisions but does not train the router either.
    expect(
      (
        await as('eval', SUBMIT, {
          input: { subject: { predictionId }, correctedCategory: 'billing' },
        })
      ).errors?.[0]?.extensions?.code,
    ).toBe('FORBIDDEN');

    const corrected = await as('route', SUBMIT, {
      input: { subject: { predictionId }, correctedCategory: 'billing' },
    });
    expect(corrected.errors).toBeUndefined();
    expect(corrected.data!.submitFeedback).toMatchObject({
      feedback: { correctedCategory: 'billing', labeledTicketCreated: true },
      userErrors: [],
    });
    expect(await labeledTickets()).toBe(before + 1);
  });

  it('lets each key rate what it can read, and nothing else', async () => {
    const rateDraft = { input: { subject: { generationId }, rating: 'UP' } };
    const rateDecision = {
      input: { subject: { predictionId }, rating: 'DOWN', comment: 'wrong team' },
    };
    const outcome = async (who: keyof typeof keys, variables: Record<string, unknown>) => {
      const result = await as(who, SUBMIT, variables);
      return result.errors?.[0]?.extensions?.code ?? 'ok';
    };
    expect({
      generateRatesDraft: await outcome('generate', rateDraft),
      evalRatesDraft: await outcome('eval', rateDraft),
      routeRatesDraft: await outcome('route', rateDraft),
      routeRatesDecision: await outcome('route', rateDecision),
      evalRatesDecision: await outcome('eval', rateDecision),
      generateRatesDecision: await outcome('generate', rateDecision),
    }).toEqual({
      generateRatesDraft: 'ok',
      evalRatesDraft: 'ok',
      routeRatesDraft: 'FORBIDDEN',
      routeRatesDecision: 'ok',
      evalRatesDecision: 'ok',
      generateRatesDecision: 'FORBIDDEN',
    });
  });
});
