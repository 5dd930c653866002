import type { Resolvers } from '../__generated__/resolvers-types.js';
import { startGeneration } from './start-generation.js';

export const runbookResolvers: Resolvers = {
  Mutation: {
    draftRunbook: (_parent, { input }, context) =>
      startGeneration(context.services.capabilities.runbook, input, context),
  },
};
