/**
 * The subgraph schema: the SDL files of schema/ with their resolvers, built for Federation 2, with
 * the entities it extends in the shape SUPERGRAPH_CONFIG gives them (see supergraph-config.ts).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import { guardFields } from '../security/field-guard.js';
import { resolvers } from './resolvers/index.js';
import { refuseUnstorableText } from './storable-text.js';
import {
  DEFAULT_SUPERGRAPH_CONFIG,
  shapeResolvers,
  shapeTypeDefs,
  type SupergraphConfig,
} from './supergraph-config.js';

const SCHEMA_DIR = new URL('../../schema/', import.meta.url);

/** Every `schema/*.graphql` file, in name order so the result is stable. */
export function loadTypeDefs(): DocumentNode {
  const files = readdirSync(SCHEMA_DIR)
    .filter((name) => name.endsWith('.graphql'))
    .sort();
  return parse(files.map((name) => readFileSync(new URL(name, SCHEMA_DIR), 'utf8')).join('\n'));
}

/**
 * The schema with every `@requiresScopes` enforced by the subgraph itself, checked first (a caller
 * without the scope learns nothing about its input), then text the store cannot hold refused.
 */
export function buildSchema(
  supergraph: SupergraphConfig = DEFAULT_SUPERGRAPH_CONFIG,
): GraphQLSchema {
  const schema = buildSubgraphSchema({
    typeDefs: shapeTypeDefs(loadTypeDefs(), supergraph),
    resolvers: shapeResolvers(resolvers, supergraph) as GraphQLResolverMap<unknown>,
  });
  refuseUnstorableText(schema);
  guardFields(schema);
  return schema;
}
