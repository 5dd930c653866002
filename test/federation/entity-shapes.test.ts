/**
 * SUPERGRAPH_CONFIG: ai-subgraph composes with tickets and incidents subgraphs it did not design.
 * For each shape — the default, `String!` text fields, and a renamed type with renamed fields and a
 * compound key — the server started with that file serves the shaped SDL, both composers accept it
 * beside a tickets subgraph of that shape, and through @apollo/gateway the routing join and the
 * incident drafts work as they do in the default shape.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeServices as composeWithGuild } from '@theguild/federation-composition';
import { parse, print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeSupergraph } from '../../scripts/compose.js';
import {
  DEFAULT_SUPERGRAPH_CONFIG,
  entityId,
  parseSupergraphConfig,
  type SupergraphConfig,
} from '../../src/graphql/supergraph-config.js';
import { statusUpdateInput } from '../fixtures/status-update.js';
import { clincSubset } from '../support/clinc.js';
import { runCli } from '../support/cli.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { countBySubgraph, startApolloGateway, type Gateway } from './apollo-gateway.js';
import { gatewayCompatibleAiSdl } from './gateway-sdl.js';
import type { RunningSubgraph } from './subgraphs/serve.js';
import {
  incidentsTypeDefs,
  startIncidentsSubgraph,
  type IncidentsSubgraph,
} from './subgraphs/incidents.js';
import {
  fixedTickets,
  shapedTicket,
  startTicketsSubgraph,
  ticketsTypeDefs,
  type FixedTicket,
} from './subgraphs/tickets.js';

const INTENTS = ['card_declined', 'lost_luggage', 'book_flight'];

const SHAPES: [name: string, file: string, source: string][] = [
  ['the default shape', 'default.yaml', ''],
  [
    'String! subject and body',
    'non-null.json',
    JSON.stringify({ ticket: { subject: { type: 'String!' }, body: { type: 'String!' } } }),
  ],
  [
    'a renamed type with renamed fields and a compound key',
    'support-ticket.yaml',
    `ticket:
  type: SupportTicket
  key: { tenant: "String!", number: "Int!" }
  subject: { field: title, type: "String!" }
  body: { field: description, type: "String!" }
incident:
  type: Outage
  key: ref
`,
  ],
];

describe('SUPERGRAPH_CONFIG validation', () => {
  it('reads an empty file as the default shape, and YAML and JSON alike', () => {
    expect(parseSupergraphConfig('', 'empty.yaml')).toEqual(DEFAULT_SUPERGRAPH_CONFIG);
    expect(
      parseSupergraphConfig('{"ticket": {"type": "SupportTicket"}}', 'x.json').ticket,
    ).toMatchObject({ type: 'SupportTicket', key: { id: 'ID!' } });
  });

  it('refuses a bad file in one line naming the path and each problem', () => {
    const attempt = () =>
      parseSupergraphConfig(
        'ticket:\n  subject: { field: title, type: Int }\n  colour: red\n',
        'bad.yaml',
      );
    expect(attempt).toThrow(/^bad\.yaml: .*colour.*ticket\.subject\.type/);
    try {
      attempt();
    } catch (error) {
      expect((error as Error).message).not.toContain('\n');
    }
  });
});

describe('npm run compose -- --with', () => {
  it("composes the configured shape with a company's subgraph files, and prints each error with exit 1 when they do not fit", async () => {
    const [, file, source] = SHAPES[2]!;
    const dir = mkdtempSync(join(tmpdir(), 'compose-with-'));
    const config = join(dir, file);
    writeFileSync(config, source);
    const shape = parseSupergraphConfig(source, config);
    const tickets = join(dir, 'helpdesk.graphql');
    const incidents = join(dir, 'outages.graphql');
    writeFileSync(tickets, print(ticketsTypeDefs(shape.ticket)));
    writeFileSync(incidents, print(incidentsTypeDefs(shape.incident)));
    const compose = (env: Record<string, string>) =>
      runCli('../../scripts/compose', ['--with', tickets, incidents], env);

    const fits = await compose({ SUPERGRAPH_CONFIG: config });
    expect(fits.code).toBe(0);
    expect(fits.stdout).toContain('ai, helpdesk, outages composed with 0 hint(s)');

    // The default shape extends Ticket { subject body }, which these subgraphs do not have.
    const misfit = await compose({});
    expect(misfit.code).toBe(1);
    expect(misfit.stderr).toMatch(/\[error [A-Z_]+\] Field "Ticket\.subject"/);
    expect(misfit.stderr).toMatch(/\[error [A-Z_]+\] Field "Ticket\.body"/);
    expect(misfit.stderr).toContain('do not compose: 2 error(s)');
  }, 120_000);
});

describe.each(SHAPES)('ai-subgraph extending %s', (_name, file, source) => {
  const path = join(mkdtempSync(join(tmpdir(), 'supergraph-config-')), file);
  writeFileSync(path, source);
  const shape: SupergraphConfig = parseSupergraphConfig(source, path);
  const { ticket, incident } = shape;
  let ai: TestServer;
  let tickets: RunningSubgraph;
  let incidents: IncidentsSubgraph;
  let gateway: Gateway;
  let inbox: FixedTicket[];
  let draftId: string;
  let servedSdl: string;

  beforeAll(async () => {
    inbox = fixedTickets(INTENTS, 4);
    [ai, tickets, incidents] = await Promise.all([
      startTestServer({ SUPERGRAPH_CONFIG: path }),
      startTicketsSubgraph(inbox, ticket),
      startIncidentsSubgraph(undefined, incident),
    ]);
    const created = await ai.graphql<{ createTaxonomy: { taxonomy: { id: string } } }>(
      'mutation($input: CreateTaxonomyInput!) { createTaxonomy(input: $input) { taxonomy { id } } }',
      {
        input: {
          name: 'support',
          categories: INTENTS.map((intent) => ({ name: intent, description: intent })),
        },
      },
    );
    const taxonomyId = created.data!.createTaxonomy.taxonomy.id;
    const rows = clincSubset('train', INTENTS).map(([body, category]) => ({ body, category }));
    await ai.graphql(
      'mutation($id: ID!, $rows: [LabeledTicketInput!]!) { importLabeledTickets(input: { taxonomyId: $id, examples: $rows }) { imported } }',
      { id: taxonomyId, rows },
    );
    const trained = await ai.graphql(
      'mutation($id: ID!) { trainRouter(input: { taxonomyId: $id }) { model { id } } }',
      {
        id: taxonomyId,
      },
    );
    expect(trained.errors).toBeUndefined();
    const draft = await ai.graphql<{ draftStatusUpdate: { generation: { id: string } } }>(
      'mutation($input: DraftStatusUpdateInput!) { draftStatusUpdate(input: $input) { generation { id } } }',
      { input: statusUpdateInput({ incidentId: 'INC-1' }) },
    );
    draftId = draft.data!.draftStatusUpdate.generation.id;
    servedSdl = (await ai.graphql<{ _service: { sdl: string } }>('{ _service { sdl } }')).data!
      ._service.sdl;

    const subgraphs = [
      { name: 'ai', url: ai.url, typeDefs: parse(servedSdl) },
      { name: 'tickets', url: tickets.url, typeDefs: tickets.typeDefs },
      { name: 'incidents', url: incidents.url, typeDefs: incidents.typeDefs },
    ];
    const guild = composeWithGuild(subgraphs);
    expect(guild.errors ?? []).toEqual([]);
    composeSupergraph(subgraphs, {});
    const supergraph = composeSupergraph(
      [
        { ...subgraphs[0]!, typeDefs: parse(gatewayCompatibleAiSdl(servedSdl)) },
        ...subgraphs.slice(1),
      ],
      {},
    );
    gateway = await startApolloGateway(supergraph.sdl);
    // Servers, training and composition on a shared, busy machine.
  }, 180_000);
  afterAll(async () => {
    await gateway?.stop();
    await Promise.all([ai?.stop(), tickets?.stop(), incidents?.stop()]);
  });

  it('serves the configured names and exact types in _service { sdl }', () => {
    const keyed = (type: string, key: Record<string, string>) =>
      new RegExp(`type ${type}\\s+@key\\(fields: "${Object.keys(key).join(' ')}"\\)`);
    expect(servedSdl).toMatch(keyed(ticket.type, ticket.key));
    expect(servedSdl).toMatch(keyed(incident.type, incident.key));
    for (const [field, type] of Object.entries(ticket.key))
      expect(servedSdl).toContain(`${field}: ${type}`);
    expect(servedSdl).toContain(`${ticket.subject.field}: ${ticket.subject.type} @external`);
    expect(servedSdl).toContain(`${ticket.body.field}: ${ticket.body.type} @external`);
    expect(servedSdl).toContain(
      `@requires(fields: "${ticket.subject.field} ${ticket.body.field}")`,
    );
  });

  it('routes the tickets through one _entities call, with the text the router hands over', async () => {
    const keys = Object.keys(ticket.key).join(' ');
    const result = await gateway.query<{
      tickets: Record<string, unknown>[];
    }>(`{ tickets(first: 12) { ${keys} routing { ticket { ${keys} } category } } }`);
    expect(result.errors).toBeUndefined();
    const routed = result.data!.tickets as {
      routing: { ticket: Record<string, unknown>; category: string };
    }[];
    // RoutingPrediction.ticket is a reference in the configured shape, key fields and all.
    expect(routed.map((entry) => entityId(entry.routing.ticket, ticket.key))).toEqual(
      inbox.map((entry) => entityId(shapedTicket(entry, ticket), ticket.key)),
    );
    const correct = routed.filter(
      (entry, index) => entry.routing.category === inbox[index]!.expectedCategory,
    ).length;
    expect(correct).toBeGreaterThanOrEqual(9);
    expect(countBySubgraph(gateway.fetches).ai).toEqual({
      requests: 1,
      entities: 1,
      representations: 12,
    });
  });

  it('joins an incident its stored drafts', async () => {
    const [keyField] = Object.keys(incident.key);
    const result = await gateway.query<{
      incidents: Record<string, unknown>[];
    }>(`{ incidents { ${keyField} drafts { nodes { id incident { ${keyField} title } } } } }`);
    expect(result.errors).toBeUndefined();
    // The draft's incident is the configured entity, its key read back from the stored id.
    expect(result.data!.incidents[0]).toEqual({
      [keyField!]: 'INC-1',
      drafts: {
        nodes: [
          {
            id: draftId,
            incident: { [keyField!]: 'INC-1', title: 'Checkout errors in eu-west-1' },
          },
        ],
      },
    });
  });
});
