/**
 * Ticket routing through GraphQL, on a CLINC150 subset standing in for a customer's labeled
 * tickets: taxonomy, import, training, the cascade (local model, LLM through the OpenAI double,
 * keyword rules, review), versions, the default taxonomy, and batching.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { clincSubset } from '../../support/clinc.js';
import { routingThroughDouble } from '../../support/llm-config.js';
import { startOpenAiDouble, type OpenAiDouble } from '../../support/openai-double.js';
import { startTestServer, temporaryDataDir, type TestServer } from '../../support/server.js';

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

const CATEGORIES = INTENTS.map((intent) => ({
  name: intent,
  description: `Tickets about ${intent.replace('_', ' ')}`,
  target: `queue-${intent}`,
}));

const PREDICTION =
  'id ticket { id } category confidence decidedBy needsReview alternatives { category confidence } target reason taxonomyId taxonomyVersion latencyMs costUsd reviewedCategory';

interface Prediction {
  id: string;
  ticket: { id: string };
  category: string | null;
  confidence: number;
  decidedBy: string;
  needsReview: boolean;
  alternatives: { category: string; confidence: number }[];
  target: string | null;
  reason: string;
  taxonomyId: string;
  taxonomyVersion: number;
  costUsd: number;
  reviewedCategory: string | null;
}

async function createTaxonomy(
  server: TestServer,
  name: string,
  extra: Record<string, unknown> = {},
) {
  const result = await server.graphql<{
    createTaxonomy: { taxonomy: { id: string; version: number } };
  }>(
    'mutation($input: CreateTaxonomyInput!) { createTaxonomy(input: $input) { taxonomy { id version } } }',
    {
      input: { name, categories: CATEGORIES, ...extra },
    },
  );
  expect(result.errors).toBeUndefined();
  return result.data!.createTaxonomy.taxonomy.id;
}

async function importRows(
  server: TestServer,
  taxonomyId: string,
  rows: { subject?: string; body: string; category: string }[],
) {
  const result = await server.graphql<{
    importLabeledTickets: {
      imported: number;
      duplicates: number;
      rejected: { row: number; reason: string }[];
      taxonomy: { labeledTickets: number };
    };
  }>(
    'mutation($id: ID!, $rows: [LabeledTicketInput!]!) { importLabeledTickets(input: { taxonomyId: $id, examples: $rows }) { imported duplicates rejected { row reason } taxonomy { labeledTickets } } }',
    { id: taxonomyId, rows },
  );
  expect(result.errors).toBeUndefined();
  return result.data!.importLabeledTickets;
}

async function train(server: TestServer, taxonomyId: string) {
  const result = await server.graphql<{
    trainRouter: {
      model: {
        trainedOn: number;
        heldoutAccuracy: number | null;
        expectedCalibrationError: number | null;
        unknownThreshold: number;
      };
    };
  }>(
    'mutation($id: ID!) { trainRouter(input: { taxonomyId: $id }) { model { trainedOn heldoutAccuracy expectedCalibrationError unknownThreshold } } }',
    { id: taxonomyId },
  );
  expect(result.errors).toBeUndefined();
  return result.data!.trainRouter.model;
}

const route = (
  server: TestServer,
  tickets: { id: string; body: string; subject?: string }[],
  taxonomyId?: string,
) =>
  server.graphql<{ routeTickets: (Prediction | null)[] }>(
    `query($tickets: [TicketInput!]!, $taxonomyId: ID) { routeTickets(tickets: $tickets, taxonomyId: $taxonomyId) { ${PREDICTION} } }`,
    {
      tickets,
      taxonomyId,
    },
  );

const trainingRows = clincSubset('train', INTENTS).map(([body, category]) => ({ body, category }));
const testRows = clincSubset('test', INTENTS);

describe('routing with the local model', () => {
  let server: TestServer;
  let taxonomyId: string;

  beforeAll(async () => {
    // Its own directory, kept when it stops: a test below restarts on the same data.
    server = await startTestServer({ DATA_DIR: temporaryDataDir() });
    taxonomyId = await createTaxonomy(server, 'support', {
      rules: [{ keyword: 'chargeback', category: 'card_declined' }],
    });
    const imported = await importRows(server, taxonomyId, trainingRows);
    expect(imported).toMatchObject({ imported: trainingRows.length, duplicates: 0, rejected: [] });
    await train(server, taxonomyId);
  });
  afterAll(() => server.stop());

  it('ignores duplicates and refuses unknown categories with their row numbers', async () => {
    const outcome = await importRows(server, taxonomyId, [
      trainingRows[0]!,
      { body: 'my parcel never arrived', category: 'shipping' },
      { body: '  ', category: 'transfer' },
      { body: 'please move 20 dollars to savings', category: 'TRANSFER' },
    ]);
    expect(outcome.imported).toBe(1);
    expect(outcome.duplicates).toBe(1);
    expect(outcome.rejected).toEqual([
      { row: 2, reason: 'unknown category "shipping"' },
      { row: 3, reason: 'body must not be empty' },
    ]);
  });

  it('routes held-out tickets accurately, confident ones by the local model alone', async () => {
    const tickets = testRows.map(([body], index) => ({ id: `T-${index}`, body }));
    const { data, errors } = await route(server, tickets, taxonomyId);
    expect(errors).toBeUndefined();
    const predictions = data!.routeTickets as Prediction[];
    expect(predictions.map((prediction) => prediction!.ticket.id)).toEqual(
      tickets.map((ticket) => ticket.id),
    );
    const correct = predictions.filter(
      (prediction, index) => prediction.category === testRows[index]![1],
    ).length;
    expect(correct / predictions.length).toBeGreaterThan(0.9);
    const alone = predictions.filter(
      (prediction) => prediction.decidedBy === 'LOCAL_MODEL' && !prediction.needsReview,
    );
    expect(alone.length / predictions.length).toBeGreaterThan(0.5);
    expect(
      alone.every(
        (prediction) =>
          prediction.confidence >= 0.8 && prediction.target === `queue-${prediction.category}`,
      ),
    ).toBe(true);
    // Without an LLM, what the model is unsure of goes to a person, with its best guesses.
    for (const unsure of predictions.filter((prediction) => prediction.needsReview)) {
      expect(unsure.alternatives.length).toBeGreaterThan(0);
      expect(unsure.reason).toMatch(/no LLM is configured/);
    }
  });

  it('calls out-of-scope text Unknown (category null) and still lists the best guesses', async () => {
    const { data } = await route(
      server,
      [{ id: 'oos-1', body: 'quantum chromodynamics lattice gluon plasma viscosity' }],
      taxonomyId,
    );
    const [prediction] = data!.routeTickets;
    expect(prediction!.category).toBeNull();
    expect(prediction!.needsReview).toBe(true);
    expect(prediction!.alternatives).toHaveLength(5);
    expect(prediction!.target).toBeNull();
  });

  it('lets a pinned keyword rule decide first', async () => {
    const { data } = await route(
      server,
      [{ id: 'R-1', body: 'I want to book a flight, and also file a chargeback' }],
      taxonomyId,
    );
    expect(data!.routeTickets[0]).toMatchObject({
      category: 'card_declined',
      decidedBy: 'RULE',
      confidence: 1,
      needsReview: false,
    });
  });

  it('routes any number of tickets with one local prediction', async () => {
    const served = await server.app.store.routerModels.latest('dev', [taxonomyId]);
    expect(served[0]).not.toBeNull();
    const registry = (
      server.app.services.routing as unknown as {
        deps: {
          registry: {
            get: (a: string, t: string) => Promise<{ router: { predict: () => unknown } }>;
          };
        };
      }
    ).deps.registry;
    const router = (await registry.get('dev', taxonomyId)).router;
    const predict = vi.spyOn(router, 'predict');
    const tickets = testRows.slice(0, 200).map(([body], index) => ({ id: `B-${index}`, body }));
    const batched = await server.graphql(
      `query($t: [TicketInput!]!) { a: routeTickets(tickets: $t) { id } }`,
      { t: tickets },
    );
    expect(batched.errors).toBeUndefined();
    expect(predict).toHaveBeenCalledTimes(1);
    predict.mockRestore();
  });

  it('puts unsure tickets in the review queue; a review records the category and becomes a labeled ticket', async () => {
    const { data } = await route(
      server,
      [{ id: 'Q-1', body: 'hmm something about my account I guess' }],
      taxonomyId,
    );
    const queued = data!.routeTickets[0]!;
    expect(queued.needsReview).toBe(true);
    const queue = await server.graphql<{ reviewQueue: { nodes: { id: string }[] } }>(
      'query($id: ID) { reviewQueue(taxonomyId: $id, first: 500) { nodes { id } } }',
      { id: taxonomyId },
    );
    expect(queue.data!.reviewQueue.nodes.map((item) => item.id)).toContain(queued.id);

    const before = (
      await server.graphql<{ taxonomies: { nodes: { labeledTickets: number }[] } }>(
        '{ taxonomies { nodes { labeledTickets } } }',
      )
    ).data!.taxonomies.nodes[0]!.labeledTickets;
    const reviewed = await server.graphql<{ reviewRouting: { prediction: Prediction } }>(
      `mutation($id: ID!) { reviewRouting(input: { predictionId: $id, category: "Reset_Settings" }) { prediction { ${PREDICTION} } } }`,
      { id: queued.id },
    );
    expect(reviewed.data!.reviewRouting.prediction.reviewedCategory).toBe('reset_settings');
    const after = (
      await server.graphql<{ taxonomies: { nodes: { labeledTickets: number }[] } }>(
        '{ taxonomies { nodes { labeledTickets } } }',
      )
    ).data!.taxonomies.nodes[0]!.labeledTickets;
    expect(after).toBe(before + 1);
    const requeued = await server.graphql<{ reviewQueue: { nodes: { id: string }[] } }>(
      'query($id: ID) { reviewQueue(taxonomyId: $id, first: 500) { nodes { id } } }',
      { id: taxonomyId },
    );
    expect(requeued.data!.reviewQueue.nodes.map((item) => item.id)).not.toContain(queued.id);

    const wrong = await server.graphql<{
      reviewRouting: { prediction: null; userErrors: { field: string[]; code: string }[] };
    }>(
      `mutation($id: ID!) { reviewRouting(input: { predictionId: $id, category: "weather" }) { prediction { id } userErrors { field code } } }`,
      { id: queued.id },
    );
    expect(wrong.data!.reviewRouting).toEqual({
      prediction: null,
      userErrors: [{ field: ['input', 'category'], code: 'BAD_USER_INPUT' }],
    });
  });

  it('names the taxonomy version; an edit makes a new version', async () => {
    const edited = await server.graphql<{
      updateTaxonomy: { taxonomy: { version: number; categories: unknown[] } };
    }>(
      'mutation($input: UpdateTaxonomyInput!) { updateTaxonomy(input: $input) { taxonomy { version categories { name } } } }',
      {
        input: { id: taxonomyId, name: 'support', categories: CATEGORIES, localThreshold: 0.9 },
      },
    );
    expect(edited.data!.updateTaxonomy.taxonomy.version).toBe(2);
    const { data } = await route(server, [{ id: 'V-2', body: testRows[0]![0] }], taxonomyId);
    expect(data!.routeTickets[0]!.taxonomyVersion).toBe(2);
  });

  it('uses the newest taxonomy by default, or the one set with setDefaultTaxonomy', async () => {
    const other = await createTaxonomy(server, 'second');
    const byDefault = await server.graphql<{ routeTicket: Prediction }>(
      `query { routeTicket(ticket: { id: "D-1", body: "my card was declined" }) { taxonomyId } }`,
    );
    expect(byDefault.data!.routeTicket.taxonomyId).toBe(other);
    await server.graphql(
      'mutation($id: ID!) { setDefaultTaxonomy(input: { id: $id }) { taxonomy { id } } }',
      {
        id: taxonomyId,
      },
    );
    const chosen = await server.graphql<{ routeTicket: Prediction }>(
      `query { routeTicket(ticket: { id: "D-2", body: "my card was declined" }) { taxonomyId category } }`,
    );
    expect(chosen.data!.routeTicket).toMatchObject({ taxonomyId, category: 'card_declined' });
  });

  it('rejects bad taxonomies (userErrors), bad tickets and oversized batches with BAD_USER_INPUT', async () => {
    const codes = async (query: string, variables: Record<string, unknown>) => {
      const result = await server.graphql<Record<string, { userErrors?: { code: string }[] }>>(
        query,
        variables,
      );
      return (
        result.errors?.[0]?.extensions?.code ??
        Object.values(result.data ?? {})[0]?.userErrors?.[0]?.code
      );
    };
    const create =
      'mutation($input: CreateTaxonomyInput!) { createTaxonomy(input: $input) { taxonomy { id } userErrors { code } } }';
    expect(await codes(create, { input: { name: 'x', categories: [CATEGORIES[0]] } })).toBe(
      'BAD_USER_INPUT',
    );
    expect(
      await codes(create, { input: { name: 'x', categories: [CATEGORIES[0], CATEGORIES[0]] } }),
    ).toBe('BAD_USER_INPUT');
    expect(
      await codes(create, {
        input: { name: 'x', categories: [...CATEGORIES, { name: 'Unknown', description: 'd' }] },
      }),
    ).toBe('BAD_USER_INPUT');
    expect(await codes(create, { input: { name: 'support', categories: CATEGORIES } })).toBe(
      'CONFLICT',
    );
    const tooMany = Array.from({ length: 1001 }, (_, index) => ({ id: String(index), body: 'x' }));
    // routeTickets' own bound (1000) answers, naming the field: the generic list cap (QUERY_MAX_LIST_LENGTH, 5000) sits above every input's bound.
    expect(
      await codes('query($t: [TicketInput!]!) { routeTickets(tickets: $t) { id } }', {
        t: tooMany,
      }),
    ).toBe('BAD_USER_INPUT');
    expect(
      await codes('query($t: [TicketInput!]!) { routeTickets(tickets: $t) { id } }', {
        t: [{ id: '1', body: '' }],
      }),
    ).toBe('BAD_USER_INPUT');
    expect(
      await codes(
        'query { routeTicket(ticket: { id: "1", body: "x" }, taxonomyId: "00000000-0000-4000-8000-000000000000") { id } }',
        {},
      ),
    ).toBe('NOT_FOUND');
  });

  it('keeps serving the stored model after a restart', async () => {
    await server.stop();
    server = await startTestServer({ DATA_DIR: server.dataDir });
    const { data } = await route(
      server,
      [{ id: 'after-restart', body: testRows[3]![0] }],
      taxonomyId,
    );
    expect(data!.routeTickets[0]!.category).toBe(testRows[3]![1]);
  });
});

describe('the cascade with an LLM', () => {
  let double: OpenAiDouble;
  let server: TestServer;
  let taxonomyId: string;

  beforeAll(async () => {
    double = await startOpenAiDouble();
    const LLM_CONFIG = routingThroughDouble(double.url, {
      prices: { 'openai:gpt-test': { inputPerMillionUsd: 1, outputPerMillionUsd: 1 } },
    });
    server = await startTestServer({ LLM_CONFIG, OPENAI_API_KEY: 'sk-test' });
    // localThreshold 1: the local model never decides alone, so every ticket reaches the LLM.
    taxonomyId = await createTaxonomy(server, 'llm-first', {
      localThreshold: 1,
      reviewThreshold: 0.7,
    });
    await importRows(server, taxonomyId, trainingRows);
    await train(server, taxonomyId);
  });
  afterAll(async () => {
    await server.stop();
    await double.close();
  });

  it('asks the LLM in batches of 20 with a constrained schema, and decides by its answers', async () => {
    const tickets = testRows.slice(0, 25).map(([body], index) => ({ id: `L-${index}`, body }));
    const answer = (from: number, to: number) => ({
      kind: 'json' as const,
      value: {
        results: tickets.slice(from, to).map((_, offset) => {
          const index = from + offset;
          // Ticket 0: Unknown; ticket 1: unsure; the rest: the true intent, sure.
          if (index === 0)
            return {
              id: String(index),
              category: 'Unknown',
              confidence: 0.9,
              reason: 'fits nothing',
            };
          if (index === 1)
            return {
              id: String(index),
              category: testRows[1]![1],
              confidence: 0.5,
              reason: 'maybe',
            };
          return {
            id: String(index),
            category: testRows[index]![1],
            confidence: 0.95,
            reason: 'clear',
          };
        }),
      },
      usage: { inputTokens: 2000, outputTokens: 400 },
    });
    const calls = double.calls;
    double.enqueue(answer(0, 20), answer(20, 25));
    const { data, errors } = await route(server, tickets, taxonomyId);
    expect(errors).toBeUndefined();
    expect(double.calls - calls).toBe(2);

    const request = double.requests.at(-2)!.body!;
    const schema = request.response_format!.json_schema!;
    expect(request.response_format!.type).toBe('json_schema');
    expect(schema.strict).toBe(true);
    expect(JSON.stringify(schema.schema)).toContain('"Unknown"');
    expect(JSON.stringify(schema.schema)).toContain('"card_declined"');
    const prompt = request.messages!.map((message) => String(message.content)).join('\n');
    expect(prompt).toContain('card_declined: Tickets about card declined');
    expect(prompt).toMatch(/<data-[0-9a-f]+ label="ticket 0">/);
    expect(prompt).toContain('Labeled examples like it');

    const predictions = data!.routeTickets as Prediction[];
    expect(predictions[0]).toMatchObject({ category: null, decidedBy: 'LLM', needsReview: true });
    expect(predictions[1]).toMatchObject({ decidedBy: 'LLM', needsReview: true });
    const sure = predictions.slice(2);
    expect(
      sure.every(
        (prediction, offset) =>
          prediction.category === testRows[offset + 2]![1] && prediction.decidedBy === 'LLM',
      ),
    ).toBe(true);
    expect(sure.filter((prediction) => !prediction.needsReview).length).toBeGreaterThan(15);
    // Each ticket carries its share of its call's cost.
    expect(predictions[0]!.costUsd).toBeCloseTo(2400 / 1_000_000 / 20, 10);
    expect(predictions[24]!.costUsd).toBeCloseTo(2400 / 1_000_000 / 5, 10);
  });

  it('sends tickets to review with the local guess when the LLM fails', async () => {
    double.enqueue({ kind: 'error', status: 500 });
    const { data } = await route(server, [{ id: 'F-1', body: testRows[5]![0] }], taxonomyId);
    expect(data!.routeTickets[0]).toMatchObject({ decidedBy: 'LOCAL_MODEL', needsReview: true });
    expect(data!.routeTickets[0]!.reason).toMatch(/the LLM failed/);
  });
});
