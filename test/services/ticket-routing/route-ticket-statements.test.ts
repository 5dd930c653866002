/**
 * What one `routeTicket` asks of the database, counted: statements are most of its cost (on
 * PGlite each is a fraction of a millisecond of CPU on the event loop), so a change that adds one
 * shows here rather than only in bench/load-routing.ts.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { statementSummary } from '../../../src/infra/store/database.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const ROUTE =
  'query($ticket: TicketInput!) { routeTicket(ticket: $ticket) { category decidedBy target taxonomy { id name } } }';

describe('routeTicket statements', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({});
    const created = await server.graphql(
      'mutation($input: CreateTaxonomyInput!) { createTaxonomy(input: $input) { taxonomy { id } } }',
      {
        input: {
          name: 'support',
          categories: [
            {
              name: 'billing',
              description: 'Invoices',
              examples: ['refund my invoice'],
              target: 'queue-billing',
            },
            {
              name: 'login',
              description: 'Passwords',
              examples: ['reset my password'],
              target: 'queue-login',
            },
          ],
          // A pinned keyword decides: no trained model needed for a category (and a target).
          rules: [{ keyword: 'refund', category: 'billing' }],
        },
      },
    );
    expect(created.errors).toBeUndefined();
  });
  afterAll(async () => server?.stop());

  /** The routing statements one call runs, by verb and first table (`INSERT routing_predictions`). */
  async function statementsOf(ticket: { id: string; body: string }): Promise<string[]> {
    await server.graphql(ROUTE, { ticket: { id: 'warm-up', body: 'refund please' } });
    const query = vi.spyOn(server.app.store.db, 'query');
    const answer = await server.graphql<{ routeTicket: { target: string } }>(ROUTE, { ticket });
    // Routing's own: background work (heartbeats on PostgreSQL) may run statements meanwhile.
    const statements = query.mock.calls
      .map(([sql]) => String(sql))
      .filter((sql) => /taxonom|routing_predictions/.test(sql))
      .map(statementSummary);
    query.mockRestore();
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.routeTicket.target).toBe('queue-billing');
    return statements;
  }

  it('a new ticket: the taxonomy, its stored decision (none), the new prediction', async () => {
    const statements = await statementsOf({ id: 'T-1', body: 'I want a refund' });
    // The taxonomy is read once, for routing, its target and the prediction's `taxonomy` alike.
    expect(statements).toHaveLength(3);
    expect(statements).toContain('INSERT routing_predictions');
  });

  it('a ticket routed before: the taxonomy and its stored decision, nothing written', async () => {
    const statements = await statementsOf({ id: 'T-1', body: 'I want a refund' });
    expect(statements).toHaveLength(2);
    expect(statements).not.toContain('INSERT routing_predictions');
  });
});
