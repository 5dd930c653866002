/**
 * ai-subgraph in a supergraph composed by @theguild/federation-composition and served by Hive
 * Gateway, the second gateway platform teams run: the routing join, incident drafts, and
 * `generationStream` through the gateway over graphql-ws and SSE with `afterSeq`, with the
 * credentials of a production server forwarded on both transports. Refused credentials (missing,
 * wrong, revoked, lacking a scope) reach the end client as a coded GraphQL error within 2 s.
 */
import { composeServices as composeWithGuild } from '@theguild/federation-composition';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { composeSupergraph, supergraphSubgraphs } from '../../scripts/compose.js';
import { statusUpdateInput } from '../fixtures/status-update.js';
import { clincSubset } from '../support/clinc.js';
import { issueKeyIn } from '../support/keys.js';
import {
  collectStream,
  startTestServer,
  streamEventOf,
  streamEventSelection,
  temporaryDataDir,
  type RawStreamEvent,
  type StreamEventShape,
  type TestServer,
} from '../support/server.js';
import { countBySubgraph } from './apollo-gateway.js';
import { startHiveGateway, type HiveGateway } from './hive-gateway.js';
import { SUPERGRAPH_OPERATIONS as OPS } from './operations.js';
import type { RunningSubgraph } from './subgraphs/serve.js';
import { startIncidentsSubgraph, type IncidentsSubgraph } from './subgraphs/incidents.js';
import { fixedTickets, startTicketsSubgraph, type FixedTicket } from './subgraphs/tickets.js';

const INTENTS = ['card_declined', 'lost_luggage', 'pin_change', 'transfer', 'book_flight'];
const STREAM = `subscription Watch($id: ID!, $afterSeq: Int) {
  generationStream(id: $id, afterSeq: $afterSeq) { ${streamEventSelection()} }
}`;
const DRAFT =
  'mutation($input: DraftStatusUpdateInput!) { draftStatusUpdate(input: $input) { generation { id } } }';

type StreamEvent = StreamEventShape;
interface Outcome {
  events: StreamEvent[];
  errors?: { message: string; extensions?: { code?: string } }[];
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** A subscription through the gateway over SSE (GraphQL over SSE, distinct connections mode). */
async function overSse(
  url: string,
  variables: Record<string, unknown>,
  headers: Record<string, string>,
): Promise<Outcome> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify({ query: STREAM, variables }),
  });
  const text = await response.text();
  const outcome: Outcome = { events: [] };
  for (const block of text.split('\n\n')) {
    const data = block
      .split('\n')
      .find((line) => line.startsWith('data:'))
      ?.slice(5)
      .trim();
    if (!block.includes('event: next') || !data) continue;
    const result = JSON.parse(data) as {
      data?: { generationStream: RawStreamEvent };
      errors?: Outcome['errors'];
    };
    if (result.errors) outcome.errors = result.errors;
    else if (result.data) outcome.events.push(streamEventOf(result.data.generationStream));
  }
  return outcome;
}

const overWebSocket = (
  url: string,
  variables: { id: string; afterSeq?: number },
  connectionParams: Record<string, string>,
) =>
  collectStream(
    createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, connectionParams }),
    variables.id,
    variables.afterSeq,
  ) as Promise<Outcome>;

/** The stream's promises: ordered seqs from 0 (or after `afterSeq`), then the finished generation. */
function expectWholeStream(outcome: Outcome, text: string, afterSeq = -1) {
  expect(outcome.errors).toBeUndefined();
  const deltas = outcome.events.filter((event) => event.delta !== null);
  expect(deltas.map((event) => event.seq)).toEqual(
    deltas.map((_event, index) => afterSeq + 1 + index),
  );
  expect(outcome.events.at(-1)!.generation).toMatchObject({ status: 'SUCCEEDED', text });
  if (afterSeq < 0) expect(deltas.map((event) => event.delta).join('')).toBe(text);
}

