/**
 * The subgraph as one object: HTTP + Apollo Server + graphql-ws on one port, and the services
 * behind them. `stop()` is the graceful shutdown: stop accepting, let running generations and
 * in-flight requests finish up to the grace period, close sockets with 1001, close the store.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ConfigError, type Config } from '../config.js';
import { buildSchema } from '../graphql/schema.js';
import type { Logger } from '../observability/logger.js';
import { startTracing } from '../observability/tracing.js';
import type { RequestContext } from './context.js';
import { createErrorFormatter } from './errors.js';
import { createExplorer } from './explorer/explorer.js';
import { createHttpHandler } from './http.js';
import { PerAccountPersistedQueries } from './persisted-queries.js';
import { landingPagePlugin } from './plugins/landing-page.js';
import { metricsPlugin } from './plugins/metrics.js';
import { OperationGate } from './plugins/query-limits.js';
import { requestLogPlugin } from './plugins/request-log.js';
import { subscriptionsOverHttpPlugin } from './plugins/subscriptions-over-http.js';
import { traceGraphQLRequests, tracingPlugin } from './plugins/tracing.js';
import { WebSocketOperationSpans } from './plugins/websocket-tracing.js';
import { openServices, type Services } from './services.js';
import { SubscriptionLimits } from './subscription-limits.js';
import { SharedEventResults } from './shared-event-results.js';
import { attachWebSocket } from './websocket.js';

export type Lifecycle = 'created' | 'listening' | 'draining' | 'stopped';

export interface App {
  readonly services: Services;
  readonly httpServer: Server;
  readonly state: Lifecycle;
  listen(port: number, host: string): Promise<{ url: string; port: number }>;
  stop(): Promise<void>;
  /** Stream events executed over graphql-ws, and those answered with another subscriber's result. */
  readonly streamEvents: { readonly executed: number; readonly shared: number };
}

export async function createApp(config: Config, logger: Logger): Promise<App> {
  // Before the services, so that their span makers find the tracer provider registered; null when off.
  const tracing = await startTracing(config.tracing, logger);
  const services = await openServices(config, logger);
  if (config.env === 'production' && !(await services.authenticator.hasCredentialsConfigured())) {
    await services.store.close();
    throw new ConfigError(
      'production needs a way to authenticate: create an API key (npm run keys -- create --account <name> --scopes <a,b>) or set JWT_ISSUER, JWT_AUDIENCE and JWT_JWKS_URL',
    );
  }
  const schema = buildSchema(config.supergraph);
  const formatError = createErrorFormatter(logger);
  // Requests per minute and query limits, after validation and before execution, on both transports.
  const operationGate = new OperationGate({
    queryLimits: config.queryLimits,
    accountLimits: services.limits,
  });
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
    persistedQueries: { cache: new PerAccountPersistedQueries() },
    // Batched HTTP requests stay off (Apollo Server's default): a batch is refused with 400 BAD_REQUEST.
    allowBatchedHttpRequests: false,
    plugins: [
      landingPagePlugin(config.sandbox),
      requestLogPlugin(),
      metricsPlugin(services.metrics),
      subscriptionsOverHttpPlugin(),
      operationGate.plugin(),
      ...(tracing ? [tracingPlugin()] : []),
    ],
  });
  await apollo.start();

  let state: Lifecycle = 'created';
  // Slow-loris: headers, then the whole request, must arrive in time (checked every second at most).
  const httpServer = createServer({
    headersTimeout: config.httpTimeouts.headersMs,
    requestTimeout: config.httpTimeouts.requestMs,
    connectionsCheckingInterval: Math.min(1_000, config.httpTimeouts.headersMs),
  });
  const http = createHttpHandler({
    apollo,
    services,
    logger,
    maxBodyBytes: config.maxBodyBytes,
    maxQueryBytes: config.maxQueryBytes,
    gate: operationGate,
    accepting: () => state === 'listening',
    ...(config.sandbox ? { explorer: createExplorer({ logger }) } : {}),
  });
  httpServer.on('request', tracing ? traceGraphQLRequests(http.listener) : http.listener);
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
    ...(tracing ? { spans: new WebSocketOperationSpans() } : {}),
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

  return {
    services,
    httpServer,
    streamEvents: sharedEvents.counts,
    get state() {
      return state;
    },
    listen(port, host) {
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject);
          state = 'listening';
          const address = httpServer.address() as AddressInfo;
          const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve({ url: `http://${shownHost}:${address.port}/graphql`, port: address.port });
        });
      });
    },
    async stop() {
      if (state === 'draining' || state === 'stopped') return;
      const deadline = Date.now() + config.shutdownGraceMs;
      state = 'draining';
      // Stop accepting connections; idle keep-alive sockets close now, busy ones when done.
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      // Evaluation runs stop at once, INTERRUPTED with their finished cases kept, to be resumed.
      await services.evaluation.runs.stop();
      await services.runner.drain(Math.max(0, deadline - Date.now()));
      // Backlog chunks finish within the grace; later ones are redelivered (pg-boss) or resumed at the next start.
      await services.backlogs.stop(Math.max(0, deadline - Date.now()));
      // Heartbeats go on while generations drain; none is left to heartbeat now.
      await services.upkeep.stop();
      // Finished generations still owe their subscribers a final event; let it go out.
      await waitUntilIdle(deadline);
      await websocket.dispose();
      httpServer.closeAllConnections();
      await closed;
      await apollo.stop();
      await services.bus.close();
      await services.limits.close();
      // Audit rows wait a few milliseconds to be written in groups: write the last ones first.
      await services.audit.observer.flush();
      await services.store.close();
      // Last, so the spans of the drained requests are exported too.
      await tracing?.shutdown();
      state = 'stopped';
    },
  };
}
