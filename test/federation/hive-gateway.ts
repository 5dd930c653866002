/**
 * Hive Gateway (`@graphql-hive/gateway`'s runtime, as its CLI runs it) on a loopback port, serving
 * a supergraph, with every fetch it sends to a subgraph counted. Clients reach it over HTTP (with
 * SSE for subscriptions) and over graphql-ws; it reaches ai-subgraph's subscriptions over
 * graphql-ws. Credentials are forwarded as docs/supergraph.md says: the client's
 * `authorization` (a header over HTTP, `connectionParams` over graphql-ws) becomes the header of
 * subgraph HTTP requests and the `connectionParams` of the gateway's websocket to ai-subgraph.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createGatewayRuntime,
  getGraphQLWSOptions,
  type GatewayPlugin,
} from '@graphql-hive/gateway';
import { print } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Fetch } from './apollo-gateway.js';

export interface HiveGateway {
  url: string;
  wsUrl: string;
  fetches: Fetch[];
  query<T>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<{ data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] }>;
  stop(): Promise<void>;
}

/** The client's credentials, whichever transport brought them. */
interface Credentials {
  authorization?: string;
}

export async function startHiveGateway(supergraphSdl: string): Promise<HiveGateway> {
  const fetches: Fetch[] = [];
  const counting: GatewayPlugin = {
    onSubgraphExecute({ subgraphName, executionRequest }) {
      const representations = executionRequest.variables?.representations;
      fetches.push({
        subgraph: subgraphName,
        entities: print(executionRequest.document).includes('_entities'),
        representations: Array.isArray(representations) ? representations.length : 0,
        ftv1: false,
      });
    },
  };
  const credentials: GatewayPlugin<Credentials> = {
    onContextBuilding({ context, extendContext }) {
      const fromParams = (context as { connectionParams?: Credentials }).connectionParams
        ?.authorization;
      extendContext({
        authorization: fromParams ?? context.request?.headers.get('authorization') ?? undefined,
      });
    },
  };
  const runtime = createGatewayRuntime<Credentials>({
    supergraph: supergraphSdl,
    logging: false,
    // Errors from subgraphs reach clients as the subgraph wrote them (code included).
    maskedErrors: false,
    plugins: () => [counting, credentials],
    propagateHeaders: {
      fromClientToSubgraphs: ({ context }) => ({ authorization: context.authorization }),
    },
    transportEntries: {
      ai: {
        options: {
          subscriptions: {
            kind: 'ws',
            location: '/graphql',
            options: { connectionParams: { authorization: '{context.authorization}' } },
          },
        },
      },
    },
  });
  const server = createServer(runtime);
  const sockets = new WebSocketServer({ server, path: runtime.graphqlEndpoint });
  const ws = useServer(
    getGraphQLWSOptions(runtime, (ctx) => {
      const extra = ctx.extra as { request: IncomingMessage; socket: WebSocket };
      return { req: extra.request, socket: extra.socket };
    }),
    sockets,
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}${runtime.graphqlEndpoint}`;
  return {
    url,
    wsUrl: url.replace('http://', 'ws://'),
    fetches,
    async query(query, variables, headers = {}) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as never;
    },
    async stop() {
      await ws.dispose();
      await runtime.dispose();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
