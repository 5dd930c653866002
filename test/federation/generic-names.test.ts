/**
 * ai-subgraph joins supergraphs whose other subgraphs already name the common things their own way:
 * `PageInfo` (Relay's, @shareable), `Severity`, `IncidentStatus`, `Category`, `Rating`, `Feature`
 * and `ErrorCode`. Our generic names carry the `Ai` prefix, and our `PageInfo` is Relay's complete
 * type marked @shareable, so such a subgraph composes beside ours with no error, and both keep their
 * meaning in the supergraph.
 */
import { buildASTSchema, parse, type GraphQLEnumType, type GraphQLObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  composeWithProblems,
  supergraphSubgraphs,
  type SubgraphSource,
} from '../../scripts/compose.js';

/** A catalog team's subgraph that took every generic name first, each with its own values. */
const CATALOG_TYPE_DEFS = parse(`#graphql
  extend schema
    @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@shareable"])

  "Relay's page info, as every Relay server declares it."
  type PageInfo @shareable {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }

  enum Severity { MINOR MAJOR BLOCKER }
  enum IncidentStatus { OPEN ACKNOWLEDGED CLOSED }
  enum Rating { ONE_STAR TWO_STARS THREE_STARS FOUR_STARS FIVE_STARS }
  enum Feature { SEARCH CHECKOUT WISHLIST }
  enum ErrorCode { OUT_OF_STOCK PRICE_CHANGED }

  type Category @key(fields: "id") {
    id: ID!
    name: String!
    severity: Severity
  }

  type Product @key(fields: "sku") {
    sku: ID!
    category: Category
    rating: Rating
    features: [Feature!]!
  }

  type ProductEdge { cursor: String! node: Product! }
  type ProductConnection { edges: [ProductEdge!]! pageInfo: PageInfo! }

  type Query {
    products(first: Int, after: String): ProductConnection!
    incidentStatus(id: ID!): IncidentStatus
    lastError: ErrorCode
  }
`);

const catalog: SubgraphSource = {
  name: 'catalog',
  url: 'http://catalog.invalid/graphql',
  typeDefs: CATALOG_TYPE_DEFS,
};

describe('generic names across subgraphs', () => {
  it('composes with a subgraph that defines PageInfo, Severity, IncidentStatus, Category, Rating, Feature and ErrorCode its own way', () => {
    // ai-subgraph, the owner of the Ticket it extends, and the catalog: the incidents stand-in
    // has a Severity of its own, which would clash with the catalog's, not with ours.
    const ours = supergraphSubgraphs().filter((subgraph) => subgraph.name !== 'incidents');
    const { problems, result } = composeWithProblems([...ours, catalog]);
    expect(problems.filter((problem) => problem.kind === 'error')).toEqual([]);
    // The one hint: the two PageInfo descriptions differ (the supergraph keeps one of them).
    expect(problems.filter((problem) => problem.code !== 'INCONSISTENT_DESCRIPTION')).toEqual([]);
    const apiSchema = buildASTSchema(result.schema!.toAPISchema().toAST());
    const values = (name: string) =>
      (apiSchema.getType(name) as GraphQLEnumType)
        .getValues()
        .map((value) => value.name)
        .sort();
    // Each subgraph's enums keep their own values under their own names.
    expect(values('Severity')).toEqual(['BLOCKER', 'MAJOR', 'MINOR']);
    expect(values('AiSeverity')).not.toEqual(values('Severity'));
    expect(values('Rating')).toHaveLength(5);
    expect(values('AiRating')).toEqual(['DOWN', 'UP']);
    for (const name of ['Feature', 'ErrorCode', 'IncidentStatus'])
      expect(apiSchema.getType(`Ai${name}`), `Ai${name}`).toBeDefined();
    // One PageInfo serves both subgraphs' connections.
    const pageInfo = apiSchema.getType('PageInfo') as GraphQLObjectType;
    expect(Object.keys(pageInfo.getFields()).sort()).toEqual([
      'endCursor',
      'hasNextPage',
      'hasPreviousPage',
      'startCursor',
    ]);
    expect(apiSchema.getQueryType()!.getFields()['products']).toBeDefined();
    expect(apiSchema.getQueryType()!.getFields()['evalRuns']).toBeDefined();
  });
});
