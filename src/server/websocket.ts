/**
 * graphql-ws on the same port and path as HTTP. Each operation gets the same context as an HTTP
 * request, plus an AbortSignal fired when the client completes it or the socket closes, so a
 * subscriber that leaves stops its reader at once (an async generator blocked on a wait would
 * otherwise not notice a `return()` until its next event).
 *
 * Refused credentials are answered in-band, per operation: the connection is acknowledged and every
 * operation on it gets one result whose error carries `extensions.code` UNAUTHENTICATED, then
 * completes. Closing the socket at connect time (4403) would be simpler, but graphql-ws clients —
 * Hive Gateway's link to this subgraph among them — retry a 4403 for about 40 s and then report a
 * bare close event with no code; a result with an error reaches the end client, through a gateway
 * too, as the GraphQL error it is. Credentials that stop being valid while the socket is open (a
 * revoked key, an expired token) end its running subscriptions the same way. A refused socket is
 * then closed after REFUSED_SOCKET_GRACE_MS with 4401, which graphql-ws clients treat as final, so
 * sockets without valid credentials are not held open.
 *
 * Memory per client is bounded (issue 14): open subscriptions are capped per socket and per
 * account (see subscription-limits.ts), and a socket whose client stops reading is cut off once
 * its unsent backlog passes `maxBufferedBytes`, which ends its subscriptions and frees what they
 * held. graphql-ws sends a subscription's next event only once the previous one is sent: queued
 * while the socket's backlog is under SENT_AT_ONCE_BYTES, past it once it has left the process,
 * so beyond that small backlog each open subscription holds at most one event.
 */
import { setMaxListeners } from 'node:events';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExecutionArgs, ExecutionResult, GraphQLSchema } from 'graphql';
import { CloseCode, type Context, type ServerOptions } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { decodeJwt } from 'jose';
import { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../infra/observability/logger.js';
import { corkForThisTurn, uncorkNow } from './coalesced-writes.js';
import type { Account } from '../domain.js';
import { ErrorCode, ServiceError } from '../errors.js';
import { keyPrefixOf } from '../security/api-keys.js';
import { bearerCredential } from '../security/authenticate.js';
import { releasingOnEnd } from '../security/limits/index.js';
import { buildContext, type RequestContext } from '../graphql/context.js';
import { DocumentCache } from './document-cache.js';
import {
  formatGraphQLErrors,
  graphQLErrorOf,
  refusedResult,
  type createErrorFormatter,
} from './errors.js';
import { graphql } from './graphql-runtime.js';
import type { WebSocketOperationSpans } from './plugins/websocket-operation-spans.js';
import type { Services } from '../graphql/services.js';
import type { SubscriptionLimits } from './subscription-limits.js';

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
 * The server's sockets: ws emits 'error' on a server socket only for what it has already closed the
 * socket over: a message over `maxPayload` (1009), a frame breaking the protocol, a failed write.
 * graphql-ws prints such errors with their stack to stderr, outside the JSON log; they are logged
 * here as one JSON line instead, and not passed on. The messages of one event-loop turn leave in
 * one write (coalesced-writes.ts).
 */
function serverSocket(logger: Logger): typeof WebSocket {
  return class extends WebSocket {
    override emit(event: string | symbol, ...args: unknown[]): boolean {
      if (event !== 'error') return super.emit(event, ...args);
      const error = args[0] as Error & { code?: string };
      logger.warn({ code: error.code, reason: error.message }, 'websocket closed: protocol error');
      return true;
    }

    override send(data: unknown, ...rest: unknown[]): void {
      // ws's own handle on the TCP socket: public in practice (adapters read it), untyped.
      corkForThisTurn((this as unknown as { _socket?: Duplex })._socket);
      const send = super.send as (...args: unknown[]) => void;
      const sent = rest.at(-1);
      // graphql-ws sends a subscription's next message once the previous one's callback ran. Called
      // when the write left the process, that is after the turn's uncork, it held every message that
      // follows another at once (a final event's `complete`, a replay's next delta) for a whole turn
      // of the event loop, which a busy loop makes long: the end of a streamed call waited for it.
      // Under a small backlog the message is as good as sent; past it, pacing by the write resumes.
      if (
        typeof sent === 'function' &&
        this.readyState === this.OPEN &&
        this.bufferedAmount < SENT_AT_ONCE_BYTES
      ) {
        send.call(this, data, ...rest.slice(0, -1));
        process.nextTick(sent as () => void);
        return;
      }
      send.call(this, data, ...rest);
    }
  };
}

/**
 * A socket's unsent backlog under which a message counts as sent once it is queued (see
 * `serverSocket`): above it each subscription waits for its previous message to leave the process.
 */
const SENT_AT_ONCE_BYTES = 16 * 1024;

/** How often every socket's unsent backlog is looked at, besides before each event it is sent. */
const BACKLOG_CHECK_MS = 1000;

/** How long a socket whose credentials were refused stays open to receive its operations' errors. */
export const REFUSED_SOCKET_GRACE_MS = 2_000;

/** What one connection holds beside its socket: who it is, or why it is refused. */
interface Connection {
  socket: WebSocket;
  account?: Account;
  refusal?: ServiceError;
  /** Fired when the credentials stop being valid: running subscriptions end with `refusal`. */
  ended: AbortController;
  /** Stops the revocation watch and the expiry timer. */
  release?: () => void;
}

/** The context of an operation on a refused connection: execution answers it with the refusal. */
interface Refused {
  refusal: ServiceError;
}

const isRefused = (contextValue: unknown): contextValue is Refused =>
  typeof contextValue === 'object' && contextValue !== null && 'refusal' in contextValue;

/** The longest delay setTimeout accepts (about 24.8 days); a later expiry is re-armed on reconnect. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A subscription's results until the connection's credentials end, then one result carrying the
 * refusal, then completion.
 *
 * Not an async generator, on purpose: graphql-ws awaits `return()` of every subscription of a
 * socket before it reports the socket closed (and so before `onClose` stops the operations'
 * readers), and an async generator's `return()` waits for its pending `next()`, that is for the
 * next event, which may be seconds away (a draft holding back a paragraph that may hold a link).
 * Here `return()` stops the reader at once (`stopReader`, the operation's AbortSignal) and then
 * ends the source, so a subscriber that leaves is gone at once and its generation can be abandoned.
 */
function untilCredentialsEnd(
  source: AsyncGenerator<ExecutionResult> | AsyncIterable<ExecutionResult>,
  connection: Connection,
  stopReader: () => void,
): AsyncGenerator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  // The pending `next()`'s resolver, so that the credentials' end answers it at once. Not a
  // Promise.race with an "ended" promise: every race left a reaction on that promise, which does
  // not settle while the credentials hold, so a stream piled up one per event until it ended.
  let interrupt: ((value: 'ended') => void) | undefined;
  // Removed when the subscription finishes: a connection carries subscription after subscription,
  // and each one's listener would otherwise stay on the connection's signal until the socket closes.
  const onEnded = () => interrupt?.('ended');
  connection.ended.signal.addEventListener('abort', onEnded, { once: true });
  let finished = false;
  const done: IteratorReturnResult<undefined> = { done: true, value: undefined };
  const finish = async (): Promise<IteratorReturnResult<undefined>> => {
    if (finished) return done;
    finished = true;
    connection.ended.signal.removeEventListener('abort', onEnded);
    stopReader();
    await iterator.return?.();
    return done;
  };
  const results: AsyncGenerator<ExecutionResult> = {
    async next() {
      if (finished) return done;
      const next = connection.ended.signal.aborted
        ? 'ended'
        : await new Promise<IteratorResult<ExecutionResult> | 'ended'>((resolve, reject) => {
            interrupt = resolve;
            iterator.next().then(resolve, reject);
          });
      interrupt = undefined;
      if (next === 'ended') {
        const refusal = refusedResult(connection.refusal!);
        await finish();
        return { done: false, value: refusal };
      }
      if (next.done) {
        finished = true;
        connection.ended.signal.removeEventListener('abort', onEnded);
      }
      return next;
    },
    return: finish,
    async throw(error: unknown) {
      await finish();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return results;
    },
  };
  return results;
}

