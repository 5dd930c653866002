/**
 * The subgraph as one object: the services (services.ts) behind the transport on one port
 * (server/subgraph-server.ts). `stop()` is the graceful shutdown, in the one order that loses
 * nothing: stop accepting, let running work and in-flight requests finish up to the grace period,
 * close sockets with 1001, then close the services and, last, tracing.
 */
import type { Server } from 'node:http';
import { ConfigError, type Config } from '../config.js';
import type { Logger } from '../infra/observability/logger.js';
import { startTracing } from '../infra/observability/tracing.js';
import { createSubgraphServer } from '../server/subgraph-server.js';
import type { Services } from '../graphql/services.js';
import type { Store } from '../infra/store/index.js';
import { closeServices, drainServices, openServices } from './services.js';

export type Lifecycle = 'created' | 'listening' | 'draining' | 'stopped';

export interface App {
  readonly services: Services;
  /** The store behind the services: for main.ts's start-up summary and for tests, never for resolvers. */
  readonly store: Store;
  readonly httpServer: Server;
  readonly state: Lifecycle;
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
  stop(): Promise<void>;
}

export async function createApp(config: Config, logger: Logger): Promise<App> {
  // Before the services, so that their span makers find the tracer provider registered; null when off.
  const tracing = await startTracing(config.tracing, logger);
  const opened = await openServices(config, logger);
  const { services, store } = opened;
  if (config.env === 'production' && !(await services.authenticator.hasCredentialsConfigured())) {
    await store.close();
    throw new ConfigError(
      'production needs a way to authenticate: create an API key (npm run keys -- create --account <name> --scopes <a,b>) or set JWT_ISSUER, JWT_AUDIENCE and JWT_JWKS_URL',
    );
  }
  let state: Lifecycle = 'created';
  const transport = await createSubgraphServer({
    config,
    logger,
    services,
    traced: tracing !== null,
    accepting: () => state === 'listening',
    storeReachable: () => store.ping(),
  });

  return {
    services,
    store,
    httpServer: transport.httpServer,
    streamEvents: transport.streamEvents,
    get state() {
      return state;
    },
    async listen(port, host) {
      const address = await transport.listen(port, host);
      state = 'listening';
      return address;
    },
    async stop() {
      if (state === 'draining' || state === 'stopped') return;
      const deadline = Date.now() + config.shutdownGraceMs;
      state = 'draining';
      transport.stopAccepting();
      await drainServices(services, deadline);
      await transport.close(deadline);
      await closeServices(opened);
      // Last, so the spans of the drained requests are exported too.
      await tracing?.shutdown();
      state = 'stopped';
    },
  };
}
