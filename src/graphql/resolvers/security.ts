/** Operators' key management (scope `admin`): keys for any account, shown once, revocable. */
import { notFound, badInput } from '../../errors.js';
import type { Resolvers } from '../__generated__/resolvers-types.js';

export const securityResolvers: Resolvers = {
  Query: {
    apiKeys: (_parent, { accountId }, { services }) => services.apiKeys.list(accountId ?? null),
  },
  Mutation: {
    createApiKey: async (_parent, { input }, { services }) => {
      if (input.description && input.description.length > 200)
        throw badInput('description: at most 200 characters');
      const { key, record } = await services.apiKeys.issue(input);
      return { key, apiKey: record };
    },
    revokeApiKey: async (_parent, { id }, { services }) =>
      (await services.apiKeys.revoke(id, null)) ?? Promise.reject(notFound('API key', id)),
  },
};
