import type { Resolvers } from '../__generated__/resolvers-types.js';
import { startGeneration } from './start-generation.js';

export const jobDigestResolvers: Resolvers = {
  Mutation: {
    draftJobDigest: (_parent, { input }, context) =>
      startGeneration(context.services.capabilities.jobDigest, input, context),
  },
};
