/**
 * Automatic persisted queries (APQ), kept per account. Apollo Server looks a hash up in one cache
 * shared by every caller, so a hit told one tenant that another had sent that query text (issue
 * #14). Its cache is called with the hash alone, not the request, so Apollo Server is given a
 * cache that holds nothing, and a plugin, which sees the request and its account, keeps the texts:
 * a hash the account registered becomes the request's query text before Apollo Server reads it
 * (which then checks the hash against the text, as for a registration), and a text sent with its
 * hash is kept once its operation has validated and passed every plugin, where Apollo Server
 * would keep it.
 *
 * An AsyncLocalStorage carried the account to the cache until issue 19: on Node 20 it turns on
 * async_hooks' promise hooks for the whole process, a cost paid on every promise of every request
 * and stream event (4 % of the process's busy time at 200 streams, `bench/peer.ts --profile`).
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { InMemoryLRUCache, type KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { RequestContext } from '../graphql/context.js';

/** What Apollo Server's own lookups find: nothing, so that an unknown hash is PERSISTED_QUERY_NOT_FOUND. */
const NOTHING_KEPT: KeyValueCache<string> = {
  get: async () => undefined,
  set: async () => undefined,
  delete: async () => false,
};

export function perAccountPersistedQueries(
  /** Apollo Server's own default: an LRU cache bounded to about 30 MiB of query text. */
  cache: KeyValueCache<string> = new InMemoryLRUCache<string>(),
): { cache: KeyValueCache<string>; plugin: ApolloServerPlugin<RequestContext> } {
  const keyOf = (accountId: string, hash: string) => `${JSON.stringify(accountId)}:${hash}`;
  return {
    cache: NOTHING_KEPT,
    plugin: {
      async requestDidStart({ request, contextValue }) {
        const persisted = request.extensions?.['persistedQuery'] as
          { version?: unknown; sha256Hash?: unknown } | undefined;
        if (persisted?.version !== 1 || typeof persisted.sha256Hash !== 'string') return;
        const key = keyOf(contextValue.account.id, persisted.sha256Hash);
        if (request.query === undefined) {
          request.query = await cache.get(key);
          return;
        }
        const query = request.query;
        return {
          // Reached only when the hash matched the text and the operation validated and was let through.
          async executionDidStart() {
            await cache.set(key, query);
          },
        };
      },
    },
  };
}
