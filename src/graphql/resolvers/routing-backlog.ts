/** Bulk routing: queue a backlog, follow its progress and results, cancel it. */
import { badInput } from '../../errors.js';
import type { Resolvers } from '../__generated__/resolvers-types.js';

/** Opaque cursors over a backlog's results: base64url of the position. */
const encodePosition = (position: number) =>
  Buffer.from(`position:${position}`).toString('base64url');

function decodePosition(cursor: string): number {
  const match = /^position:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw badInput('after: not a cursor from this API');
  return Number(match[1]);
}

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
      const edges = page.items.map((node) => ({ node, cursor: encodePosition(node.position) }));
      return {
        edges,
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
      };
    },
  },
};
