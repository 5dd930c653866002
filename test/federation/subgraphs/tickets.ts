/**
 * A stand-in for the supergraph's tickets subgraph: it owns `Ticket` (id, subject, body, customer)
 * and serves a fixed help-desk inbox built from CLINC150 test rows, so the category each ticket
 * should be routed to is known.
 */
import { parse } from 'graphql';
import { clincSubset } from '../../support/clinc.js';
import { serveSubgraph, type RunningSubgraph } from './serve.js';

/*
 * `subject` and `body` are nullable because ai-subgraph declares them `String @external`, and
 * composition requires an @external field's type to equal the owner's exactly: an owner with
 * `body: String!` fails with EXTERNAL_TYPE_MISMATCH (test/federation/schema-check.test.ts).
 */
export const TICKETS_TYPE_DEFS = parse(`#graphql
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])

  type Ticket @key(fields: "id") {
    id: ID!
    subject: String
    body: String
    customer: String!
  }

  type Query {
    "The newest tickets first; at most 500."
    tickets(first: Int = 20): [Ticket!]!
  }
`);

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

export async function startTicketsSubgraph(
  tickets: readonly FixedTicket[],
): Promise<RunningSubgraph> {
  const byId = new Map(tickets.map((ticket) => [ticket.id, ticket]));
  return serveSubgraph('tickets', TICKETS_TYPE_DEFS, {
    Query: {
      tickets: (_parent: unknown, { first }: { first?: number | null }) =>
        tickets.slice(0, Math.min(Math.max(first ?? 20, 0), 500)),
    },
    Ticket: {
      __resolveReference: (reference: { id: string }) => byId.get(reference.id) ?? null,
    },
  });
}
