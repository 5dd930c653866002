/** Operators' key management (scope `admin`): keys for any account, shown once, revocable. */
import { badInput, ErrorCode, notFound, ServiceError } from '../../errors.js';
import type { Scope } from '../../security/scopes.js';
import type { ApiKeyScope, Resolvers } from '../__generated__/resolvers-types.js';
import { connectionOf, pageSize } from '../connection.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { payloadOf } from '../user-errors.js';

/** The store keeps scopes as tokens and tokens carry them (`generate`); the schema spells them `GENERATE`. */
const toSchema = (scope: string) => scope.toUpperCase() as ApiKeyScope;
const toScope = (scope: ApiKeyScope) => scope.toLowerCase() as Scope;

export const securityResolvers: Resolvers = {
  Query: {
    apiKeys: async (_parent, { accountId, first, after }, { services }) => {
      const size = pageSize(first, 50, 100);
      const { page, totalCount } = await services.apiKeys.page(
        accountId ?? null,
        size,
        after ? decodeCursor(after) : null,
      );
      return { ...connectionOf(page, encodeCursor, { after }), totalCount };
    },
  },
  Mutation: {
    createApiKey: async (_parent, { input }, { services }) => ({
      key: null,
      apiKey: null,
      ...(await payloadOf(async () => {
        if (input.description && input.description.length > 200)
          throw badInput('description: at most 200 characters');
        const { key, record } = await services.apiKeys.issue({
          ...input,
          scopes: input.scopes.map(toScope),
        });
        return { key, apiKey: record };
      }, ['input'])),
    }),
    revokeApiKey: async (_parent, { input }, { services }) => ({
      apiKey: null,
      ...(await payloadOf(async () => {
        const apiKey = await services.apiKeys.revoke(input.id, null);
        if (!apiKey)
          throw new ServiceError(ErrorCode.NOT_FOUND, notFound('API key', input.id).message, {
            field: ['input', 'id'],
          });
        return { apiKey };
      }, ['input'])),
    }),
  },
  ApiKey: {
    scopes: (key) => key.scopes.map(toSchema),
  },
};
