/**
 * Serves a small Apollo subgraph (buildSubgraphSchema + Apollo Server 5 standalone) on a loopback
 * ephemeral port and counts what it receives: every operation, and `_entities` calls on their own.
 */
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { DocumentNode } from 'graphql';

export interface SubgraphCounts {
  /** GraphQL operations received. */
  requests: number;
  /** Of those, operations that asked for `_entities`. */
  entities: number;
}

export interface RunningSubgraph {
  name: string;
  url: string;
  typeDefs: DocumentNode;
  counts: SubgraphCounts;
  resetCounts(): void;
  stop(): Promise<void>;
}

export async function serveSubgraph(
  name: string,
  typeDefs: DocumentNode,
  resolvers: GraphQLResolverMap<unknown>,
): Promise<RunningSubgraph> {
  const counts: SubgraphCounts = { requests: 0, entities: 0 };
  const counting: ApolloServerPlugin = {
    async requestDidStart({ request }) {
      counts.requests++;
      if (request.query?.includes('_entities')) counts.entities++;
    },
  };
  const quiet = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
  };
  const server = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs, resolvers }),
    plugins: [counting],
    logger: quiet,
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return {
    name,
    url,
    typeDefs,
    counts,
    resetCounts() {
      counts.requests = 0;
      counts.entities = 0;
    },
    stop: () => server.stop(),
  };
}
