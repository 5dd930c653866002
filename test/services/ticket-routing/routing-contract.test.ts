/**
 * Ticket routing's contract as a client sees it: reads that do not decide again (same prediction,
 * no new LLM call), `rerouteTicket` to force a new decision, stored predictions by id and as a
 * connection, one bad ticket failing only its own path (routeTickets, `_entities`), and mutations
 * that return what changed (payloads with userErrors, `isDefault`, the taxonomy's new model, the
 * review queue's count).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { routingThroughDouble } from '../../support/llm-config.js';
import { startOpenAiDouble, type OpenAiDouble } from '../../support/openai-double.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const CATEGORIES = [
  {
    name: 'billing',
    description: 'Invoices, refunds, charges',
    examples: ['I was charged twice', 'refund my invoice', 'wrong amount on my bill'],
  },
  {
    name: 'login',
    description: 'Passwords, two-factor, locked accounts',
    examples: ['I cannot log in', 'reset my password', 'my account is locked'],
  },
];

const PREDICTION = 'id ticket { id } category decidedBy needsReview costUsd reviewedCategory';

interface Prediction {
  id: string;
  ticket: { id: string };
  category: string | null;
  decidedBy: string;
  needsReview: boolean;
  costUsd: number;
  reviewedCategory: string | null;
}

interface UserError {
  field: string[] | null;
  code: string;
  message: string;
}

/** The LLM's answer for a chunk of tickets: each position gets `category`, sure. */
const llmAnswer = (count: number, category: string) => ({
  kind: 'json' as const,
  value: {
    results: Array.from({ length: count }, (_, index) => ({
      id: String(index),
      category,
      confidence: 0.95,
      reason: 'clear',
    })),
  },
  usage: { inputTokens: 1000, outputTokens: 100 },
});

