import { createRequire } from 'node:module';
import type * as GraphQL from 'graphql';

/**
 * graphql as @apollo/server, @apollo/subgraph and graphql-ws load it (its CommonJS build, which is
 * also what `import 'graphql'` gives under Node). Under a bundler such as vitest's, an import here
 * may load the ESM build instead: a second copy whose GraphQLError graphql-ws does not recognise and
 * whose execute rejects the schema built by the first. Code that hands graphql values to
 * graphql-ws, or runs the schema itself, takes graphql from here.
 */
export const graphql = createRequire(import.meta.url)('graphql') as typeof GraphQL;
