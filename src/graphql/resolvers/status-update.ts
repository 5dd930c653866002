import type { Resolvers } from '../__generated__/resolvers-types.js';

export const statusUpdateResolvers: Resolvers = {
  Mutation: {
    draftStatusUpdate: (_parent, { input }, { account, services }) => {
      const { stream, idempotencyKey, incidentId, ...draftInput } = input;
      return services.runner.start(services.capabilities.statusUpdate, draftInput, { account, stream: stream ?? false, idempotencyKey, incidentId });
    },
  },
};
