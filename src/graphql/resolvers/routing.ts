/** Ticket routing: taxonomies, labeled data, training, the cascade, review, and Ticket.routing. */
import { badInput, notFound } from '../../errors.js';
import type { Account } from '../../domain.js';
import type { PredictionRecord } from '../../infra/store/routing/predictions.js';
import type { RoutingService } from '../../services/ticket-routing/service.js';
import type { Resolvers } from '../__generated__/resolvers-types.js';
import { pageSize } from '../connection.js';
import { decodeCursor } from '../cursor.js';
import { payloadOf } from '../user-errors.js';
import { lazyConnection, lazyConnectionFields } from './routing-connections.js';

/** A number the store could not measure (too little held-out data) is unknown: null, not 0. */
const measured = (value: number | undefined): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

/** A taxonomy's review queue, oldest first, as a lazy connection. */
function reviewQueueOf(
  routing: RoutingService,
  account: Account,
  taxonomyId: string | null | undefined,
  first: number | null | undefined,
  after: string | null | undefined,
) {
  const size = pageSize(first, 50, 500);
  const cursor = after ? decodeCursor(after) : null;
  // The taxonomy is looked up once, by whichever of page or count runs first.
  let taxonomy: Promise<string> | undefined;
  const taxonomyOf = () =>
    (taxonomy ??= routing.taxonomy(account, taxonomyId).then((found) => found.id));
  return lazyConnection(
    async () => routing.reviewQueue(account, await taxonomyOf(), size, cursor),
    async () => routing.reviewQueueCount(account, await taxonomyOf()),
    after,
  );
}

