/**
 * A pinned keyword rule (`chargeback` → disputes) cannot be dodged by writing the word so that it
 * reads the same but is spelled with other code points: zero-width characters, soft hyphens,
 * Cyrillic or Greek look-alikes, full-width letters, accents. Words that merely contain it, or
 * other words, still do not match.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

const ROUTE =
  'query($tickets: [TicketInput!]!, $taxonomyId: ID) { routeTickets(tickets: $tickets, taxonomyId: $taxonomyId) { ticket { id } category decidedBy reason } }';

describe('keyword routing rules', () => {
  let server: TestServer;
  let taxonomyId: string;

  const createTaxonomy = (name: string, rules: { keyword: string; category: string }[]) =>
    server.graphql<{
      createTaxonomy: {
        taxonomy: { id: string } | null;
        userErrors: { field: string[] | null; code: string; message: string }[];
      };
    }>(
      'mutation($input: CreateTaxonomyInput!) { createTaxonomy(input: $input) { taxonomy { id } userErrors { field code message } } }',
      {
        input: {
          name,
          categories: [
            { name: 'disputes', description: 'chargebacks and disputed payments' },
            { name: 'access', description: 'logins and passwords' },
          ],
          rules,
        },
      },
    );

  beforeAll(async () => {
    server = await startTestServer();
    const created = await createTaxonomy('support', [
      { keyword: 'chargeback', category: 'disputes' },
      { keyword: 'Über Konto', category: 'access' },
    ]);
    expect(created.errors).toBeUndefined();
    taxonomyId = created.data!.createTaxonomy.taxonomy!.id;
  });
  afterAll(() => server.stop());

  const route = async (bodies: Record<string, string>) => {
    const { data, errors } = await server.graphql<{
      routeTickets: { ticket: { id: string }; category: string | null; decidedBy: string }[];
    }>(ROUTE, {
      tickets: Object.entries(bodies).map(([id, body]) => ({ id, body })),
      taxonomyId,
    });
    expect(errors).toBeUndefined();
    return Object.fromEntries(
      data!.routeTickets.map((p) => [p.ticket.id, p.decidedBy === 'RULE' ? p.category : null]),
    );
  };

  it('match the word however it is disguised', async () => {
    const disguised = {
      plain: 'I want to file a chargeback now',
      zeroWidthSpace: 'I want to file a charge\u200bback now',
      zeroWidthJoiner: 'I want to file a charge\u200dback now',
      wordJoiner: 'I want to file a charge\u2060back now',
      softHyphen: 'I want to file a charge\u00adback now',
      cyrillic: 'I want to file a \u0441h\u0430rg\u0435b\u0430\u0441k now',
      greek: 'I want to file a chargeb\u03b1ck now',
      upperCyrillic: 'FILE A \u0421HARGEBACK NOW',
      fullWidth: 'I want to file a \uff43\uff48\uff41\uff52\uff47\uff45\uff42\uff41\uff43\uff4b',
      combiningAccent: 'I want to file a cha\u0301rgeba\u0300ck now',
      precomposedAccent: 'I want to file a ch\u00e0rg\u00e9back now',
      htmlEntity: '<p>I want a charge&#173;back</p>',
      keywordWithUmlautWritten: 'Frage \u00fcber konto',
      keywordWithCombiningUmlaut: 'Frage u\u0308ber   Konto',
    };
    const matched = await route(disguised);
    expect(matched).toEqual({
      ...Object.fromEntries(Object.keys(disguised).map((id) => [id, 'disputes'])),
      keywordWithUmlautWritten: 'access',
      keywordWithCombiningUmlaut: 'access',
    });
  });

  it('still match whole words only', async () => {
    expect(
      await route({
        longer: 'three chargebacks last month',
        inside: 'the surchargeback office',
        split: 'a charge back to my card',
        unrelated: 'my password stopped working',
      }),
    ).toEqual({ longer: null, inside: null, split: null, unrelated: null });
  });

  it('refuse a keyword that is invisible once folded, which would match every ticket', async () => {
    const refused = await createTaxonomy('invisible', [
      { keyword: '\u200b\u00ad\u200b', category: 'disputes' },
    ]);
    expect(refused.data!.createTaxonomy.taxonomy).toBeNull();
    expect(refused.data!.createTaxonomy.userErrors).toMatchObject([
      { field: ['input', 'rules', '0', 'keyword'], code: 'BAD_USER_INPUT' },
    ]);
  });
});
