/** Bulk routing: queue a backlog, follow its progress and results, cancel it. */
import type { Resolvers } from '../__generated__/resolvers-types.js';
import { connectionOf, pageSize } from '../connection.js';
import { decodePosition, encodePosition } from '../cursor.js';
import { payloadOf } from '../user-errors.js';

export const routingBacklogResolvers: Resolvers = {
  Query: {
    routingBacklog: (_parent, { id }, { services, account }) => services.backlogs.get(account, id),
  },
  Mutation: {
    routeBacklog: (_parent, { input }, { services, account }) =>
      payloadOf(
        async () => ({
          backlog: await services.backlogs.enqueue(
            account,
            input.taxonomyId,
            input.tickets,
            input.backlogId,
          ),
        }),
        ['input'],
      ),
    cancelRoutingBacklog: (_parent, { input }, { services, account }) =>
      payloadOf(
        async () => ({ backlog: await services.backlogs.cancel(account, input.id) }),
        ['input'],
      ),
  },
  RoutingBacklog: {
    taxonomy: (backlog, _args, { loaders }) => loaders.taxonomy.load(backlog.taxonomyId),
    progress: (backlog) => ({
      total: backlog.total,
      routed: backlog.routed,
      failed: backlog.failed,
      needsReview: backlog.needsReview,
      pending: backlog.total - backlog.routed - backlog.failed,
    }),
    workers: async (backlog, _args, { services, account }) =>
      (await services.backlogs.workers(account, backlog)).map((worker) => ({
        id: worker.workerId,
        chunks: worker.chunks,
      })),
    results: async (backlog, { first, after }, { services, account }) => {
      const page = await services.backlogs.results(
        account,
        backlog,
        pageSize(first, 100, 500),
        after ? decodePosition(after) : -1,
      );
      return {
        ...connectionOf(page, (result) => encodePosition(result.position), { after }),
        // Every ticket of a finished chunk has a result row, routed or failed.
        totalCount: backlog.routed + backlog.failed,
      };
    },
  },
  RoutingBacklogResult: {
    ticket: (result) => ({ id: result.ticketId }),
  },
};