describe('the routing contract', () => {
  let double: OpenAiDouble;
  let server: TestServer;
  let taxonomyId: string;

  const routeTicket = (ticket: { id: string; body: string; subject?: string }) =>
    server.graphql<{ routeTicket: Prediction }>(
      `query($ticket: TicketInput!) { routeTicket(ticket: $ticket) { ${PREDICTION} } }`,
      { ticket },
    );

  /** `Ticket.routing` as the router asks for it: an `_entities` call with subject and body. */
  const entities = (tickets: { id: string; body: string; subject?: string | null }[]) =>
    server.graphql<{ _entities: ({ id: string; routing: Prediction | null } | null)[] }>(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Ticket { id routing { ${PREDICTION} } } } }`,
      {
        r: tickets.map((ticket) => ({
          __typename: 'Ticket',
          id: ticket.id,
          subject: ticket.subject ?? null,
          body: ticket.body,
        })),
      },
    );

  beforeAll(async () => {
    double = await startOpenAiDouble();
    const LLM_CONFIG = routingThroughDouble(double.url, {
      prices: { 'openai:gpt-test': { inputPerMillionUsd: 1, outputPerMillionUsd: 1 } },
    });
    server = await startTestServer({ LLM_CONFIG, OPENAI_API_KEY: 'sk-test' });
    // localThreshold 1: every ticket the rules do not decide reaches the LLM.
    const created = await server.graphql<{
      createTaxonomy: {
        taxonomy: { id: string; isDefault: boolean; model: null };
        userErrors: UserError[];
      };
    }>(
      'mutation($input: CreateTaxonomyInput!) { createTaxonomy(input: $input) { taxonomy { id isDefault model { id } } userErrors { field code message } } }',
      { input: { name: 'support', categories: CATEGORIES, localThreshold: 1 } },
    );
    expect(created.errors).toBeUndefined();
    expect(created.data!.createTaxonomy).toMatchObject({
      taxonomy: { isDefault: true, model: null },
      userErrors: [],
    });
    taxonomyId = created.data!.createTaxonomy.taxonomy.id;
  });
  afterAll(async () => {
    await server?.stop();
    await double?.close();
  });

  it('trainRouter returns the model and the taxonomy whose model it now is', async () => {
    const trained = await server.graphql<{
      trainRouter: {
        model: { id: string; expectedCalibrationError: number | null; taxonomy: { id: string } };
        taxonomy: { id: string; model: { id: string } };
        userErrors: UserError[];
      };
    }>(
      'mutation($input: TrainRouterInput!) { trainRouter(input: $input) { model { id expectedCalibrationError taxonomy { id } } taxonomy { id model { id } } userErrors { field code message } } }',
      { input: { taxonomyId } },
    );
    expect(trained.errors).toBeUndefined();
    const payload = trained.data!.trainRouter;
    expect(payload.userErrors).toEqual([]);
    expect(payload.taxonomy).toEqual({ id: taxonomyId, model: { id: payload.model.id } });
    expect(payload.model.taxonomy).toEqual({ id: taxonomyId });
    // Unknown is null, never a fake 0.
    const ece = payload.model.expectedCalibrationError;
    expect(ece === null || (ece >= 0 && ece <= 1)).toBe(true);
  });

  it('routing a ticket again returns the stored decision: same prediction, no LLM call, no cost', async () => {
    const ticket = { id: 'R-1', subject: 'Refund', body: 'please refund the double charge' };
    const calls = double.calls;
    double.enqueue(llmAnswer(1, 'billing'));
    const first = await routeTicket(ticket);
    expect(first.errors).toBeUndefined();
    expect(double.calls - calls).toBe(1);
    expect(first.data!.routeTicket).toMatchObject({
      ticket: { id: 'R-1' },
      category: 'billing',
      decidedBy: 'LLM',
    });
    expect(first.data!.routeTicket.costUsd).toBeGreaterThan(0);

    const again = await routeTicket(ticket);
    const inBatch = await server.graphql<{ routeTickets: Prediction[] }>(
      `query($t: [TicketInput!]!) { routeTickets(tickets: $t) { ${PREDICTION} } }`,
      { t: [ticket, ticket] },
    );
    const asEntity = await entities([ticket]);
    expect(double.calls - calls).toBe(1);
    expect(again.data!.routeTicket).toEqual(first.data!.routeTicket);
    expect(inBatch.data!.routeTickets).toEqual([first.data!.routeTicket, first.data!.routeTicket]);
    expect(asEntity.data!._entities[0]!.routing).toEqual(first.data!.routeTicket);

    // Other content is another decision.
    double.enqueue(llmAnswer(1, 'login'));
    const edited = await routeTicket({ ...ticket, body: 'actually I cannot log in' });
    expect(double.calls - calls).toBe(2);
    expect(edited.data!.routeTicket.id).not.toBe(first.data!.routeTicket.id);
    expect(edited.data!.routeTicket.category).toBe('login');
  });

  it('the same new ticket twice in one request is routed once', async () => {
    const calls = double.calls;
    double.enqueue(llmAnswer(1, 'login'));
    const ticket = { id: 'R-2', body: 'the two-factor code never arrives' };
    const result = await server.graphql<{ a: Prediction; b: Prediction }>(
      `query($t: TicketInput!) { a: routeTicket(ticket: $t) { id } b: routeTicket(ticket: $t) { id } }`,
      { t: ticket },
    );
    expect(result.errors).toBeUndefined();
    expect(double.calls - calls).toBe(1);
    expect(result.data!.a.id).toBe(result.data!.b.id);
  });

  it('rerouteTicket forces a new decision, which Ticket.routing then returns', async () => {
    const ticket = { id: 'R-3', body: 'I was charged twice this month' };
    double.enqueue(llmAnswer(1, 'billing'));
    const before = (await routeTicket(ticket)).data!.routeTicket;
    const calls = double.calls;
    double.enqueue(llmAnswer(1, 'login'));
    const rerouted = await server.graphql<{
      rerouteTicket: { prediction: Prediction; ticket: { id: string }; userErrors: UserError[] };
    }>(
      `mutation($input: RerouteTicketInput!) { rerouteTicket(input: $input) { prediction { ${PREDICTION} } ticket { id } userErrors { field code message } } }`,
      { input: { ticket } },
    );
    expect(rerouted.errors).toBeUndefined();
    expect(double.calls - calls).toBe(1);
    const payload = rerouted.data!.rerouteTicket;
    expect(payload.userErrors).toEqual([]);
    expect(payload.ticket).toEqual({ id: 'R-3' });
    expect(payload.prediction.id).not.toBe(before.id);
    expect(payload.prediction.category).toBe('login');
    expect((await entities([ticket])).data!._entities[0]!.routing!.id).toBe(payload.prediction.id);

    const bad = await server.graphql<{
      rerouteTicket: { prediction: null; userErrors: UserError[] };
    }>(
      'mutation { rerouteTicket(input: { ticket: { id: "R-4", body: "" } }) { prediction { id } userErrors { field code } } }',
    );
    expect(bad.data!.rerouteTicket).toEqual({
      prediction: null,
      userErrors: [{ field: ['input', 'ticket', 'body'], code: 'BAD_USER_INPUT' }],
    });
  });

  it('one ticket that cannot be routed is an error on its own path; the others arrive', async () => {
    double.enqueue(llmAnswer(2, 'billing'));
    const tickets = [
      { id: 'B-1', body: 'refund my invoice please' },
      { id: 'B-2', body: '' },
      { id: 'B-3', body: 'wrong amount on the bill' },
    ];
    const listed = await server.graphql<{ routeTickets: (Prediction | null)[] }>(
      `query($t: [TicketInput!]!) { routeTickets(tickets: $t) { id ticket { id } } }`,
      { t: tickets },
    );
    expect(listed.data!.routeTickets.map((prediction) => prediction?.ticket.id ?? null)).toEqual([
      'B-1',
      null,
      'B-3',
    ]);
    expect(listed.errors).toHaveLength(1);
    expect(listed.errors![0]).toMatchObject({
      path: ['routeTickets', 1],
      extensions: { code: 'BAD_USER_INPUT' },
    });

    const joined = await entities(tickets);
    expect(joined.data!._entities.map((ticket) => ticket!.routing?.ticket.id ?? null)).toEqual([
      'B-1',
      null,
      'B-3',
    ]);
    expect(joined.errors).toHaveLength(1);
    expect(joined.errors![0]!.path).toEqual(['_entities', 1, 'routing']);
  });

  it('reads stored predictions by id and as a connection with totalCount', async () => {
    double.enqueue(llmAnswer(1, 'billing'));
    const stored = (await routeTicket({ id: 'P-1', body: 'charged twice for one order' })).data!
      .routeTicket;
    const byId = await server.graphql<{ routingPrediction: Prediction | null; none: null }>(
      `query($id: ID!) { routingPrediction(id: $id) { ${PREDICTION} } none: routingPrediction(id: "00000000-0000-4000-8000-000000000000") { id } }`,
      { id: stored.id },
    );
    expect(byId.data).toEqual({ routingPrediction: stored, none: null });
    // The taxonomy that decided, as an object: a page of predictions reads it once.
    const taxonomyReads = vi.spyOn(server.app.services.routing, 'taxonomiesByIds');
    const withTaxonomy = await server.graphql<{
      routingPredictions: { nodes: { taxonomy: { id: string; name: string } | null }[] };
    }>('{ routingPredictions(first: 20) { nodes { taxonomy { id name } } } }');
    expect(taxonomyReads).toHaveBeenCalledTimes(1);
    taxonomyReads.mockRestore();
    expect(withTaxonomy.data!.routingPredictions.nodes.length).toBeGreaterThan(1);
    expect(withTaxonomy.data!.routingPredictions.nodes.map((node) => node.taxonomy?.id)).toEqual(
      withTaxonomy.data!.routingPredictions.nodes.map(() => taxonomyId),
    );

    interface Page {
      routingPredictions: {
        totalCount: number;
        edges: { cursor: string; node: { id: string } }[];
        nodes: { id: string }[];
        pageInfo: {
          hasNextPage: boolean;
          hasPreviousPage: boolean;
          startCursor: string | null;
          endCursor: string | null;
        };
      };
    }
    const page = (first: number, after?: string) =>
      server.graphql<Page>(
        'query($first: Int, $after: String) { routingPredictions(filter: { ticketId: "R-1" }, first: $first, after: $after) { totalCount edges { cursor node { id } } nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }',
        { first, after },
      );
    // R-1 was decided twice (two contents), newest first.
    const one = (await page(1)).data!.routingPredictions;
    expect(one.totalCount).toBe(2);
    expect(one.nodes).toHaveLength(1);
    expect(one.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(one.pageInfo.startCursor).toBe(one.edges[0]!.cursor);
    const two = (await page(1, one.pageInfo.endCursor!)).data!.routingPredictions;
    expect(two.totalCount).toBe(2);
    expect(two.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect(two.nodes[0]!.id).not.toBe(one.nodes[0]!.id);

    const tooMany = await page(501);
    expect(tooMany.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
  });

  it('reviewRouting returns the reviewed prediction and the queue count; Ticket.routing shows the correction', async () => {
    // An unsure LLM answer sends the ticket to review.
    double.enqueue({
      kind: 'json',
      value: { results: [{ id: '0', category: 'billing', confidence: 0.3, reason: 'unsure' }] },
      usage: { inputTokens: 10, outputTokens: 10 },
    });
    const ticket = { id: 'Q-1', body: 'something is wrong with my account' };
    const queued = (await routeTicket(ticket)).data!.routeTicket;
    expect(queued.needsReview).toBe(true);

    const badge = await server.graphql<{ reviewQueue: { totalCount: number } }>(
      '{ reviewQueue { totalCount } }',
    );
    const count = badge.data!.reviewQueue.totalCount;
    expect(count).toBeGreaterThan(0);

    const reviewed = await server.graphql<{
      reviewRouting: {
        prediction: Prediction;
        reviewQueue: { totalCount: number; nodes: { id: string }[] };
        userErrors: UserError[];
      };
    }>(
      `mutation($input: ReviewRoutingInput!) { reviewRouting(input: $input) { prediction { ${PREDICTION} } reviewQueue { totalCount nodes { id } } userErrors { field code message } } }`,
      { input: { predictionId: queued.id, category: 'LOGIN' } },
    );
    expect(reviewed.errors).toBeUndefined();
    const payload = reviewed.data!.reviewRouting;
    expect(payload.userErrors).toEqual([]);
    expect(payload.prediction).toMatchObject({ id: queued.id, reviewedCategory: 'login' });
    expect(payload.reviewQueue.totalCount).toBe(count - 1);
    expect(payload.reviewQueue.nodes.map((node) => node.id)).not.toContain(queued.id);

    const read = await entities([ticket]);
    expect(read.data!._entities[0]!.routing).toMatchObject({
      id: queued.id,
      reviewedCategory: 'login',
    });

    const unknown = await server.graphql<{
      reviewRouting: { prediction: null; userErrors: UserError[] };
    }>(
      'mutation { reviewRouting(input: { predictionId: "00000000-0000-4000-8000-000000000000", category: "login" }) { prediction { id } userErrors { field code } } }',
    );
    expect(unknown.data!.reviewRouting).toEqual({
      prediction: null,
      userErrors: [{ field: null, code: 'NOT_FOUND' }],
    });
  });

  it('setDefaultTaxonomy returns the new default and the previous one, each with isDefault', async () => {
    const second = await server.graphql<{ createTaxonomy: { taxonomy: { id: string } } }>(
      'mutation($input: CreateTaxonomyInput!) { createTaxonomy(input: $input) { taxonomy { id } } }',
      { input: { name: 'second', categories: CATEGORIES } },
    );
    const secondId = second.data!.createTaxonomy.taxonomy.id;
    const set = await server.graphql<{
      setDefaultTaxonomy: {
        taxonomy: { id: string; isDefault: boolean };
        previousDefault: { id: string; isDefault: boolean } | null;
        userErrors: UserError[];
      };
    }>(
      'mutation($input: SetDefaultTaxonomyInput!) { setDefaultTaxonomy(input: $input) { taxonomy { id isDefault } previousDefault { id isDefault } userErrors { field code message } } }',
      { input: { id: taxonomyId } },
    );
    // The newest (second) was the default until now.
    expect(set.data!.setDefaultTaxonomy).toEqual({
      taxonomy: { id: taxonomyId, isDefault: true },
      previousDefault: { id: secondId, isDefault: false },
      userErrors: [],
    });

    const listed = await server.graphql<{
      taxonomies: {
        totalCount: number;
        nodes: { id: string; isDefault: boolean }[];
        pageInfo: { hasNextPage: boolean; endCursor: string };
      };
    }>(
      '{ taxonomies(first: 1) { totalCount nodes { id isDefault } pageInfo { hasNextPage endCursor } } }',
    );
    expect(listed.data!.taxonomies).toMatchObject({
      totalCount: 2,
      nodes: [{ id: secondId, isDefault: false }],
      pageInfo: { hasNextPage: true },
    });
    const rest = await server.graphql<{ taxonomies: { nodes: { id: string }[] } }>(
      'query($after: String) { taxonomies(first: 1, after: $after) { nodes { id } } }',
      { after: listed.data!.taxonomies.pageInfo.endCursor },
    );
    expect(rest.data!.taxonomies.nodes).toEqual([{ id: taxonomyId }]);

    // A page of taxonomies reads the account's default once, not once per taxonomy.
    const defaultReads = vi.spyOn(server.app.services.routing, 'defaultTaxonomyId');
    const page = await server.graphql<{
      taxonomies: { nodes: { id: string; isDefault: boolean }[] };
    }>('{ taxonomies(first: 10) { nodes { id isDefault } } }');
    expect(defaultReads).toHaveBeenCalledTimes(1);
    defaultReads.mockRestore();
    expect(page.data!.taxonomies.nodes).toEqual([
      { id: secondId, isDefault: false },
      { id: taxonomyId, isDefault: true },
    ]);
  });

  it('mutations report expected problems as userErrors with field paths', async () => {
    const conflict = await server.graphql<{
      createTaxonomy: { taxonomy: null; userErrors: UserError[] };
    }>(
      'mutation($input: CreateTaxonomyInput!) { createTaxonomy(input: $input) { taxonomy { id } userErrors { field code } } }',
      { input: { name: 'support', categories: CATEGORIES } },
    );
    expect(conflict.data!.createTaxonomy).toEqual({
      taxonomy: null,
      userErrors: [{ field: null, code: 'CONFLICT' }],
    });
    const invalid = await server.graphql<{
      createTaxonomy: { taxonomy: null; userErrors: UserError[] };
    }>(
      'mutation($input: CreateTaxonomyInput!) { createTaxonomy(input: $input) { taxonomy { id } userErrors { field code } } }',
      { input: { name: 'x', categories: [CATEGORIES[0], { name: '', description: 'd' }] } },
    );
    expect(invalid.data!.createTaxonomy.taxonomy).toBeNull();
    expect(invalid.data!.createTaxonomy.userErrors).toContainEqual({
      field: ['input', 'categories', '1', 'name'],
      code: 'BAD_USER_INPUT',
    });
    const untrained = await server.graphql<{
      trainRouter: { model: null; userErrors: UserError[] };
    }>(
      'mutation { trainRouter(input: { taxonomyId: "00000000-0000-4000-8000-000000000000" }) { model { id } userErrors { code } } }',
    );
    expect(untrained.data!.trainRouter).toEqual({
      model: null,
      userErrors: [{ code: 'NOT_FOUND' }],
    });
  });
});
