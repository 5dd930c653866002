/**
 * What every resolver receives, built the same way for HTTP requests and graphql-ws operations:
 * the caller's account, a request-scoped logger, DataLoaders scoped to the account, the services.
 */
import { randomUUID } from 'node:crypto';
import type { Account } from '../domain.js';
import { createLoaders, type Loaders } from './loaders.js';
import type { Logger } from '../infra/observability/logger.js';
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

export interface ContextSource {
  /** `x-request-id` from a router or load balancer, when it sent one. */
  requestId?: string;
  signal?: AbortSignal;
}

/**
 * The logger and the DataLoaders are made on first use: a subscription's context lives as long as
 * the subscription, and a generation's stream never loads anything through it (a few KiB saved
 * per open stream).
 */
export function buildContext(
  services: Services,
  logger: Logger,
  account: Account,
  source: ContextSource,
): RequestContext {
  const requestId =
    source.requestId && /^[\w.:-]{1,128}$/.test(source.requestId) ? source.requestId : randomUUID();
  const signal = source.signal ?? new AbortController().signal;
  let requestLogger: Logger | undefined;
  let loaders: Loaders | undefined;
  return {
    requestId,
    account,
    get logger() {
      return (requestLogger ??= logger.child({ requestId, accountId: account.id }));
    },
    get loaders() {
      return (loaders ??= createLoaders(account, services, signal, requestId));
    },
    services,
    signal,
  };
}
