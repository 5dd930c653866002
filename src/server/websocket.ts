/**
 * graphql-ws on the same port and path as HTTP. Each operation gets the same context as an HTTP
 * request, plus an AbortSignal fired when the client completes it or the socket closes, so a
 * subscriber that leaves stops its reader at once (an async generator blocked on a wait would
 * otherwise not notice a `return()` until its next event).
 *
 * Memory per client is bounded (issue 14): open subscriptions are capped per socket and per
 * account (see subscription-limits.ts), and a socket whose client stops reading is cut off once
 * its unsent backlog passes `maxBufferedBytes`, which ends its subscriptions and frees what they
 * held. graphql-ws sends a subscription's next event only once the previous one has left the
 * process, so each open subscription holds at most one event in that backlog.
 */
import type { Server } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import type { ExecutionArgs } from 'graphql';
import type { ServerOptions } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocket, WebSocketServer } from 'ws';
import { ServiceError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { Account } from '../domain.js';
import { buildContext } from './context.js';
import { DocumentCache } from './document-cache.js';
import {
  formatGraphQLErrors,
  graphQLErrorOf,
  refusedResult,
  type createErrorFormatter,
} from './errors.js';
import { graphql } from './graphql-runtime.js';
import type { WebSocketOperationSpans } from './plugins/websocket-tracing.js';
import type { Services } from './services.js';
import type { SubscriptionLimits } from './subscription-limits.js';
import { releasingOnEnd } from '../security/limits/index.js';
import type { RequestContext } from './context.js';

export interface WebSocketOptions {
  httpServer: Server;
  schema: GraphQLSchema;
  services: Services;
  logger: Logger;
  formatError: ReturnType<typeof createErrorFormatter>;
  /** `execute` and `subscribe` that may refuse an operation before it runs (rate and query limits). */
  execution?: Required<Pick<ServerOptions, 'execute' | 'subscribe'>>;
  /** Largest accepted message (MAX_BODY_BYTES, as for HTTP bodies); a larger one closes the socket with 1009. */
  maxPayloadBytes?: number;
  /** Largest query text parsed (MAX_QUERY_BYTES); a longer one is refused with QUERY_TOO_COMPLEX. */
  maxQueryBytes?: number;
  /** Counts a document that failed to parse or validate against the rate limit; RATE_LIMITED once over. */
  countFailure?: (accountId: string) => Promise<ServiceError | null>;
  /** A span per operation (OpenTelemetry tracing is on). */
  spans?: WebSocketOperationSpans;
  subscriptionLimits: SubscriptionLimits;
}

/**
 * ws emits 'error' on a server socket only for what it has already closed the socket over: a
 * message over `maxPayload` (1009), a frame breaking the protocol, a failed write. graphql-ws
 * prints such errors with their stack to stderr, outside the JSON log; they are logged here as one
 * JSON line instead, and not passed on.
 */
function socketLoggingErrors(logger: Logger): typeof WebSocket {
  return class extends WebSocket {
    override emit(event: string | symbol, ...args: unknown[]): boolean {
      if (event !== 'error') return super.emit(event, ...args);
      const error = args[0] as Error & { code?: string };
      logger.warn({ code: error.code, reason: error.message }, 'websocket closed: protocol error');
      return true;
    }
  };
}

/** How often every socket's unsent backlog is looked at, besides before each event it is sent. */
const BACKLOG_CHECK_MS = 1000;

export function attachWebSocket(options: WebSocketOptions) {
  const sockets = new WebSocketServer({
    server: options.httpServer,
    path: '/graphql',
    WebSocket: socketLoggingErrors(options.logger),
    ...(options.maxPayloadBytes ? { maxPayload: options.maxPayloadBytes } : {}),
  });
  const operations = new Map<object, Map<string, AbortController>>();
  const stop = (ctx: object, id?: string) => {
    const controllers = operations.get(ctx);
    if (!controllers) return;
    for (const [operationId, controller] of controllers) {
      if (id !== undefined && id !== operationId) continue;
      controller.abort();
      controllers.delete(operationId);
    }
    if (controllers.size === 0) operations.delete(ctx);
  };

  const limits = options.subscriptionLimits;
  /** The socket each operation's context belongs to, for the per-socket cap. */
  const socketOf = new WeakMap<object, WebSocket>();
  const cutOffIfBacklogged = (socket: WebSocket) => {
    if (
      socket.readyState !== socket.OPEN ||
      socket.bufferedAmount <= limits.settings.maxBufferedBytes
    )
      return;
    options.logger.warn(
      { bufferedBytes: socket.bufferedAmount },
      'closed a websocket whose client stopped reading',
    );
    // Not close(): its close frame would queue behind the backlog the client is not reading.
    socket.terminate();
  };
  const backlogCheck = setInterval(() => {
    for (const socket of sockets.clients) cutOffIfBacklogged(socket);
  }, BACKLOG_CHECK_MS);
  backlogCheck.unref();

  const execution =
    options.spans && options.execution ? options.spans.wrap(options.execution) : options.execution;
  const subscribe = execution?.subscribe ?? graphql.subscribe;
  /** Takes the subscription's places under the caps, held until it ends however it ends. */
  const limitedSubscribe = async (args: ExecutionArgs) => {
    const contextValue = args.contextValue as RequestContext;
    let release: () => void;
    try {
      release = limits.take(socketOf.get(contextValue)!, contextValue.account.id);
    } catch (error) {
      if (!ServiceError.isInstance(error)) throw error;
      return refusedResult(error);
    }
    const result = await subscribe(args);
    if (!(Symbol.asyncIterator in result)) {
      release();
      return result;
    }
    return releasingOnEnd(result, release, contextValue.signal);
  };

  const documents = new DocumentCache(options.schema, options.maxQueryBytes);
  const server = useServer<Record<string, unknown>, { account: Account }>(
    {
      schema: options.schema,
      // Subscribers send the same few documents over and over: parsed and validated once each.
      // A document that fails is answered with its errors, and counted against the rate limit.
      onSubscribe: async (ctx, _id, payload) => {
        const prepared = documents.prepare(payload.query);
        if (!prepared.errors)
          return {
            schema: options.schema,
            document: prepared.document,
            operationName: payload.operationName,
            variableValues: payload.variables,
          };
        const overLimit = await options.countFailure?.(ctx.extra.account!.id);
        return overLimit ? [graphQLErrorOf(overLimit)] : [...prepared.errors];
      },
      ...execution,
      subscribe: limitedSubscribe as ServerOptions['subscribe'],
      // Credentials come in connection_init (`{ authorization: "Bearer …" }`), or in the upgrade
      // request's headers; a refusal closes the socket with 4403 before any operation runs.
      onConnect: async (ctx) => {
        const fromParams = ctx.connectionParams?.authorization;
        const authorization =
          typeof fromParams === 'string' ? fromParams : ctx.extra.request.headers.authorization;
        try {
          ctx.extra.account = await options.services.authenticator.authenticate({
            authorization,
            remoteAddress: ctx.extra.request.socket.remoteAddress,
          });
          return true;
        } catch {
          return false;
        }
      },
      context: (ctx, id, _payload, args) => {
        const controller = new AbortController();
        const controllers = operations.get(ctx) ?? new Map<string, AbortController>();
        controllers.set(id, controller);
        operations.set(ctx, controllers);
        const header = ctx.extra.request.headers['x-request-id'];
        const contextValue = buildContext(options.services, options.logger, ctx.extra.account!, {
          requestId: typeof header === 'string' ? header : undefined,
          signal: controller.signal,
        });
        socketOf.set(contextValue, ctx.extra.socket);
        options.spans?.start(contextValue, args);
        return contextValue;
      },
      onComplete: (ctx, id) => stop(ctx, id),
      onClose: (ctx) => stop(ctx),
      // Validation failures arrive as plain GraphQLErrors (no code, no cause): Apollo Server's code for them, not INTERNAL_SERVER_ERROR.
      onError: (_ctx, _id, _payload, errors) =>
        errors.map((error) =>
          error.extensions.code === undefined && !error.originalError
            ? { ...error.toJSON(), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }
            : formatGraphQLErrors(options.formatError, [error])[0]!,
        ),
      onNext: (ctx, _id, _payload, args, result) => {
        cutOffIfBacklogged(ctx.extra.socket);
        if (!result.errors) return undefined;
        const errors = formatGraphQLErrors(options.formatError, result.errors);
        options.spans?.failed(args.contextValue, errors);
        return { ...result, errors };
      },
    },
    sockets,
  );

  return {
    /** Open graphql-ws connections. */
    get connections() {
      return sockets.clients.size;
    },
    /** Operations (subscriptions) still running on any connection. */
    get activeOperations() {
      let count = 0;
      for (const controllers of operations.values()) count += controllers.size;
      return count;
    },
    /** Closes every socket with 1001 (going away) and stops accepting upgrades. */
    dispose: () => {
      clearInterval(backlogCheck);
      return server.dispose();
    },
  };
}
