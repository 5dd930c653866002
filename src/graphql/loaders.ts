/**
 * Per-request DataLoaders: every id-keyed read of a request is batched into one SQL statement,
 * and scoped to the caller's account so a batch can never mix tenants.
 */
import DataLoader from 'dataloader';
import type { RoutingService } from '../services/ticket-routing/service.js';
import type { Account, Feature } from '../domain.js';
import type { GenerationQueries } from '../services/generation/generation-queries.js';
import type { GenerationRecord } from '../infra/store/generations.js';
import type { PredictionRecord } from '../infra/store/routing/predictions.js';

/** The drafts an `Incident` shows, and the most of each kind a request may ask for. */
export const INCIDENT_DRAFT_FEATURES = [
  'POSTMORTEM',
  'STATUS_UPDATE',
  'RUNBOOK',
] as const satisfies readonly Feature[];
export const MAX_DRAFTS_PER_FEATURE = 50;

export interface Loaders {
  generation: DataLoader<string, GenerationRecord | null>;
  /** An incident's drafts of every kind, newest first; all incidents of a request in one query. */
  incidentDrafts: DataLoader<string, GenerationRecord[]>;
  /**
   * Routing for any number of tickets asked for anywhere in a request (`routeTicket`, each
   * `Ticket.routing` of an `_entities` call): stored decisions reused, the others in one batch per
   * taxonomy, so one local prediction.
   */
  routing: DataLoader<RoutingRequest, PredictionRecord>;
}

export interface RoutingRequest {
  ticket: {
    id: string;
    subject?: string | null;
    body: string;
    channel?: string | null;
    customerTier?: string | null;
  };
  taxonomyId: string | null;
}

export function createLoaders(
  account: Account,
  services: { generations: GenerationQueries; routing: RoutingService },
  signal: AbortSignal,
  requestId?: string,
): Loaders {
  const accountId = account.id;
  return {
    routing: new DataLoader(
      async (requests: readonly RoutingRequest[]) => {
        const byTaxonomy = new Map<string | null, number[]>();
        requests.forEach((request, index) =>
          byTaxonomy.set(request.taxonomyId, [
            ...(byTaxonomy.get(request.taxonomyId) ?? []),
            index,
          ]),
        );
        const results: (PredictionRecord | Error)[] = new Array(requests.length);
        // Per key: a ticket that cannot be routed fails its own path, not its batch.
        await Promise.all(
          [...byTaxonomy].map(async ([taxonomyId, indexes]) => {
            try {
              const outcomes = await services.routing.routeEach(
                account,
                indexes.map((index) => requests[index]!.ticket),
                taxonomyId,
                signal,
                { requestId },
              );
              indexes.forEach((index, position) => (results[index] = outcomes[position]!));
            } catch (error) {
              for (const index of indexes) results[index] = error as Error;
            }
          }),
        );
        return results;
      },
      // Reads reuse stored decisions, so the same ticket twice in a request is one decision.
      {
        maxBatchSize: 1_000,
        cacheKeyFn: (request) =>
          JSON.stringify([
            request.taxonomyId,
            request.ticket.id,
            request.ticket.subject ?? null,
            request.ticket.body,
          ]),
      },
    ),
    generation: new DataLoader((ids: readonly string[]) =>
      services.generations.byIds(accountId, ids),
    ),
    incidentDrafts: new DataLoader(async (incidentIds: readonly string[]) => {
      const drafts = await services.generations.latestByIncidents(
        accountId,
        incidentIds,
        INCIDENT_DRAFT_FEATURES,
        MAX_DRAFTS_PER_FEATURE,
      );
      return incidentIds.map((incidentId) =>
        drafts.filter((draft) => draft.incidentId === incidentId),
      );
    }),
  };
}
