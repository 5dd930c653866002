import type { Resolvers } from '../__generated__/resolvers-types.js';

export const jobDigestResolvers: Resolvers = {
  Mutation: {
    summarizeJobLog: (_parent, { input }, { account, services, requestId }) => {
      const { stream, idempotencyKey, incidentId, ...digestInput } = input;
      return services.runner.start(services.capabilities.jobDigest, digestInput, {
        account,
        stream: stream ?? false,
        idempotencyKey,
        incidentId,
        requestId,
      });
    },
  },
};
