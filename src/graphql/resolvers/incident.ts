/** The federated Incident entity: its stored AI drafts, batched across every incident of a request. */
import type { Resolvers } from '../__generated__/resolvers-types.js';
import { connectionOf, pageSize } from '../connection.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { MAX_INCIDENT_DRAFTS } from '../loaders.js';

export const incidentResolvers: Resolvers = {
  Incident: {
    // Its reference arrives as { id } whatever the configured key (supergraph-config.ts). The
    // field is nullable: an error here nulls this incident's drafts, not the incident.
    drafts: async (incident, { feature, first, after }, { loaders }) => {
      const page = await loaders.incidentDrafts.load({
        incidentId: incident.id,
        feature: feature ?? null,
        first: pageSize(first, 10, MAX_INCIDENT_DRAFTS),
        after: after ? decodeCursor(after) : null,
      });
      return { ...connectionOf(page, encodeCursor, { after }), totalCount: page.totalCount };
    },
  },
};
