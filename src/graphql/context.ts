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
 * per open stream). They are getters of a class, not of the object: Apollo Server copies every
 * HTTP request's context with `Object.assign` (its `cloneObject`), which reads an own getter and so
 * built a child logger and every DataLoader on each request; a copy keeps the prototype's getters
 * lazy.
 */
class LazyRequestContext implements RequestContext {
  private requestLogger: Logger | undefined = undefined;
  private requestLoaders: Loaders | undefined = undefined;

  constructor(
    readonly requestId: string,
    readonly account: Account,
    readonly services: Services,
    readonly signal: AbortSignal,
    private readonly baseLogger: Logger,
  ) {}

  get logger(): Logger {
    return (this.requestLogger ??= this.baseLogger.child({
      requestId: this.requestId,
      accountId: this.account.id,
    }));
  }

  get loaders(): Loaders {
    return (this.requestLoaders ??= createLoaders(
      this.account,
      this.services,
      this.signal,
      this.requestId,
    ));
  }
}

export function buildContext(
  services: Services,
  logger: Logger,
  account: Account,
  source: ContextSource,
): RequestContext {
  const requestId =
    source.requestId && /^[\w.:-]{1,128}$/.test(source.requestId) ? source.requestId : randomUUID();
  return new LazyRequestContext(
    requestId,
    account,
    services,
    source.signal ?? new AbortController().signal,
    logger,
  );
}
