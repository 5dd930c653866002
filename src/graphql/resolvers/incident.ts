/** The federated Incident entity: its stored AI drafts, batched across every incident of a request. */
import type { Feature } from '../../domain.js';
import { badInput } from '../../errors.js';
import type { RequestContext } from '../context.js';
import type { Resolvers } from '../__generated__/resolvers-types.js';
import { MAX_DRAFTS_PER_FEATURE } from '../loaders.js';

async function drafts(
  incidentId: string,
  feature: Feature,
  first: number | null | undefined,
  { loaders }: RequestContext,
) {
  const size = first ?? 10;
  if (size < 1 || size > MAX_DRAFTS_PER_FEATURE)
    throw badInput(`first: must be from 1 to ${MAX_DRAFTS_PER_FEATURE}`);
  const all = await loaders.incidentDrafts.load(incidentId);
  return all.filter((draft) => draft.feature === feature).slice(0, size);
}

export const incidentResolvers: Resolvers = {
  Incident: {
    // Its reference arrives as { id } whatever the configured key (supergraph-config.ts).
    postmortemDrafts: (incident, { first }, context) =>
      drafts(incident.id, 'POSTMORTEM', first, context),
    statusUpdateDrafts: (incident, { first }, context) =>
      drafts(incident.id, 'STATUS_UPDATE', first, context),
    runbookDrafts: (incident, { first }, context) => drafts(incident.id, 'RUNBOOK', first, context),
  },
};
