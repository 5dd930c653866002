/**
 * @apollo/gateway behind Apollo Server, serving a composed supergraph, with every fetch it sends to
 * a subgraph counted (and `_entities` calls with their representations).
 * (The gateway cannot load @requiresScopes; see gateway-sdl.ts.)
 */
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';

/** One fetch the gateway sent to a subgraph, as the gateway saw it. */
export interface Fetch {
  subgraph: string;
  entities: boolean;
  representations: number;
  /** Whether the subgraph answered with an inline trace (`extensions.ftv1`). */
  ftv1: boolean;
}

class CountingDataSource extends RemoteGraphQLDataSource {
  constructor(
    private readonly subgraph: string,
    private readonly fetches: Fetch[],
    url: string,
  ) {
    super({ url });
  }

  override didReceiveResponse({
    request,
    response,
  }: Parameters<NonNullable<RemoteGraphQLDataSource['didReceiveResponse']>>[0]) {
    const representations = request.variables?.representations;
    this.fetches.push({
      subgraph: this.subgraph,
      entities: request.query?.includes('_entities') ?? false,
      representations: Array.isArray(representations) ? representations.length : 0,
      ftv1: typeof response.extensions?.ftv1 === 'string' && response.extensions.ftv1.length > 0,
    });
    return response;
  }
}

export interface Gateway {
  url: string;
  fetches: Fetch[];
  /** Trace nodes of the last request's query plan, when trace capture was on. */
  lastPlanFetches: { serviceName: string; hasTrace: boolean; traceParsingFailed: boolean }[];
  captureTraces: boolean;
  gatewayErrors: string[];
  query<T>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<{ data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] }>;
  stop(): Promise<void>;
}

/** Every `fetch` node (with its subgraph name) anywhere in a query plan trace. */
function planFetches(
  node: unknown,
  found: Gateway['lastPlanFetches'] = [],
): Gateway['lastPlanFetches'] {
  if (!node || typeof node !== 'object') return found;
  const record = node as Record<string, unknown>;
  if (typeof record.serviceName === 'string') {
    found.push({
      serviceName: record.serviceName,
      hasTrace: !!record.trace && typeof record.trace === 'object',
      traceParsingFailed: record.traceParsingFailed === true,
    });
  }
  for (const value of Object.values(record)) {
    if (Array.isArray(value)) value.forEach((item) => planFetches(item, found));
    else if (value && typeof value === 'object') planFetches(value, found);
  }
  return found;
}

export async function startApolloGateway(supergraphSdl: string): Promise<Gateway> {
  const fetches: Fetch[] = [];
  const gatewayErrors: string[] = [];
  const state = { lastPlanFetches: [] as Gateway['lastPlanFetches'], captureTraces: false };
  const logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (message: unknown) => void gatewayErrors.push(String(message)),
    error: (message: unknown) => void gatewayErrors.push(String(message)),
  };
  const gateway = new ApolloGateway({
    supergraphSdl,
    logger,
    buildService: ({ name, url }) => new CountingDataSource(name, fetches, url!),
  });
  /*
   * What usage reporting does when it samples a request: ask the gateway to capture a trace. The
   * gateway then sends `apollo-federation-include-trace: ftv1` to each subgraph and decodes the
   * `extensions.ftv1` it gets back into the query plan's trace.
   */
  const traces: ApolloServerPlugin = {
    async requestDidStart({ metrics }) {
      if (state.captureTraces) metrics.captureTraces = true;
      return {
        async willSendResponse({ metrics: done }) {
          state.lastPlanFetches = planFetches(done.queryPlanTrace);
        },
      };
    },
  };
  const server = new ApolloServer({ gateway, plugins: [traces] });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return {
    url,
    fetches,
    gatewayErrors,
    get lastPlanFetches() {
      return state.lastPlanFetches;
    },
    get captureTraces() {
      return state.captureTraces;
    },
    set captureTraces(value: boolean) {
      state.captureTraces = value;
    },
    async query(query, variables) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as never;
    },
    stop: () => server.stop(),
  };
}

export const countBySubgraph = (fetches: Fetch[]) => {
  const counts: Record<string, { requests: number; entities: number; representations: number }> =
    {};
  for (const fetch of fetches) {
    const entry = (counts[fetch.subgraph] ??= { requests: 0, entities: 0, representations: 0 });
    entry.requests++;
    if (fetch.entities) entry.entities++;
    entry.representations += fetch.representations;
  }
  return counts;
};
