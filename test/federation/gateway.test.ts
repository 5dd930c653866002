/**
 * ai-subgraph in a real supergraph: our server (startTestServer), two small Apollo subgraphs that
 * own Ticket and Incident, composed with @apollo/composition through scripts/compose.ts and served
 * by @apollo/gateway behind Apollo Server. Every subgraph fetch the gateway makes is counted.
 * (The gateway cannot load @requiresScopes; see gateway-sdl.ts.)
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { composeSupergraph, supergraphSubgraphs } from '../../scripts/compose.js';
import { clincSubset } from '../support/clinc.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { checkoutIncident, statusUpdateInput } from '../fixtures/status-update.js';
import { startIncidentsSubgraph, type IncidentsSubgraph } from './subgraphs/incidents.js';
import { fixedTickets, startTicketsSubgraph, type FixedTicket } from './subgraphs/tickets.js';
import { countBySubgraph, startApolloGateway, type Gateway } from './apollo-gateway.js';
import { gatewayCompatibleAiSdl } from './gateway-sdl.js';
import { SUPERGRAPH_OPERATIONS as OPS } from './operations.js';
import type { RunningSubgraph } from './subgraphs/serve.js';

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

describe('ai-subgraph in a supergraph behind @apollo/gateway', () => {
  let ai: TestServer;
  let tickets: RunningSubgraph;
  let incidents: IncidentsSubgraph;
  let gateway: Gateway;
  let taxonomyId: string;
  let inbox: FixedTicket[];
  const drafts: Record<string, { statusUpdates: string[]; postmortems: string[] }> = {};

  beforeAll(async () => {
    inbox = fixedTickets(INTENTS, 15);
    [ai, tickets, incidents] = await Promise.all([
      startTestServer(),
      startTicketsSubgraph(inbox),
      startIncidentsSubgraph(),
    ]);

    // A taxonomy trained on CLINC150 training rows, set up through our subgraph directly.
    const created = await ai.graphql<{ createTaxonomy: { taxonomy: { id: string } } }>(
      'mutation($input: CreateTaxonomyInput!) { createTaxonomy(input: $input) { taxonomy { id } } }',
      {
        input: {
          name: 'support',
          categories: INTENTS.map((intent) => ({
            name: intent,
            description: `Tickets about ${intent.replace('_', ' ')}`,
          })),
        },
      },
    );
    expect(created.errors).toBeUndefined();
    taxonomyId = created.data!.createTaxonomy.taxonomy.id;
    const rows = clincSubset('train', INTENTS).map(([body, category]) => ({ body, category }));
    const imported = await ai.graphql(
      'mutation($id: ID!, $rows: [LabeledTicketInput!]!) { importLabeledTickets(input: { taxonomyId: $id, examples: $rows }) { imported } }',
      { id: taxonomyId, rows },
    );
    expect(imported.errors).toBeUndefined();
    const trained = await ai.graphql(
      'mutation($id: ID!) { trainRouter(input: { taxonomyId: $id }) { model { id } } }',
      {
        id: taxonomyId,
      },
    );
    expect(trained.errors).toBeUndefined();

    // Drafts linked to incidents INC-1 (two status updates, one postmortem) and INC-2 (one status update).
    for (const [incidentId, statusUpdates, postmortems] of [
      ['INC-1', 2, 1],
      ['INC-2', 1, 0],
    ] as const) {
      drafts[incidentId] = { statusUpdates: [], postmortems: [] };
      for (let n = 0; n < statusUpdates; n++) {
        const result = await ai.graphql<{ draftStatusUpdate: { generation: { id: string } } }>(
          'mutation($input: DraftStatusUpdateInput!) { draftStatusUpdate(input: $input) { generation { id } } }',
          {
            input: statusUpdateInput({ incidentId }),
          },
        );
        expect(result.errors).toBeUndefined();
        drafts[incidentId]!.statusUpdates.unshift(result.data!.draftStatusUpdate.generation.id);
      }
      for (let n = 0; n < postmortems; n++) {
        const result = await ai.graphql<{ draftPostmortem: { generation: { id: string } } }>(
          'mutation($input: DraftPostmortemInput!) { draftPostmortem(input: $input) { generation { id } } }',
          {
            input: { incident: { ...checkoutIncident, status: 'RESOLVED' }, incidentId },
          },
        );
        expect(result.errors).toBeUndefined();
        drafts[incidentId]!.postmortems.unshift(result.data!.draftPostmortem.generation.id);
      }
    }
    incidents.attachDraft('INC-1', drafts['INC-1']!.statusUpdates[0]!);

    const supergraph = composeSupergraph(
      supergraphSubgraphs(
        { ai: ai.url, tickets: tickets.url, incidents: incidents.url },
        gatewayCompatibleAiSdl(),
      ),
    );
    gateway = await startApolloGateway(supergraph.sdl);
  });
  afterAll(async () => {
    await gateway?.stop();
    await Promise.all([ai?.stop(), tickets?.stop(), incidents?.stop()]);
  });
  beforeEach(() => {
    gateway.fetches.length = 0;
    gateway.captureTraces = false;
    tickets.resetCounts();
    incidents.resetCounts();
  });

  it('routes 100 tickets with one _entities call to ai-subgraph and one local classification', async () => {
    const registry = (
      ai.app.services.routing as unknown as {
        deps: {
          registry: {
            get: (
              a: string,
              t: string,
            ) => Promise<{ router: { predict: (texts: string[]) => unknown } }>;
          };
        };
      }
    ).deps.registry;
    const predict = vi.spyOn((await registry.get('dev', taxonomyId)).router, 'predict');
    const result = await gateway.query<{
      tickets: {
        id: string;
        subject: string | null;
        routing: { category: string | null; confidence: number; needsReview: boolean };
      }[];
    }>(OPS.RouteTickets, { first: 100 });
    const classifications = predict.mock.calls.map(([texts]) => texts.length);
    predict.mockRestore();

    expect(result.errors).toBeUndefined();
    const routed = result.data!.tickets;
    expect(routed).toHaveLength(100);
    expect(routed.map((ticket) => ticket.id)).toEqual(
      inbox.slice(0, 100).map((ticket) => ticket.id),
    );
    expect(
      routed.every((ticket) => ticket.routing.confidence >= 0 && ticket.routing.confidence <= 1),
    ).toBe(true);
    // The subject and body reached us through @requires: the held-out tickets are routed accurately.
    const correct = routed.filter(
      (ticket, index) => ticket.routing.category === inbox[index]!.expectedCategory,
    ).length;
    expect(correct).toBeGreaterThanOrEqual(85);

    expect(countBySubgraph(gateway.fetches)).toEqual({
      tickets: { requests: 1, entities: 0, representations: 0 },
      ai: { requests: 1, entities: 1, representations: 100 },
    });
    // One local classification, of all 100 tickets at once.
    expect(classifications).toEqual([100]);
    // The tickets subgraph counted the same: one request, no entity fetch.
    expect(tickets.counts).toEqual({ requests: 1, entities: 0 });
  });

  it('nulls only Ticket.routing when routing fails; the tickets list still arrives', async () => {
    // A taxonomy this account does not have: every ticket's routing fails, on its own path.
    const result = await gateway.query<{
      tickets: { id: string; routing: { category: string | null } | null }[];
    }>(
      '{ tickets(first: 3) { id routing(taxonomyId: "00000000-0000-4000-8000-000000000000") { category } } }',
    );
    expect(result.data!.tickets).toEqual(
      inbox.slice(0, 3).map((ticket) => ({ id: ticket.id, routing: null })),
    );
    expect(result.errors!.length).toBeGreaterThan(0);
    expect(result.errors!.every((error) => error.message.includes('was not found'))).toBe(true);
  });

  it('joins an incident its stored drafts through one _entities call', async () => {
    const result = await gateway.query<{
      incident: {
        title: string;
        postmortems: { totalCount: number; nodes: { id: string; status: string }[] };
        statusUpdates: { totalCount: number; nodes: { id: string; status: string }[] };
      };
    }>(OPS.IncidentDrafts, { id: 'INC-1' });
    expect(result.errors).toBeUndefined();
    expect(result.data!.incident).toEqual({
      title: 'Checkout errors in eu-west-1',
      postmortems: {
        totalCount: 1,
        nodes: drafts['INC-1']!.postmortems.map((id) => ({ id, status: 'SUCCEEDED' })),
      },
      statusUpdates: {
        totalCount: 2,
        nodes: drafts['INC-1']!.statusUpdates.map((id) => ({ id, status: 'SUCCEEDED' })),
      },
    });
    expect(countBySubgraph(gateway.fetches)).toEqual({
      incidents: { requests: 1, entities: 0, representations: 0 },
      ai: { requests: 1, entities: 1, representations: 1 },
    });
  });

  it('loads the drafts of every incident of a request with one _entities call and one SQL query', async () => {
    const query = vi.spyOn(ai.app.store.db, 'query');
    const result = await gateway.query<{
      incidents: {
        id: string;
        severity: string;
        drafts: { totalCount: number; nodes: { id: string }[] } | null;
      }[];
    }>(OPS.IncidentsDrafts);
    // The statements that read drafts: background writers (the audit log's delayed group commit,
    // heartbeats on PostgreSQL) may run statements of their own meanwhile.
    const sqlQueries = query.mock.calls.filter(([sql]) =>
      String(sql).includes('incident_id = ANY'),
    ).length;
    query.mockRestore();

    expect(result.errors).toBeUndefined();
    expect(result.data!.incidents).toEqual([
      {
        id: 'INC-1',
        severity: 'SEV2',
        drafts: { totalCount: 2, nodes: drafts['INC-1']!.statusUpdates.map((id) => ({ id })) },
      },
      {
        id: 'INC-2',
        severity: 'SEV3',
        drafts: { totalCount: 1, nodes: drafts['INC-2']!.statusUpdates.map((id) => ({ id })) },
      },
      { id: 'INC-3', severity: 'SEV4', drafts: { totalCount: 0, nodes: [] } },
    ]);
    expect(countBySubgraph(gateway.fetches).ai).toEqual({
      requests: 1,
      entities: 1,
      representations: 3,
    });
    expect(sqlQueries).toBe(1);
  });

  it("keeps the incidents list when the drafts cannot be read: null drafts, an error on each incident's path", async () => {
    const db = ai.app.store.db;
    const query = db.query.bind(db);
    const failing = vi
      .spyOn(db, 'query')
      .mockImplementation(((sql: string, params?: unknown[]) =>
        String(sql).includes('incident_id = ANY')
          ? Promise.reject(new Error('the store is down'))
          : query(sql, params)) as never);
    const result = await gateway.query<{
      incidents: { id: string; severity: string; drafts: unknown }[];
    }>(OPS.IncidentsDrafts);
    failing.mockRestore();
    // The incidents subgraph's list arrives whole; only this subgraph's field is null.
    expect(result.data!.incidents).toEqual([
      { id: 'INC-1', severity: 'SEV2', drafts: null },
      { id: 'INC-2', severity: 'SEV3', drafts: null },
      { id: 'INC-3', severity: 'SEV4', drafts: null },
    ]);
    expect(result.errors!.map((error) => (error as { path?: unknown[] }).path)).toEqual([
      ['incidents', 0, 'drafts'],
      ['incidents', 1, 'drafts'],
      ['incidents', 2, 'drafts'],
    ]);
  });

  it('resolves a Generation referenced by another subgraph through ai-subgraph', async () => {
    const result = await gateway.query<{
      incident: {
        lastDraft: {
          id: string;
          status: string;
          feature: string;
          text: string;
          incident: { id: string; title: string };
        };
      };
    }>(OPS.IncidentLastDraft, { id: 'INC-1' });
    expect(result.errors).toBeUndefined();
    const draft = result.data!.incident.lastDraft;
    expect(draft).toMatchObject({
      id: drafts['INC-1']!.statusUpdates[0],
      status: 'SUCCEEDED',
      feature: 'STATUS_UPDATE',
      incident: { id: 'INC-1', title: 'Checkout errors in eu-west-1' },
    });
    expect(draft.text.length).toBeGreaterThan(0);
    // The draft's `incident` is an entity reference: its title comes from the incidents subgraph.
    expect(countBySubgraph(gateway.fetches)).toEqual({
      incidents: { requests: 2, entities: 1, representations: 1 },
      ai: { requests: 1, entities: 1, representations: 1 },
    });

    // And ai-subgraph's own root field through the gateway.
    const direct = await gateway.query<{ generation: { id: string; status: string } }>(
      OPS.GenerationById,
      { id: draft.id },
    );
    expect(direct.data!.generation).toEqual({ id: draft.id, status: 'SUCCEEDED' });
  });

  it('returns an inline trace (ftv1) to the gateway when it asks for one, and none otherwise', async () => {
    await gateway.query('{ tickets(first: 5) { id routing { category } } }');
    expect(gateway.fetches.map((fetch) => [fetch.subgraph, fetch.ftv1])).toEqual([
      ['tickets', false],
      ['ai', false],
    ]);

    gateway.fetches.length = 0;
    gateway.captureTraces = true;
    const traced = await gateway.query<{ tickets: unknown[] }>(
      '{ tickets(first: 5) { id routing { category } } }',
    );
    expect(traced.data!.tickets).toHaveLength(5);
    expect(gateway.fetches.map((fetch) => [fetch.subgraph, fetch.ftv1])).toEqual([
      ['tickets', true],
      ['ai', true],
    ]);
    // The gateway decoded our trace into its query plan trace.
    expect(gateway.lastPlanFetches.find((node) => node.serviceName === 'ai')).toEqual({
      serviceName: 'ai',
      hasTrace: true,
      traceParsingFailed: false,
    });
    expect(gateway.gatewayErrors.filter((message) => /trace/i.test(message))).toEqual([]);
  });

  it('answers `apollo-federation-include-trace: ftv1` with extensions.ftv1 when called directly', async () => {
    const asked = await fetch(ai.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'apollo-federation-include-trace': 'ftv1' },
      body: JSON.stringify({ query: '{ _service { sdl } }' }),
    });
    const body = (await asked.json()) as { extensions?: { ftv1?: string } };
    expect(body.extensions?.ftv1).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const plain = (await ai.graphql('{ _service { sdl } }')) as { extensions?: unknown };
    expect(plain.extensions).toBeUndefined();
  });
});
