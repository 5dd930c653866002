/**
 * A stand-in for the supergraph's incidents subgraph: it owns `Incident` (id, title, severity,
 * timeline) and points at one of ai-subgraph's `Generation` entities by reference only
 * (`lastDraft` returns `{ id }`), which the router resolves through ai-subgraph.
 */
import { parse } from 'graphql';
import {
  DEFAULT_SUPERGRAPH_CONFIG,
  type SupergraphConfig,
} from '../../../src/graphql/supergraph-config.js';
import { serveSubgraph, type RunningSubgraph } from './serve.js';

type IncidentShape = SupergraphConfig['incident'];

/** An incidents subgraph's SDL with the entity named and keyed as SUPERGRAPH_CONFIG describes it. */
export function incidentsTypeDefs(shape: IncidentShape = DEFAULT_SUPERGRAPH_CONFIG.incident) {
  const keyFields = Object.entries(shape.key).map(([field, type]) => `${field}: ${type}`);
  return parse(`#graphql
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])

  type ${shape.type} @key(fields: "${Object.keys(shape.key).join(' ')}") {
    ${keyFields.join('\n    ')}
    title: String!
    severity: Severity!
    timeline: [IncidentTimelineEntry!]!
    "The AI draft most recently attached to the incident, owned by ai-subgraph."
    lastDraft: Generation
  }

  enum Severity {
    SEV1
    SEV2
    SEV3
    SEV4
  }

  type IncidentTimelineEntry {
    at: String!
    message: String!
  }

  # A reference to ai-subgraph's entity: this subgraph knows only its key. (A comment, not a
  # description: a description different from ai-subgraph's is a composition hint.)
  type Generation @key(fields: "id", resolvable: false) {
    id: ID!
  }

  type Query {
    incident(id: ID!): ${shape.type}
    incidents: [${shape.type}!]!
  }
`);
}

export const INCIDENTS_TYPE_DEFS = incidentsTypeDefs();

export interface FixedIncident {
  id: string;
  title: string;
  severity: 'SEV1' | 'SEV2' | 'SEV3' | 'SEV4';
  timeline: { at: string; message: string }[];
}

export const FIXED_INCIDENTS: readonly FixedIncident[] = [
  {
    id: 'INC-1',
    title: 'Checkout errors in eu-west-1',
    severity: 'SEV2',
    timeline: [
      { at: '2026-11-22T09:12:00Z', message: 'Error rate on checkout-api rose above 5%' },
      { at: '2026-11-22T09:25:00Z', message: 'Deploy identified as the cause; rollback started' },
    ],
  },
  {
    id: 'INC-2',
    title: 'Search latency above SLO',
    severity: 'SEV3',
    timeline: [{ at: '2026-11-23T14:02:00Z', message: 'p95 latency of search above 2 s' }],
  },
  { id: 'INC-3', title: 'Expired certificate on the status page', severity: 'SEV4', timeline: [] },
];

export interface IncidentsSubgraph extends RunningSubgraph {
  /** Points an incident's `lastDraft` at a generation id (as the incidents service would store it). */
  attachDraft(incidentId: string, generationId: string): void;
}

/** Serves the incidents; a configured key must be one field, which holds the incident's id. */
export async function startIncidentsSubgraph(
  incidents: readonly FixedIncident[] = FIXED_INCIDENTS,
  shape: IncidentShape = DEFAULT_SUPERGRAPH_CONFIG.incident,
): Promise<IncidentsSubgraph> {
  const [keyField] = Object.keys(shape.key);
  const served = incidents.map((incident) => ({ ...incident, [keyField!]: incident.id }));
  const byId = new Map(served.map((incident) => [incident.id, incident]));
  const lastDraft = new Map<string, string>();
  const running = await serveSubgraph('incidents', incidentsTypeDefs(shape), {
    Query: {
      incident: (_parent: unknown, { id }: { id: string }) => byId.get(id) ?? null,
      incidents: () => served,
    },
    [shape.type]: {
      __resolveReference: (reference: Record<string, string>) =>
        byId.get(reference[keyField!]!) ?? null,
      lastDraft: (incident: FixedIncident) => {
        const id = lastDraft.get(incident.id);
        return id ? { __typename: 'Generation', id } : null;
      },
    },
  });
  return {
    ...running,
    attachDraft: (incidentId, generationId) => void lastDraft.set(incidentId, generationId),
  };
}
