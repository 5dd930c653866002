import type { Resolvers } from '../__generated__/resolvers-types.js';
import { startGeneration } from './start-generation.js';

export const postmortemResolvers: Resolvers = {
  Mutation: {
    draftPostmortem: (_parent, { input }, context) =>
      startGeneration(context.services.capabilities.postmortem, input, context),
  },
};
