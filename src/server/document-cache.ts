/**
 * Valid GraphQL documents by query text, for graphql-ws (its `onSubscribe` hook). graphql-ws would
 * parse and validate every subscribe message anew: on a streaming server, thousands of copies of
 * the same few documents, each holding its token list and locations (~10 KiB) for as long as its
 * subscription stays open, and a full validation pass per subscribe. A document that passed
 * validation is handed out again for the same text (graphql never mutates a document); invalid
 * ones are not kept, so their errors are reported afresh. The oldest entry goes first.
 *
 * Failures come back as errors with their code rather than thrown: graphql-ws's own parse step
 * throws on a syntax error, which closes the whole socket as an internal error (issue #14).
 */
import type { DocumentNode, GraphQLError, GraphQLSchema } from 'graphql';
import { ErrorCode } from '../errors.js';
import { graphQLErrorOf } from './errors.js';
import { graphql } from './graphql-runtime.js';
import { queryTooLarge } from './plugins/operation-gate.js';

/** Distinct documents kept (clients send a handful; the bound keeps odd ones from piling up). */
const MAX_DOCUMENTS = 200;
/** Query texts longer than this are parsed every time rather than held as keys. */
const MAX_QUERY_LENGTH = 16 * 1024;

export type PreparedDocument =
  | { document: DocumentNode; errors?: undefined }
  | { document?: undefined; errors: readonly GraphQLError[] };

export class DocumentCache {
  private readonly valid = new Map<string, DocumentNode>();

  constructor(
    private readonly schema: GraphQLSchema,
    /** Longer query texts are refused (QUERY_TOO_COMPLEX) without being parsed. */
    private readonly maxQueryBytes = Infinity,
  ) {}

  /** The query text's valid document, or why it has none (parse, validation or size errors). */
  prepare(query: string): PreparedDocument {
    const cached = this.valid.get(query);
    if (cached) return { document: cached };
    const bytes = Buffer.byteLength(query);
    if (bytes > this.maxQueryBytes)
      return { errors: [graphQLErrorOf(queryTooLarge(bytes, this.maxQueryBytes))] };
    let document: DocumentNode;
    try {
      document = graphql.parse(query);
    } catch (error) {
      const syntax = error as GraphQLError;
      return {
        errors: [
          new graphql.GraphQLError(syntax.message, {
            source: syntax.source,
            positions: syntax.positions,
            extensions: { code: ErrorCode.GRAPHQL_PARSE_FAILED },
          }),
        ],
      };
    }
    const errors = graphql.validate(this.schema, document);
    if (errors.length > 0) return { errors };
    if (query.length <= MAX_QUERY_LENGTH) {
      this.valid.set(query, document);
      if (this.valid.size > MAX_DOCUMENTS) this.valid.delete(this.valid.keys().next().value!);
    }
    return { document };
  }
}