describe('ai-subgraph in a supergraph behind Hive Gateway', () => {
  let ai: TestServer;
  let tickets: RunningSubgraph;
  let incidents: IncidentsSubgraph;
  let gateway: HiveGateway;
  let inbox: FixedTicket[];
  let keys: { admin: string; all: string; routeOnly: string; revoked: string };
  let draftId: string;

  beforeAll(async () => {
    const dataDir = temporaryDataDir();
    keys = {
      admin: await issueKeyIn(dataDir, 'acme', ['admin']),
      all: await issueKeyIn(dataDir, 'acme', ['generate', 'route']),
      routeOnly: await issueKeyIn(dataDir, 'acme', ['route']),
      revoked: await issueKeyIn(dataDir, 'acme', ['generate', 'route']),
    };
    inbox = fixedTickets(INTENTS, 10);
    [ai, tickets, incidents] = await Promise.all([
      startTestServer({ NODE_ENV: 'production', DATA_DIR: dataDir, BUILTIN_STREAM_DELAY_MS: '20' }),
      startTicketsSubgraph(inbox),
      startIncidentsSubgraph(),
    ]);
    const as = bearer(keys.all);
    const created = await ai.graphql<{ createTaxonomy: { taxonomy: { id: string } } }>(
      'mutation($input: CreateTaxonomyInput!) { createTaxonomy(input: $input) { taxonomy { id } } }',
      {
        input: {
          name: 'support',
          categories: INTENTS.map((intent) => ({ name: intent, description: intent })),
        },
      },
      as,
    );
    const taxonomyId = created.data!.createTaxonomy.taxonomy.id;
    const rows = clincSubset('train', INTENTS).map(([body, category]) => ({ body, category }));
    await ai.graphql(
      'mutation($id: ID!, $rows: [LabeledTicketInput!]!) { importLabeledTickets(input: { taxonomyId: $id, examples: $rows }) { imported } }',
      { id: taxonomyId, rows },
      as,
    );
    const trained = await ai.graphql(
      'mutation($id: ID!) { trainRouter(input: { taxonomyId: $id }) { model { id } } }',
      { id: taxonomyId },
      as,
    );
    expect(trained.errors).toBeUndefined();
    const draft = await ai.graphql<{ draftStatusUpdate: { generation: { id: string } } }>(
      DRAFT,
      { input: statusUpdateInput({ incidentId: 'INC-1' }) },
      as,
    );
    draftId = draft.data!.draftStatusUpdate.generation.id;

    const subgraphs = supergraphSubgraphs({
      ai: ai.url,
      tickets: tickets.url,
      incidents: incidents.url,
    });
    // Both composers must find the same subgraphs valid; Hive Gateway serves the Guild's result.
    composeSupergraph(subgraphs);
    const guild = composeWithGuild(
      subgraphs.map((subgraph) => ({ ...subgraph, typeDefs: subgraph.typeDefs })),
    );
    expect(guild.errors ?? []).toEqual([]);
    gateway = await startHiveGateway(guild.supergraphSdl!);
    // Servers, training and composition on a shared, busy machine.
  }, 180_000);
  afterAll(async () => {
    await gateway?.stop();
    await Promise.all([ai?.stop(), tickets?.stop(), incidents?.stop()]);
  });
  beforeEach(() => {
    gateway.fetches.length = 0;
  });

  it('routes 50 tickets with one _entities call to ai-subgraph, credentials forwarded', async () => {
    const result = await gateway.query<{
      tickets: { id: string; routing: { category: string | null } }[];
    }>(OPS.RouteTickets, { first: 50 }, bearer(keys.all));
    expect(result.errors).toBeUndefined();
    const routed = result.data!.tickets;
    expect(routed.map((ticket) => ticket.id)).toEqual(inbox.map((ticket) => ticket.id));
    const correct = routed.filter(
      (ticket, index) => ticket.routing.category === inbox[index]!.expectedCategory,
    ).length;
    expect(correct).toBeGreaterThanOrEqual(40);
    expect(countBySubgraph(gateway.fetches)).toEqual({
      tickets: { requests: 1, entities: 0, representations: 0 },
      ai: { requests: 1, entities: 1, representations: 50 },
    });
  });

  it('joins an incident its stored drafts', async () => {
    const result = await gateway.query<{
      incident: {
        title: string;
        statusUpdates: { totalCount: number; nodes: { id: string; status: string }[] };
      };
    }>(OPS.IncidentDrafts, { id: 'INC-1' }, bearer(keys.all));
    expect(result.errors).toBeUndefined();
    expect(result.data!.incident).toMatchObject({
      title: 'Checkout errors in eu-west-1',
      statusUpdates: { totalCount: 1, nodes: [{ id: draftId, status: 'SUCCEEDED' }] },
    });
    expect(countBySubgraph(gateway.fetches).ai).toEqual({
      requests: 1,
      entities: 1,
      representations: 1,
    });
  });

  it('streams a generation through the gateway over graphql-ws and SSE, resuming after a seq', async () => {
    const started = await ai.graphql<{ draftStatusUpdate: { generation: { id: string } } }>(
      DRAFT,
      { input: statusUpdateInput({ stream: true }) },
      bearer(keys.all),
    );
    const id = started.data!.draftStatusUpdate.generation.id;
    const live = await overWebSocket(gateway.wsUrl, { id }, bearer(keys.all));
    const text = live.events.at(-1)!.generation!.text;
    expectWholeStream(live, text);
    const deltas = live.events.filter((event) => event.delta !== null).length;
    expect(deltas).toBeGreaterThan(2);

    expectWholeStream(await overSse(gateway.url, { id }, bearer(keys.all)), text);
    const afterSeq = 1;
    const resumedWs = await overWebSocket(gateway.wsUrl, { id, afterSeq }, bearer(keys.all));
    expectWholeStream(resumedWs, text, afterSeq);
    expect(resumedWs.events.filter((event) => event.delta !== null)).toHaveLength(deltas - 2);
    const resumedSse = await overSse(gateway.url, { id, afterSeq }, bearer(keys.all));
    expect(resumedSse.events).toEqual(resumedWs.events);
  });

  it.each([
    ['no', {}],
    ['a wrong', bearer('ais_0000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')],
  ])(
    'ends a subscription with %s key in UNAUTHENTICATED within 2 s, over graphql-ws and SSE',
    async (_kind, credentials: Record<string, string>) => {
      for (const transport of [overWebSocket, overSse] as const) {
        const started = Date.now();
        const url = transport === overWebSocket ? gateway.wsUrl : gateway.url;
        const outcome = await transport(url, { id: draftId }, credentials);
        expect(Date.now() - started).toBeLessThan(2_000);
        expect(outcome.events).toEqual([]);
        expect(outcome.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      }
    },
  );

  it('answers a key without the generate scope with FORBIDDEN', async () => {
    const outcome = await overWebSocket(gateway.wsUrl, { id: draftId }, bearer(keys.routeOnly));
    expect(outcome.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('ends an open subscription within a second of its key being revoked', async () => {
    const started = await ai.graphql<{ draftStatusUpdate: { generation: { id: string } } }>(
      DRAFT,
      { input: statusUpdateInput({ stream: true }) },
      bearer(keys.revoked),
    );
    // BUILTIN_STREAM_DELAY_MS keeps the stream running for seconds: it is revoked mid-stream.
    const events: StreamEvent[] = [];
    const ended = new Promise<{ at: number; errors?: Outcome['errors'] }>((resolve) => {
      createClient({
        url: gateway.wsUrl,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: bearer(keys.revoked),
      }).subscribe<{ generationStream: RawStreamEvent }>(
        { query: STREAM, variables: { id: started.data!.draftStatusUpdate.generation.id } },
        {
          next: (result) => {
            if (result.errors) resolve({ at: Date.now(), errors: result.errors as never });
            else events.push(streamEventOf(result.data!.generationStream));
          },
          error: (error) => resolve({ at: Date.now(), errors: error as never }),
          complete: () => resolve({ at: Date.now() }),
        },
      );
    });
    await expect.poll(() => events.length).toBeGreaterThan(0);
    const revokedAt = Date.now();
    const revoked = await ai.graphql(
      'mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { revokedAt } } }',
      { id: keys.revoked.slice(0, 14) },
      bearer(keys.admin),
    );
    expect(revoked.errors).toBeUndefined();
    const end = await ended;
    expect(end.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(end.at - revokedAt).toBeLessThan(1_000);
  });
});
