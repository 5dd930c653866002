/** Ticket routing: taxonomies, labeled data, training, the cascade, review, and Ticket.routing. */
import { badInput } from '../../errors.js';
import type { RouterModelRecord } from '../../infra/store/routing/router-models.js';
import type { Resolvers } from '../__generated__/resolvers-types.js';

function routerModelFields(model: RouterModelRecord) {
  return {
    trainedOn: model.metrics.trainedOn,
    heldoutAccuracy: Number.isFinite(model.metrics.heldoutAccuracy)
      ? model.metrics.heldoutAccuracy
      : 0,
    expectedCalibrationError: Number.isFinite(model.metrics.expectedCalibrationError)
      ? model.metrics.expectedCalibrationError
      : 0,
    unknownThreshold: model.metrics.threshold,
    trainingMs: Math.round(model.metrics.trainingMs),
  };
}

export const routingResolvers: Resolvers = {
  Query: {
    routeTicket: (_parent, { ticket, taxonomyId }, { loaders }) =>
      loaders.routing.load({ ticket, taxonomyId: taxonomyId ?? null }),
    // A list is a batch already: route it in one call, which also checks its size up front.
    routeTickets: (_parent, { tickets, taxonomyId }, { services, account, signal, requestId }) =>
      services.routing.route(account, tickets, taxonomyId ?? null, signal, { requestId }),
    taxonomies: (_parent, _args, { services, account }) => services.routing.taxonomies(account),
    reviewQueue: (_parent, { taxonomyId, first }, { services, account }) =>
      services.routing.reviewQueue(account, taxonomyId, first ?? 50),
  },
  Mutation: {
    createTaxonomy: (_parent, { input }, { services, account }) =>
      services.routing.createTaxonomy(account, input),
    updateTaxonomy: (_parent, { id, input }, { services, account }) =>
      services.routing.updateTaxonomy(account, id, input),
    setDefaultTaxonomy: (_parent, { id }, { services, account }) =>
      services.routing.setDefault(account, id),
    importLabeledTickets: async (_parent, { taxonomyId, examples }, { services, account }) => {
      const outcome = await services.routing.importLabeled(account, taxonomyId, examples);
      return { ...outcome, taxonomy: await services.routing.taxonomy(account, taxonomyId) };
    },
    trainRouter: async (_parent, { taxonomyId }, { services, account }) =>
      (await services.routing.train(account, taxonomyId)).record,
    reviewRouting: (_parent, { predictionId, category }, { services, account }) =>
      services.routing.review(account, predictionId, category),
  },
  Ticket: {
    // The router hands over subject and body (@requires; the reference is translated from the
    // configured shape in supergraph-config.ts); routing is resolved per ticket but batched.
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
    labeledTickets: async (taxonomy, _args, { services, account }) => {
      const { train, test } = await services.routing.labeledTicketCounts(account, taxonomy.id);
      return train + test;
    },
    model: async (taxonomy, _args, { services, account }) =>
      services.routing.latestModel(account, taxonomy.id),
  },
  RouterModel: {
    trainedOn: (model) => routerModelFields(model).trainedOn,
    heldoutAccuracy: (model) => routerModelFields(model).heldoutAccuracy,
    expectedCalibrationError: (model) => routerModelFields(model).expectedCalibrationError,
    unknownThreshold: (model) => routerModelFields(model).unknownThreshold,
    trainingMs: (model) => routerModelFields(model).trainingMs,
    warnings: (model) => model.metrics.warnings ?? [],
  },
  RoutingPrediction: {
    target: async (prediction, _args, { services, account }) => {
      if (!prediction.category) return null;
      const taxonomy = await services.routing.taxonomy(account, prediction.taxonomyId);
      return (
        taxonomy.categories.find((category) => category.name === prediction.category)?.target ??
        null
      );
    },
  },
};
