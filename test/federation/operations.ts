/**
 * Operations the supergraph's clients run through ai-subgraph, by name. gateway.test.ts runs each
 * through a real gateway; `npm run compose` validates each (and the Sandbox document) against the
 * composed API schema, as a GraphOS operation check would: a change that still composes but breaks
 * one of these (a field made @inaccessible, an argument renamed) fails there too.
 */
export const SUPERGRAPH_OPERATIONS = {
  RouteTickets: `query RouteTickets($first: Int!) {
    tickets(first: $first) { id subject routing { category confidence needsReview } }
  }`,
  IncidentDrafts: `query IncidentDrafts($id: ID!) {
    incident(id: $id) {
      title
      postmortems: drafts(feature: POSTMORTEM) { totalCount nodes { id status } }
      statusUpdates: drafts(feature: STATUS_UPDATE) { totalCount nodes { id status } }
    }
  }`,
  IncidentsDrafts: `query IncidentsDrafts {
    incidents { id severity drafts(feature: STATUS_UPDATE) { totalCount nodes { id } } }
  }`,
  IncidentLastDraft: `query IncidentLastDraft($id: ID!) {
    incident(id: $id) { lastDraft { id status feature text incident { id title } } }
  }`,
  GenerationById: `query GenerationById($id: ID!) {
    generation(id: $id) { id status }
  }`,
} as const;
