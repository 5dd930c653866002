/**
 * Valid GraphQL documents by query text, for graphql-ws (its `parse` and `validate` hooks).
 * graphql-ws parses and validates every subscribe message anew: on a streaming server, thousands
 * of copies of the same few documents, each holding its token list and locations (~10 KiB) for as
 * long as its subscription stays open, and a full validation pass per subscribe. A document that
 * passed validation is handed out again for the same text (graphql never mutates a document);
 * invalid ones are not kept, so their errors are reported afresh. The oldest entry goes first.
 */
import type { DocumentNode, GraphQLSchema, Source } from 'graphql';
import { graphql } from './graphql-runtime.js';

/** Distinct documents kept (clients send a handful; the bound keeps odd ones from piling up). */
const MAX_DOCUMENTS = 200;
/** Query texts longer than this are parsed every time rather than held as keys. */
const MAX_QUERY_LENGTH = 16 * 1024;

export class DocumentCache {
  private readonly valid = new Map<string, DocumentNode>();
  /** Documents parsed here but not yet validated, with their text, for `validate` to file them. */
  private readonly parsed = new WeakMap<DocumentNode, string>();
  private readonly validated = new WeakSet<DocumentNode>();

  constructor(private readonly schema: GraphQLSchema) {}

  /** graphql-ws's `parse` (which it calls with the message's query text). */
  parse = (source: string | Source): DocumentNode => {
    if (typeof source !== 'string') return graphql.parse(source);
    const cached = this.valid.get(source);
    if (cached) return cached;
    const document = graphql.parse(source);
    if (source.length <= MAX_QUERY_LENGTH) this.parsed.set(document, source);
    return document;
  };

  /** graphql-ws's `validate`, against the server's schema with graphql's standard rules. */
  validate = (schema: GraphQLSchema, document: DocumentNode) => {
    if (schema === this.schema && this.validated.has(document)) return [];
    const errors = graphql.validate(schema, document);
    const source = this.parsed.get(document);
    if (errors.length === 0 && schema === this.schema && source !== undefined) {
      this.parsed.delete(document);
      this.validated.add(document);
      this.valid.set(source, document);
      if (this.valid.size > MAX_DOCUMENTS) this.valid.delete(this.valid.keys().next().value!);
    }
    return errors;
  };
}
