/**
 * Contracts (docs/contract.md): every root field says whether it is public or internal, so a
 * contract variant that excludes `internal` publishes the product surface and none of the
 * administrative one.
 */
import {
  Kind,
  parse,
  type ConstDirectiveNode,
  type DocumentNode,
  type FieldDefinitionNode,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { aiSubgraphSdl, composeSupergraph, supergraphSubgraphs } from '../../scripts/compose.js';

const ROOTS = new Set(['Query', 'Mutation', 'Subscription']);
/** Fields of the federation machinery, not of our contract. */
const FEDERATION = new Set(['_service', '_entities']);

const tagsOf = (directives: readonly ConstDirectiveNode[] | undefined): string[] =>
  (directives ?? [])
    .filter((directive) => directive.name.value === 'tag')
    .map((directive) => {
      const value = directive.arguments?.find((argument) => argument.name.value === 'name')?.value;
      return value?.kind === Kind.STRING ? value.value : '?';
    });

/** `Type.field` → its tags, for every root field of a document (extensions included). */
function rootFields(document: DocumentNode): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  for (const definition of document.definitions) {
    if (
      (definition.kind !== Kind.OBJECT_TYPE_DEFINITION &&
        definition.kind !== Kind.OBJECT_TYPE_EXTENSION) ||
      !ROOTS.has(definition.name.value)
    )
      continue;
    for (const field of definition.fields ?? ([] as FieldDefinitionNode[]))
      if (!FEDERATION.has(field.name.value))
        fields.set(`${definition.name.value}.${field.name.value}`, tagsOf(field.directives));
  }
  return fields;
}

describe('contract tags', () => {
  it('tags every root field of the subgraph with exactly one of public and internal', () => {
    const fields = rootFields(parse(aiSubgraphSdl()));
    expect(fields.size).toBeGreaterThan(30);
    const wrong = [...fields]
      .filter(([, tags]) => tags.length !== 1 || !['public', 'internal'].includes(tags[0]!))
      .map(([coordinate, tags]) => `${coordinate}: ${JSON.stringify(tags)}`);
    expect(wrong).toEqual([]);
  });

  it('keeps the administrative fields out of a contract that excludes internal', () => {
    const { sdl } = composeSupergraph(supergraphSubgraphs());
    const fields = rootFields(parse(sdl));
    // What a contract variant with `excludeTags: ["internal"]` keeps of our root fields.
    const contract = [...fields].filter(([, tags]) => !tags.includes('internal')).map(([c]) => c);
    for (const administrative of [
      'Mutation.createApiKey',
      'Mutation.revokeApiKey',
      'Query.apiKeys',
      'Query.auditLog',
      'Query.providers',
    ]) {
      expect(fields.has(administrative), `${administrative} in the supergraph`).toBe(true);
      expect(contract, 'the public contract').not.toContain(administrative);
    }
    expect(contract).toContain('Query.screenText');
    expect(contract).toContain('Mutation.submitFeedback');
  });
});