export function attachWebSocket(options: WebSocketOptions) {
  const sockets = new WebSocketServer({
    server: options.httpServer,
    path: '/graphql',
    WebSocket: serverSocket(options.logger),
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

  const connections = new Map<object, Connection>();
  type SocketContext = Context<Record<string, unknown>, { socket: WebSocket }>;
  const connectionOf = (ctx: SocketContext) => {
    let connection = connections.get(ctx);
    if (!connection) {
      connection = { socket: ctx.extra.socket, ended: new AbortController() };
      // Each open subscription listens on it (untilCredentialsEnd) and stops when it ends: as many
      // as the socket may hold is no leak, one more is (Node's default warns past 10).
      setMaxListeners(options.subscriptionLimits.settings.perSocket, connection.ended.signal);
      connections.set(ctx, connection);
    }
    return connection;
  };
  /** Refuses the connection from now on: its running subscriptions end, the socket closes soon. */
  const refuse = (connection: Connection, refusal: ServiceError) => {
    connection.refusal = refusal;
    connection.release?.();
    connection.ended.abort();
    setTimeout(() => {
      connection.socket.close(CloseCode.Unauthorized, 'Unauthorized');
    }, REFUSED_SOCKET_GRACE_MS).unref();
  };
  /** Ends the connection when its API key is revoked or expires, or when its JWT expires. */
  const watchCredentials = (connection: Connection, credential: string) => {
    const prefix = keyPrefixOf(credential);
    if (prefix) {
      connection.release = options.services.keyRevocations.watch(prefix, () =>
        refuse(
          connection,
          new ServiceError(ErrorCode.UNAUTHENTICATED, 'this API key was revoked or has expired'),
        ),
      );
      return;
    }
    let expiresAt: number | undefined;
    try {
      expiresAt = decodeJwt(credential).exp;
    } catch {
      return; // Not a JWT: the development account, which nothing revokes.
    }
    if (expiresAt === undefined) return;
    const timer = setTimeout(
      () =>
        refuse(connection, new ServiceError(ErrorCode.UNAUTHENTICATED, 'this token has expired')),
      Math.min(Math.max(expiresAt * 1000 - Date.now(), 0), MAX_TIMER_MS),
    ).unref();
    connection.release = () => clearTimeout(timer);
  };
  /** Operations on a refused connection get the refusal; subscriptions also end when it comes later. */
  const guard = (
    execution: Required<Pick<ServerOptions, 'execute' | 'subscribe'>>,
  ): Required<Pick<ServerOptions, 'execute' | 'subscribe'>> => ({
    execute: (args) =>
      isRefused(args.contextValue)
        ? refusedResult(args.contextValue.refusal)
        : execution.execute(args),
    subscribe: async (args) => {
      if (isRefused(args.contextValue)) return refusedResult(args.contextValue.refusal);
      const result = await execution.subscribe(args);
      const connection = operationConnections.get(args.contextValue as object);
      return connection && Symbol.asyncIterator in result
        ? untilCredentialsEnd(result, connection, () =>
            readerOf.get(args.contextValue as object)?.abort(),
          )
        : result;
    },
  });
  /** The controller of each operation's AbortSignal, to stop its reader when it is returned. */
  const readerOf = new WeakMap<object, AbortController>();
  /** Which connection each operation's context belongs to, for `guard`. */
  const operationConnections = new WeakMap<object, Connection>();

  const limits = options.subscriptionLimits;
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
    uncorkNow((socket as unknown as { _socket?: Duplex })._socket);
    socket.terminate();
  };
  const backlogCheck = setInterval(() => {
    for (const socket of sockets.clients) cutOffIfBacklogged(socket);
  }, BACKLOG_CHECK_MS);
  backlogCheck.unref();

  const plain = {
    execute: (args: ExecutionArgs) => graphql.execute(args),
    subscribe: (args: ExecutionArgs) => graphql.subscribe(args),
  };
  const traced = options.spans
    ? options.spans.wrap(options.execution ?? plain)
    : (options.execution ?? plain);
  /** Takes the subscription's places under the caps, held until it ends however it ends. */
  const limitedSubscribe = async (args: ExecutionArgs) => {
    const contextValue = args.contextValue as RequestContext;
    let release: () => void;
    try {
      release = limits.take(
        operationConnections.get(contextValue)!.socket,
        contextValue.account.id,
      );
    } catch (error) {
      if (!ServiceError.isInstance(error)) throw error;
      return refusedResult(error);
    }
    const result = await traced.subscribe(args);
    if (!(Symbol.asyncIterator in result)) {
      release();
      return result;
    }
    return releasingOnEnd(result, release, contextValue.signal);
  };

  const documents = new DocumentCache(options.schema, options.maxQueryBytes);
  const server = useServer<Record<string, unknown>, { socket: WebSocket }>(
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
        const account = connectionOf(ctx).account;
        const overLimit = account ? await options.countFailure?.(account.id) : null;
        return overLimit ? [graphQLErrorOf(overLimit)] : [...prepared.errors];
      },
      ...guard({
        execute: traced.execute,
        subscribe: limitedSubscribe as NonNullable<ServerOptions['subscribe']>,
      }),
      // Credentials come in connection_init (`{ authorization: "Bearer …" }`), or in the upgrade
      // request's headers. Refused ones are acknowledged and answered per operation (see above).
      onConnect: async (ctx) => {
        const fromParams = ctx.connectionParams?.authorization;
        const authorization =
          typeof fromParams === 'string' ? fromParams : ctx.extra.request.headers.authorization;
        const connection = connectionOf(ctx);
        try {
          connection.account = await options.services.authenticator.authenticate({
            authorization,
            remoteAddress: ctx.extra.request.socket.remoteAddress,
          });
        } catch (error) {
          // A store that cannot be reached says nothing about the credentials: 4403, which clients retry.
          if (!ServiceError.isInstance(error) || error.code !== ErrorCode.UNAUTHENTICATED)
            return false;
          refuse(connection, error);
          return true;
        }
        const credential = bearerCredential(authorization);
        if (credential) watchCredentials(connection, credential);
        return true;
      },
      context: (ctx, id, _payload, args) => {
        const connection = connectionOf(ctx);
        if (connection.refusal) return { refusal: connection.refusal } satisfies Refused;
        const controller = new AbortController();
        const controllers = operations.get(ctx) ?? new Map<string, AbortController>();
        controllers.set(id, controller);
        operations.set(ctx, controllers);
        const header = ctx.extra.request.headers['x-request-id'];
        const contextValue = buildContext(options.services, options.logger, connection.account!, {
          requestId: typeof header === 'string' ? header : undefined,
          signal: controller.signal,
        });
        operationConnections.set(contextValue, connection);
        readerOf.set(contextValue, controller);
        options.spans?.start(contextValue, args);
        return contextValue;
      },
      onComplete: (ctx, id) => stop(ctx, id),
      onClose: (ctx) => {
        stop(ctx);
        connections.get(ctx)?.release?.();
        connections.delete(ctx);
      },
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
