import type { Resolvers } from '../__generated__/resolvers-types.js';

export const runbookResolvers: Resolvers = {
  Mutation: {
    generateRunbook: (_parent, { input }, { account, services, requestId }) => {
      const { stream, idempotencyKey, incidentId, ...draftInput } = input;
      return services.runner.start(services.capabilities.runbook, draftInput, {
        account,
        stream: stream ?? false,
        idempotencyKey,
        incidentId,
        requestId,
      });
    },
  },
};
