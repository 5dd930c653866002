/** Bulk routing: queue a backlog, follow its progress and results, cancel it. */
import type { Resolvers } from '../__generated__/resolvers-types.js';
import { connectionOf } from '../connection.js';
import { decodePosition, encodePosition } from '../cursor.js';

export const routingBacklogResolvers: Resolvers = {
  Query: {
    routingBacklog: (_parent, { id }, { services, account }) => services.backlogs.get(account, id),
  },
  Mutation: {
    routeBacklog: (_parent, { taxonomyId, tickets, backlogId }, { services, account }) =>
      services.backlogs.enqueue(account, taxonomyId, tickets, backlogId),
    cancelRoutingBacklog: (_parent, { id }, { services, account }) =>
      services.backlogs.cancel(account, id),
  },
  RoutingBacklog: {
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
        first ?? 100,
        after ? decodePosition(after) : -1,
      );
      return connectionOf(page, (result) => encodePosition(result.position), { after });
    },
  },
};
