/**
 * A customer's ticket history stood in for by CLINC150 (../shared/datasets/clinc150): a taxonomy
 * of its 150 intents, its 15,000 training rows imported and a router trained on them, all through
 * the subgraph's own API, as a customer would. Used by the routing load and soak benchmarks.
 */
import { loadClinc } from '../../test/support/clinc.js';
import type { GraphQLHttpClient } from './harness.js';

/** `importLabeledTickets` takes at most 5,000 rows per call. */
const IMPORT_BATCH = 5_000;

export interface TrainedTaxonomy {
  taxonomyId: string;
  categories: number;
  trainedOn: number;
  heldoutAccuracy: number;
  trainSeconds: number;
}

function expectData<T>(result: { data?: T; errors?: { message: string }[] }, what: string): T {
  if (result.errors || !result.data)
    throw new Error(`${what} failed: ${result.errors?.[0]?.message ?? 'no data'}`);
  return result.data;
}

/** `intents`: only the first so many intents (alphabetically) and their rows, for a quick run. */
export async function trainClincTaxonomy(
  client: GraphQLHttpClient,
  name = 'clinc150',
  intentLimit = Infinity,
): Promise<TrainedTaxonomy> {
  const all = loadClinc().train;
  const intents = [...new Set(all.map(([, intent]) => intent))].sort().slice(0, intentLimit);
  const kept = new Set(intents);
  const train = all.filter(([, intent]) => kept.has(intent));
  const categories = intents.map((intent) => ({
    name: intent,
    description: `Tickets about ${intent.replaceAll('_', ' ')}`,
    target: `queue-${intent}`,
  }));
  const created = expectData(
    await client.post<{ createTaxonomy: { taxonomy: { id: string } } }>(
      'mutation($input: CreateTaxonomyInput!) { createTaxonomy(input: $input) { taxonomy { id } } }',
      { input: { name, categories } },
    ),
    'createTaxonomy',
  );
  const taxonomyId = created.createTaxonomy.taxonomy.id;
  for (let from = 0; from < train.length; from += IMPORT_BATCH) {
    const rows = train
      .slice(from, from + IMPORT_BATCH)
      .map(([body, category]) => ({ body, category }));
    expectData(
      await client.post(
        'mutation($id: ID!, $rows: [LabeledTicketInput!]!) { importLabeledTickets(input: { taxonomyId: $id, examples: $rows }) { imported } }',
        { id: taxonomyId, rows },
      ),
      'importLabeledTickets',
    );
  }
  const started = performance.now();
  const trained = expectData(
    await client.post<{
      trainRouter: { model: { trainedOn: number; heldoutAccuracy: number | null } };
    }>(
      'mutation($id: ID!) { trainRouter(input: { taxonomyId: $id }) { model { trainedOn heldoutAccuracy } } }',
      { id: taxonomyId },
    ),
    'trainRouter',
  );
  return {
    taxonomyId,
    categories: categories.length,
    trainedOn: trained.trainRouter.model.trainedOn,
    // Null when nothing was held out: never the case for CLINC150's hundreds per category.
    heldoutAccuracy: trained.trainRouter.model.heldoutAccuracy ?? Number.NaN,
    trainSeconds: (performance.now() - started) / 1000,
  };
}

/** Held-out tickets (CLINC150's test split) to route, in a fixed order. */
export function clincTestTickets(): { id: string; body: string }[] {
  return loadClinc().test.map(([body], index) => ({ id: `T-${index}`, body }));
}
