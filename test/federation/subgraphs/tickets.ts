/**
 * A stand-in for the supergraph's tickets subgraph: it owns `Ticket` (id, subject, body, customer)
 * and serves a fixed help-desk inbox built from CLINC150 test rows, so the category each ticket
 * should be routed to is known.
 */
import { parse } from 'graphql';
import {
  DEFAULT_SUPERGRAPH_CONFIG,
  entityId,
  type SupergraphConfig,
} from '../../../src/graphql/supergraph-config.js';
import { clincSubset } from '../../support/clinc.js';
import { serveSubgraph, type RunningSubgraph } from './serve.js';

type TicketShape = SupergraphConfig['ticket'];

/**
 * A tickets subgraph's SDL in a given shape (the entity's name, key and text fields as
 * SUPERGRAPH_CONFIG describes them). In the default shape `subject` and `body` are nullable, as
 * ai-subgraph's default SDL declares them: composition requires an @external field's type to equal
 * the owner's exactly (test/federation/schema-check.test.ts).
 */
export function ticketsTypeDefs(shape: TicketShape = DEFAULT_SUPERGRAPH_CONFIG.ticket) {
  const keyFields = Object.entries(shape.key).map(([field, type]) => `${field}: ${type}`);
  return parse(`#graphql
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])

  type ${shape.type} @key(fields: "${Object.keys(shape.key).join(' ')}") {
    ${keyFields.join('\n    ')}
    ${shape.subject.field}: ${shape.subject.type}
    ${shape.body.field}: ${shape.body.type}
    customer: String!
  }

  type Query {
    "The newest tickets first; at most 500."
    tickets(first: Int = 20): [${shape.type}!]!
  }
`);
}

export const TICKETS_TYPE_DEFS = ticketsTypeDefs();

export interface FixedTicket {
  id: string;
  subject: string | null;
  body: string;
  customer: string;
  /** The CLINC150 intent it was drawn from: where it should be routed. */
  expectedCategory: string;
}

const CUSTOMERS = ['acme', 'globex', 'initech', 'umbrella', 'hooli'];

/** Up to `perIntent` test rows of each intent, interleaved, as tickets `TCK-1`, `TCK-2`, ... */
export function fixedTickets(intents: readonly string[], perIntent: number): FixedTicket[] {
  const byIntent = intents.map((intent) => clincSubset('test', [intent]).slice(0, perIntent));
  const tickets: FixedTicket[] = [];
  for (let row = 0; row < perIntent; row++) {
    for (const rows of byIntent) {
      const entry = rows[row];
      if (!entry) continue;
      const [body, intent] = entry;
      const n = tickets.length + 1;
      // Every third ticket came in without a subject line, as chat tickets do.
      const subject = n % 3 === 0 ? null : body.split(/\s+/).slice(0, 4).join(' ');
      tickets.push({
        id: `TCK-${n}`,
        subject,
        body,
        customer: CUSTOMERS[n % CUSTOMERS.length]!,
        expectedCategory: intent,
      });
    }
  }
  return tickets;
}

/**
 * A ticket as the tickets subgraph of that shape serves it. A key field named `id` holds the ticket
 * id, an `Int` one its number, any other the customer (so `{ tenant, number }` reads `acme`, `12`);
 * a non-null subject is empty where the ticket has none.
 */
export function shapedTicket(ticket: FixedTicket, shape: TicketShape): Record<string, unknown> {
  const number = Number(ticket.id.replace('TCK-', ''));
  const key = Object.entries(shape.key).map(([field, type]) => [
    field,
    field === 'id' ? ticket.id : type.startsWith('Int') ? number : ticket.customer,
  ]);
  return {
    ...Object.fromEntries(key),
    [shape.subject.field]: ticket.subject ?? (shape.subject.type === 'String!' ? '' : null),
    [shape.body.field]: ticket.body,
    customer: ticket.customer,
  };
}

export async function startTicketsSubgraph(
  tickets: readonly FixedTicket[],
  shape: TicketShape = DEFAULT_SUPERGRAPH_CONFIG.ticket,
): Promise<RunningSubgraph> {
  const served = tickets.map((ticket) => shapedTicket(ticket, shape));
  const byKey = new Map(served.map((ticket) => [entityId(ticket, shape.key), ticket]));
  return serveSubgraph('tickets', ticketsTypeDefs(shape), {
    Query: {
      tickets: (_parent: unknown, { first }: { first?: number | null }) =>
        served.slice(0, Math.min(Math.max(first ?? 20, 0), 500)),
    },
    [shape.type]: {
      __resolveReference: (reference: Record<string, unknown>) =>
        byKey.get(entityId(reference, shape.key)) ?? null,
    },
  });
}
