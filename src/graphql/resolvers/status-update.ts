import type { Resolvers } from '../__generated__/resolvers-types.js';
import { startGeneration } from './start-generation.js';

export const statusUpdateResolvers: Resolvers = {
  Mutation: {
    draftStatusUpdate: (_parent, { input }, context) =>
      startGeneration(context.services.capabilities.statusUpdate, input, context),
  },
};
