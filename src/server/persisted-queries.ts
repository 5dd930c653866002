/**
 * Automatic persisted queries (APQ), kept per account. Apollo Server looks a hash up in one cache
 * shared by every caller, so a hit told one tenant that another had sent that query text (issue
 * #14). Its cache is called with the hash alone, not the request: the account comes from the
 * request's async context, which the HTTP handler sets around each request it hands to Apollo
 * Server. Outside such a context (nothing calls it there today) the cache holds nothing.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  InMemoryLRUCache,
  type KeyValueCache,
  type KeyValueCacheSetOptions,
} from '@apollo/utils.keyvaluecache';

const accountOfRequest = new AsyncLocalStorage<string>();

/** Runs `work` (one HTTP request through Apollo Server) as the account's. */
export function asAccount<T>(accountId: string, work: () => T): T {
  return accountOfRequest.run(accountId, work);
}

export class PerAccountPersistedQueries implements KeyValueCache<string> {
  /** Apollo Server's own default: an LRU cache bounded to about 30 MiB of query text. */
  constructor(private readonly cache: KeyValueCache<string> = new InMemoryLRUCache<string>()) {}

  private keyOf(hash: string): string | undefined {
    const accountId = accountOfRequest.getStore();
    return accountId === undefined ? undefined : `${JSON.stringify(accountId)}:${hash}`;
  }

  async get(hash: string): Promise<string | undefined> {
    const key = this.keyOf(hash);
    return key === undefined ? undefined : this.cache.get(key);
  }

  async set(hash: string, query: string, options?: KeyValueCacheSetOptions): Promise<void> {
    const key = this.keyOf(hash);
    if (key !== undefined) await this.cache.set(key, query, options);
  }

  async delete(hash: string): Promise<boolean | void> {
    const key = this.keyOf(hash);
    if (key !== undefined) return this.cache.delete(key);
  }
}
