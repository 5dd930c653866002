/**
 * What every resolver receives, built the same way for HTTP requests and graphql-ws operations:
 * the caller's account, a request-scoped logger, DataLoaders scoped to the account, the services.
 */
import { randomUUID } from 'node:crypto';
import type { Account } from '../domain.js';
import { createLoaders, type Loaders } from '../graphql/loaders.js';
import type { Logger } from '../observability/logger.js';
import type { Services } from './services.js';

export interface RequestContext {
  requestId: string;
  account: Account;
  logger: Logger;
  loaders: Loaders;
  services: Services;
  /** Aborted when the client goes away (closed socket, completed subscription). */
  signal: AbortSignal;
}

/** Until API keys arrive, every caller acts as the single development account, with every scope. */
export const DEV_ACCOUNT: Account = { id: 'dev', scopes: new Set(['generate', 'route', 'eval', 'admin']) };

export interface ContextSource {
  /** `x-request-id` from a router or load balancer, when it sent one. */
  requestId?: string;
  signal?: AbortSignal;
}

export function buildContext(services: Services, logger: Logger, source: ContextSource): RequestContext {
  const requestId = source.requestId && /^[\w.:-]{1,128}$/.test(source.requestId) ? source.requestId : randomUUID();
  const account = DEV_ACCOUNT;
  const signal = source.signal ?? new AbortController().signal;
  return {
    requestId,
    account,
    logger: logger.child({ requestId, accountId: account.id }),
    loaders: createLoaders(account, { generations: services.store.generations, routing: services.routing }, signal),
    services,
    signal,
  };
}
