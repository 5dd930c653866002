import type { Resolvers } from '../__generated__/resolvers-types.js';
import { startGeneration } from './start-generation.js';

export const assistantResolvers: Resolvers = {
  Mutation: {
    draftAssistantAnswer: (_parent, { input }, context) =>
      startGeneration(context.services.capabilities.assistant, input, context),
  },
};
