/**
 * The transport of the subgraph on one port: Apollo Server with its plugins, the HTTP handler and
 * graphql-ws, over services the composition root (src/app/) opened. It knows nothing of how the
 * services are built or closed; the app decides the order of a graceful shutdown.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import type { Config } from '../config.js';
import { buildSchema } from '../graphql/schema.js';
import type { Logger } from '../infra/observability/logger.js';
import type { Services } from '../graphql/services.js';
import type { RequestContext } from '../graphql/context.js';
import { createErrorFormatter } from './errors.js';
import { createExplorer } from './explorer/explorer.js';
import { createHttpHandler } from './http.js';
import { perAccountPersistedQueries } from './persisted-queries.js';
import { inlineTracePlugin } from './plugins/inline-trace.js';
import { landingPagePlugin } from './plugins/landing-page.js';
import { metricsPlugin } from './plugins/metrics.js';
import { OperationGate } from './plugins/operation-gate.js';
import { requestLogPlugin } from './plugins/request-log.js';
import { subscriptionsOverHttpPlugin } from './plugins/subscriptions-over-http.js';
import { traceGraphQLRequests, tracingPlugin } from './plugins/tracing.js';
import { WebSocketOperationSpans } from './plugins/websocket-operation-spans.js';
import { SubscriptionLimits } from './subscription-limits.js';
import { SharedEventResults } from './shared-event-results.js';
import { attachWebSocket } from './websocket.js';

export interface SubgraphServerOptions {
  config: Config;
  logger: Logger;
  services: Services;
  /** OpenTelemetry is on: requests and websocket operations get spans. */
  traced: boolean;
  /** Whether new requests are served (false before listening and while draining: 503). */
  accepting: () => boolean;
  /** Whether the store answers, for /readyz. */
  storeReachable: () => Promise<boolean>;
}

export interface SubgraphServer {
  readonly httpServer: Server;
  /**
   * Stream events executed over graphql-ws (`projected`: of those, built from a text delta without
   * running graphql), and those answered with another subscriber's result.
   */
  readonly streamEvents: {
    readonly executed: number;
    readonly shared: number;
    readonly projected: number;
  };
  listen(port: number, host: string): Promise<{ url: string; port: number }>;
  /** Refuses new connections at once; idle keep-alive sockets close now, busy ones when done. */
  stopAccepting(): void;
  /**
   * Lets in-flight requests and subscriptions finish until `deadline` (epoch ms), then closes
   * websockets (1001), every connection and Apollo Server.
   */
  close(deadline: number): Promise<void>;
}

export async function createSubgraphServer(
  options: SubgraphServerOptions,
): Promise<SubgraphServer> {
  const { config, logger, services, traced } = options;
  const schema = buildSchema(config.supergraph);
  const formatError = createErrorFormatter(logger);
  // Requests per minute and query limits, after validation and before execution, on both transports.
  const operationGate = new OperationGate({
    queryLimits: config.queryLimits,
    accountLimits: services.limits,
  });
  const persistedQueries = perAccountPersistedQueries();
  const apollo = new ApolloServer<RequestContext>({
    schema,
    logger,
    formatError,
    includeStacktraceInErrorResponses: false,
    // main.ts owns the signals, so that shutdown order and the exit code are ours.
    stopOnTerminationSignals: false,
    csrfPrevention: true,
    introspection: config.introspection,
    // Kept per account, so that a hit tells no tenant what another sent.
    persistedQueries: { cache: persistedQueries.cache },
    // Batched HTTP requests stay off (Apollo Server's default): a batch is refused with 400 BAD_REQUEST.
    allowBatchedHttpRequests: false,
    plugins: [
      // The schema declares no cache hints and every answer holds one account's data: the HTTP
      // handler marks each `no-store`. Apollo Server's cache-control plugin arrived at that same
      // header by building a policy for every resolved field (17 % of Apollo's CPU per request
      // for a draft's selection). A schema that starts using `@cacheControl` must bring it back.
      ApolloServerPluginCacheControlDisabled(),
      inlineTracePlugin(),
      landingPagePlugin(config.sandbox),
      persistedQueries.plugin,
      requestLogPlugin(logger),
      metricsPlugin(services.metrics),
      subscriptionsOverHttpPlugin(),
      operationGate.plugin(),
      ...(traced ? [tracingPlugin()] : []),
    ],
  });
  await apollo.start();
  // Slow-loris: headers, then the whole request, must arrive in time (checked every second at most).
  const httpServer = createServer({
    headersTimeout: config.httpTimeouts.headersMs,
    requestTimeout: config.httpTimeouts.requestMs,
    connectionsCheckingInterval: Math.min(1_000, config.httpTimeouts.headersMs),
    keepAliveTimeout: config.httpTimeouts.keepAliveMs,
  });
  const http = createHttpHandler({
    apollo,
    services,
    logger,
    maxBodyBytes: config.maxBodyBytes,
    maxQueryBytes: config.maxQueryBytes,
    gate: operationGate,
    accepting: options.accepting,
    storeReachable: options.storeReachable,
    ...(config.sandbox ? { explorer: createExplorer({ logger }) } : {}),
  });
  httpServer.on('request', traced ? traceGraphQLRequests(http.listener) : http.listener);
  // A generation's events are executed once for all its subscribers with the same selection.
  const sharedEvents = new SharedEventResults();
  const websocket = attachWebSocket({
    httpServer,
    schema,
    services,
    logger,
    formatError,
    execution: operationGate.webSocketExecution(sharedEvents.subscribe),
    maxPayloadBytes: config.maxBodyBytes,
    maxQueryBytes: config.maxQueryBytes,
    countFailure: (accountId) => operationGate.countFailure(accountId),
    subscriptionLimits: new SubscriptionLimits(config.subscriptionLimits),
    ...(traced ? { spans: new WebSocketOperationSpans() } : {}),
  });
  services.metrics.observeState({
    targets: () => services.gateway.status(),
    openSubscriptions: () => websocket.activeOperations,
    openConnections: () => websocket.connections,
    runningGenerations: () => services.runner.activeCount,
  });

  /** Polls until nothing is in flight on either transport, or the deadline passes. */
  async function waitUntilIdle(deadline: number): Promise<void> {
    while ((http.inFlight > 0 || websocket.activeOperations > 0) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
  }

  let closed: Promise<void> | undefined;
  function stopAccepting(): void {
    closed ??= new Promise<void>((resolve) => httpServer.close(() => resolve()));
  }

  return {
    httpServer,
    streamEvents: sharedEvents.counts,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject);
          const address = httpServer.address() as AddressInfo;
          const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve({ url: `http://${shownHost}:${address.port}/graphql`, port: address.port });
        });
      });
    },
    stopAccepting,
    async close(deadline) {
      stopAccepting();
      // Finished generations still owe their subscribers a final event; let it go out.
      await waitUntilIdle(deadline);
      await websocket.dispose();
      httpServer.closeAllConnections();
      await closed;
      await apollo.stop();
    },
  };
}