export const routingResolvers: Resolvers = {
  Query: {
    routeTicket: (_parent, { ticket, taxonomyId }, { loaders }) =>
      loaders.routing.load({ ticket, taxonomyId: taxonomyId ?? null }),
    // A list is a batch already: route it in one call. Each position is its prediction or its
    // own error (graphql-js reports an Error in a list at that position's path).
    routeTickets: async (
      _parent,
      { tickets, taxonomyId },
      { services, account, signal, requestId },
    ) =>
      (await services.routing.routeEach(account, tickets, taxonomyId ?? null, signal, {
        requestId,
      })) as unknown as PredictionRecord[],
    routingPrediction: (_parent, { id }, { services, account }) =>
      services.routing.prediction(account, id),
    routingPredictions: (_parent, { filter, first, after }, { services, account }) => {
      const size = pageSize(first, 50, 500);
      const cursor = after ? decodeCursor(after) : null;
      const where = {
        taxonomyId: filter?.taxonomyId ?? null,
        ticketId: filter?.ticketId ?? null,
        decidedBy: filter?.decidedBy ?? null,
        needsReview: filter?.needsReview ?? null,
        reviewed: filter?.reviewed ?? null,
      };
      return lazyConnection(
        () => services.routing.predictionPage(account, where, size, cursor),
        () => services.routing.predictionCount(account, where),
        after,
      );
    },
    taxonomies: (_parent, { first, after }, { services, account }) => {
      const size = pageSize(first, 20, 100);
      const cursor = after ? decodeCursor(after) : null;
      return lazyConnection(
        () => services.routing.taxonomyPage(account, size, cursor),
        () => services.routing.taxonomyCount(account),
        after,
      );
    },
    reviewQueue: (_parent, { taxonomyId, first, after }, { services, account }) =>
      reviewQueueOf(services.routing, account, taxonomyId, first, after),
  },
  Mutation: {
    createTaxonomy: (_parent, { input }, { services, account, loaders }) =>
      payloadOf(async () => {
        const taxonomy = await services.routing.createTaxonomy(account, input);
        // An account's first taxonomy becomes its default: forget one read earlier in the request.
        loaders.defaultTaxonomyId.clearAll();
        return { taxonomy };
      }, ['input']),
    updateTaxonomy: (_parent, { input: { id, ...definition } }, { services, account }) =>
      payloadOf(
        async () => ({ taxonomy: await services.routing.updateTaxonomy(account, id, definition) }),
        ['input'],
      ),
    setDefaultTaxonomy: (_parent, { input }, { services, account, loaders }) =>
      payloadOf(async () => {
        const { taxonomy, previous } = await services.routing.setDefault(account, input.id);
        loaders.defaultTaxonomyId.clearAll();
        return { taxonomy, previousDefault: previous };
      }, ['input']),
    importLabeledTickets: async (_parent, { input }, { services, account }) => ({
      imported: null,
      duplicates: null,
      rejected: null,
      ...(await payloadOf(async () => {
        const outcome = await services.routing.importLabeled(
          account,
          input.taxonomyId,
          input.examples,
        );
        return {
          ...outcome,
          taxonomy: await services.routing.taxonomy(account, input.taxonomyId),
        };
      }, ['input'])),
    }),
    trainRouter: (_parent, { input }, { services, account }) =>
      payloadOf(async () => {
        const { record } = await services.routing.train(account, input.taxonomyId);
        return {
          model: record,
          taxonomy: await services.routing.taxonomy(account, input.taxonomyId),
        };
      }, ['input']),
    reviewRouting: (_parent, { input }, { services, account }) =>
      payloadOf(async () => {
        const prediction = await services.routing.review(
          account,
          input.predictionId,
          input.category,
        );
        return { prediction, taxonomyId: prediction.taxonomyId };
      }, ['input']),
    rerouteTicket: (_parent, { input }, { services, account, signal, requestId }) =>
      payloadOf(async () => {
        const prediction = await services.routing.reroute(
          account,
          input.ticket,
          input.taxonomyId ?? null,
          signal,
          { requestId },
        );
        return { prediction, ticket: { id: prediction.ticketId } };
      }, ['input']),
  },
  ReviewRoutingPayload: {
    reviewQueue: (payload, { first, after }, { services, account }) =>
      payload.taxonomyId
        ? reviewQueueOf(services.routing, account, payload.taxonomyId, first, after)
        : null,
  },
  Ticket: {
    // The router hands over subject and body (@requires; the reference is translated from the
    // configured shape in supergraph-config.ts). The loader batches every ticket of the request
    // and fails only the tickets that cannot be routed, each on its own path.
    routing: (ticket, { taxonomyId }, { loaders }) => {
      if (typeof ticket.body !== 'string')
        throw badInput(`Ticket ${ticket.id}: the gateway did not provide its body`);
      return loaders.routing.load({
        ticket: { id: ticket.id, subject: ticket.subject ?? null, body: ticket.body },
        taxonomyId: taxonomyId ?? null,
      });
    },
  },
  Taxonomy: {
    isDefault: async (taxonomy, _args, { loaders, account }) =>
      (await loaders.defaultTaxonomyId.load(account.id)) === taxonomy.id,
    labeledTickets: async (taxonomy, _args, { services, account }) => {
      const { train, test } = await services.routing.labeledTicketCounts(account, taxonomy.id);
      return train + test;
    },
    model: async (taxonomy, _args, { services, account }) =>
      services.routing.latestModel(account, taxonomy.id),
    reviewQueue: (taxonomy, { first, after }, { services, account }) =>
      reviewQueueOf(services.routing, account, taxonomy.id, first, after),
  },
  TaxonomyConnection: lazyConnectionFields,
  RoutingPredictionConnection: lazyConnectionFields,
  RouterModel: {
    taxonomy: (model, _args, { loaders }) => loaders.taxonomy.load(model.taxonomyId),
    trainedOn: (model) => model.metrics.trainedOn,
    heldoutAccuracy: (model) => measured(model.metrics.heldoutAccuracy),
    expectedCalibrationError: (model) => measured(model.metrics.expectedCalibrationError),
    unknownThreshold: (model) => model.metrics.threshold,
    trainingMs: (model) => Math.round(model.metrics.trainingMs),
    warnings: (model) => model.metrics.warnings ?? [],
  },
  RoutingPrediction: {
    ticket: (prediction) => ({ id: prediction.ticketId }),
    taxonomy: (prediction, _args, { loaders }) => loaders.taxonomy.load(prediction.taxonomyId),
    // A reviewed prediction goes where the person said.
    target: async (prediction, _args, { loaders }) => {
      const category = prediction.reviewedCategory ?? prediction.category;
      if (!category) return null;
      // Through the request's taxonomy loader, as `taxonomy` is: one read for a page of predictions.
      const taxonomy = await loaders.taxonomy.load(prediction.taxonomyId);
      if (!taxonomy) throw notFound('taxonomy', prediction.taxonomyId);
      return taxonomy.categories.find((candidate) => candidate.name === category)?.target ?? null;
    },
  },
};
