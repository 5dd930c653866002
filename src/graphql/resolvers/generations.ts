/** Generations: lookup, listing, cancellation, the federated entity, and the token stream. */
import type { GenerationEventView } from '../../services/generation/watch.js';
import { badInput } from '../../errors.js';
import { releasingOnEnd } from '../../security/limits/index.js';
import { isUuid } from '../../infra/store/generations.js';
import type { Resolvers } from '../__generated__/resolvers-types.js';
import { connectionOf, pageSize } from '../connection.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { payloadOf } from '../user-errors.js';

export const generationResolvers: Resolvers = {
  Query: {
    providers: (_parent, _args, { services }) =>
      services.gateway.status().map((status) => ({
        ...status,
        target: `${status.target.provider}:${status.target.model}`,
        provider: status.target.provider,
        model: status.target.model,
        breakerState:
          status.breakerState === 'half-open'
            ? 'HALF_OPEN'
            : status.breakerState === 'open'
              ? 'OPEN'
              : 'CLOSED',
      })),
    generation: (_parent, { id }, { loaders }) => (isUuid(id) ? loaders.generation.load(id) : null),
    generations: async (_parent, { filter, first, after }, { account, services }) => {
      const size = pageSize(first, 20, 100);
      const [page, totalCount] = await Promise.all([
        services.generations.list(account, filter ?? {}, size, after ? decodeCursor(after) : null),
        services.generations.count(account, filter ?? {}),
      ]);
      return { ...connectionOf(page, encodeCursor, { after }), totalCount };
    },
  },
  Mutation: {
    cancelGeneration: (_parent, { input }, { account, services }) =>
      payloadOf(
        async () => ({ generation: await services.runner.cancel(account, input.id) }),
        [],
        // The one id of the input is the one not found.
        { NOT_FOUND: ['input', 'id'] },
      ),
  },
  Subscription: {
    generationStream: {
      subscribe: async (_parent, { id, afterSeq }, { account, services, signal }) => {
        // seq starts at 0: a negative afterSeq is a client bug, not "from the beginning" (omit it).
        if (afterSeq != null && afterSeq < 0)
          throw badInput(
            'afterSeq: the seq of the last event received, 0 or more; omit it to start at the beginning',
          );
        const events = await services.generations.events(account, id, afterSeq, signal);
        // The generation's stream slot (shared with its streamed run), held until the subscription ends.
        return releasingOnEnd(events, await services.limits.acquireStream(account.id, id), signal);
      },
      resolve: (event: GenerationEventView) => event,
    },
  },
  GenerationEvent: {
    __resolveType: (event) =>
      event.kind === 'delta' ? 'GenerationTextDelta' : 'GenerationFinished',
  },
  Generation: {
    // A running generation's text is what its stream published so far; `lastSeq` is read with it.
    text: async (generation, _args, { loaders }) =>
      (await loaders.streamProgress.load(generation)).text,
    lastSeq: async (generation, _args, { loaders }) =>
      (await loaders.streamProgress.load(generation)).lastSeq,
    incident: (generation) => (generation.incidentId ? { id: generation.incidentId } : null),
    __resolveReference: (reference, { loaders }) =>
      isUuid(reference.id) ? loaders.generation.load(reference.id) : null,
    output: (generation, _args, { services }) => {
      const capability = Object.values(services.capabilities).find(
        (candidate) => candidate.feature === generation.feature,
      );
      if (generation.status !== 'SUCCEEDED' || !generation.output || !capability) return null;
      // The stored output is the capability's validated JSON; its typename picks the union member.
      return { __typename: capability.outputTypename, ...(generation.output as object) } as never;
    },
  },
};
