/**
 * Per-request DataLoaders: every id-keyed read of a request is batched into one SQL statement,
 * and scoped to the caller's account so a batch can never mix tenants.
 */
import DataLoader from 'dataloader';
import type { RoutingService } from '../services/ticket-routing/service.js';
import type { Account, Feature } from '../domain.js';
import type {
  GenerationQueries,
  StreamProgress,
} from '../services/generation/generation-queries.js';
import type { GenerationRecord, Page } from '../infra/store/generations.js';
import type { PredictionRecord } from '../infra/store/routing/predictions.js';
import type { RouterModelRecord } from '../infra/store/routing/router-models.js';
import type { TaxonomyRecord } from '../infra/store/routing/taxonomies.js';

/** The most drafts one page of `Incident.drafts` may hold. */
export const MAX_INCIDENT_DRAFTS = 50;

/** One incident's page of drafts, as `Incident.drafts` asks for it. */
export interface IncidentDraftsRequest {
  incidentId: string;
  feature: Feature | null;
  first: number;
  after: { createdAt: Date; id: string } | null;
}

export interface Loaders {
  generation: DataLoader<string, GenerationRecord | null>;
  /**
   * A page of an incident's drafts with their count, newest first; the incidents of a request
   * that ask the same page (feature, first, after) in one query.
   */
  incidentDrafts: DataLoader<
    IncidentDraftsRequest,
    Page<GenerationRecord> & { totalCount: number }
  >;
  /** A generation's text and the seq of its last event, read together (one bus read per generation). */
  streamProgress: DataLoader<GenerationRecord, StreamProgress>;
  /**
   * Routing for any number of tickets asked for anywhere in a request (`routeTicket`, each
   * `Ticket.routing` of an `_entities` call): stored decisions reused, the others in one batch per
   * taxonomy, so one local prediction.
   */
  routing: DataLoader<RoutingRequest, PredictionRecord>;
  /**
   * The account's default taxonomy id (null without one), read once per request however many
   * taxonomies ask `isDefault`. Its one key is the account's id.
   */
  defaultTaxonomyId: DataLoader<string, string | null>;
  /** Taxonomies by id (a page of predictions names a few): one statement per request. */
  taxonomy: DataLoader<string, TaxonomyRecord | null>;
  /** Trained router models by id (the runs of a page of evaluations): one statement per request. */
  routerModel: DataLoader<string, RouterModelRecord | null>;
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
  const taxonomy = new DataLoader((ids: readonly string[]) =>
    services.routing.taxonomiesByIds(account, ids),
  );
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
                // What the predictions' `taxonomy` and `target` then read: no second read.
                { requestId, taxonomyRead: (read) => taxonomy.prime(read.id, read) },
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
    taxonomy,
    routerModel: new DataLoader((ids: readonly string[]) =>
      services.routing.modelsByIds(account, ids),
    ),
    defaultTaxonomyId: new DataLoader(async (keys: readonly string[]) => {
      const id = await services.routing.defaultTaxonomyId(account);
      return keys.map(() => id);
    }),
    incidentDrafts: new DataLoader(
      async (requests: readonly IncidentDraftsRequest[]) => {
        const pageKey = ({ feature, first, after }: IncidentDraftsRequest) =>
          `${feature}|${first}|${after?.createdAt.toISOString()}|${after?.id}`;
        const byPage = new Map<string, IncidentDraftsRequest[]>();
        for (const request of requests)
          byPage.set(pageKey(request), [...(byPage.get(pageKey(request)) ?? []), request]);
        const pages = new Map<
          string,
          Map<string, Page<GenerationRecord> & { totalCount: number }>
        >();
        await Promise.all(
          [...byPage].map(async ([key, group]) => {
            const { feature, first, after } = group[0]!;
            const incidentIds = [...new Set(group.map((request) => request.incidentId))];
            pages.set(
              key,
              await services.generations.draftsByIncidents(
                accountId,
                incidentIds,
                feature,
                first,
                after,
              ),
            );
          }),
        );
        return requests.map(
          (request) =>
            pages.get(pageKey(request))!.get(request.incidentId) ?? {
              items: [],
              hasNextPage: false,
              totalCount: 0,
            },
        );
      },
      {
        cacheKeyFn: (request) =>
          `${request.incidentId}|${request.feature}|${request.first}|${request.after?.createdAt.toISOString()}|${request.after?.id}`,
      },
    ),
    streamProgress: new DataLoader(
      (records: readonly GenerationRecord[]) =>
        Promise.all(records.map((record) => services.generations.progress(record))),
      { cacheKeyFn: (record) => record.id },
    ),
  };
}
