/**
 * Schema checks: modified copies of ai-subgraph's SDL composed through the function `npm run
 * compose` uses. A change that breaks what the supergraph relies on fails with a message naming
 * the field and the rule, before it ships.
 */
import {
  Kind,
  parse,
  print,
  visit,
  type ConstDirectiveNode,
  type FieldDefinitionNode,
  type ObjectTypeDefinitionNode,
  type TypeNode,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  aiSubgraphSdl,
  composeSupergraph,
  CompositionFailed,
  supergraphSubgraphs,
  type CompositionProblem,
} from '../../scripts/compose.js';

const ORIGINAL = aiSubgraphSdl();

/** Our SDL with one object type changed. */
function withType(
  typeName: string,
  change: (type: ObjectTypeDefinitionNode) => ObjectTypeDefinitionNode,
): string {
  let found = false;
  const modified = print(
    visit(parse(ORIGINAL), {
      ObjectTypeDefinition(node) {
        if (node.name.value !== typeName) return undefined;
        found = true;
        return change(node);
      },
    }),
  );
  expect(found, `type ${typeName} in ai-subgraph's SDL`).toBe(true);
  return modified;
}

function withField(
  typeName: string,
  fieldName: string,
  change: (field: FieldDefinitionNode) => FieldDefinitionNode,
): string {
  return withType(typeName, (type) => {
    expect(
      type.fields?.some((field) => field.name.value === fieldName),
      `${typeName}.${fieldName}`,
    ).toBe(true);
    return {
      ...type,
      fields: type.fields!.map((field) => (field.name.value === fieldName ? change(field) : field)),
    };
  });
}

const name = (value: string) => ({ kind: Kind.NAME, value }) as const;
const namedType = (value: string): TypeNode => ({ kind: Kind.NAMED_TYPE, name: name(value) });
const directive = (value: string): ConstDirectiveNode => ({
  kind: Kind.DIRECTIVE,
  name: name(value),
  arguments: [],
});
const withoutDirective = (
  field: FieldDefinitionNode,
  directiveName: string,
): FieldDefinitionNode => ({
  ...field,
  directives: field.directives?.filter((node) => node.name.value !== directiveName),
});

/** The problems composing ai-subgraph's `sdl` with the other two subgraphs reports; [] when it composes. */
function check(sdl: string): CompositionProblem[] {
  try {
    composeSupergraph(supergraphSubgraphs(undefined, sdl));
    return [];
  } catch (error) {
    if (error instanceof CompositionFailed) return error.problems;
    throw error;
  }
}

describe('schema checks on ai-subgraph changes', () => {
  it('passes the SDL as it is: no error, no hint, every known operation valid', () => {
    expect(check(ORIGINAL)).toEqual([]);
  });

  it('fails when Ticket.routing loses its @requires: subject and body would never reach us', () => {
    const problems = check(
      withField('Ticket', 'routing', (field) => withoutDirective(field, 'requires')),
    );
    expect(problems.map((problem) => problem.code)).toEqual(['EXTERNAL_UNUSED', 'EXTERNAL_UNUSED']);
    expect(problems[0]!.message).toMatch(
      /Field "Ticket\.subject" is marked @external but is not used/,
    );
  });

  it('fails when Incident.id changes type', () => {
    const problems = check(
      withField('Incident', 'id', (field) => ({
        ...field,
        type: { kind: Kind.NON_NULL_TYPE, type: namedType('Int') } as TypeNode,
      })),
    );
    expect(problems).toEqual([
      {
        kind: 'error',
        code: 'FIELD_TYPE_MISMATCH',
        message:
          'Type of field "Incident.id" is incompatible across subgraphs: it has type "Int!" in subgraph "ai" but type "ID!" in subgraph "incidents"',
      },
    ]);
  });

  it('fails when the Incident @key field is renamed: the router could no longer reach our fields', () => {
    const renamed = withType('Incident', (type) => ({
      ...type,
      fields: type.fields!.map((field) =>
        field.name.value === 'id' ? { ...field, name: name('incidentId') } : field,
      ),
      directives: type.directives!.map((node) =>
        node.name.value === 'key'
          ? {
              ...node,
              arguments: [
                {
                  kind: Kind.ARGUMENT,
                  name: name('fields'),
                  value: { kind: Kind.STRING, value: 'incidentId' },
                },
              ],
            }
          : node,
      ),
    }));
    const problems = check(renamed);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((problem) => problem.code === 'SATISFIABILITY_ERROR')).toBe(true);
    // Neither way works: the router cannot reach the drafts from an incident, nor an incident's
    // fields from a draft's `incident`.
    expect(problems.map((problem) => problem.message).join('\n')).toMatch(
      /cannot move to subgraph "ai" using @key\(fields: "incidentId"\) of "Incident"/,
    );
  });

  it('fails when an external field changes nullability: the owner decides the type', () => {
    const problems = check(
      withField('Ticket', 'body', (field) => ({
        ...field,
        type: { kind: Kind.NON_NULL_TYPE, type: field.type } as TypeNode,
      })),
    );
    expect(problems).toEqual([
      {
        kind: 'error',
        code: 'EXTERNAL_TYPE_MISMATCH',
        message:
          'Type of field "Ticket.body" is incompatible across subgraphs (where marked @external): it has type "String" in subgraph "tickets" but type "String!" in subgraph "ai"',
      },
    ]);
  });

  it('fails when Generation stops being an entity another subgraph references', () => {
    const problems = check(
      withType('Generation', (type) => ({
        ...type,
        directives: type.directives!.filter((node) => node.name.value !== 'key'),
      })),
    );
    expect(problems.map((problem) => problem.code)).toEqual(['INVALID_FIELD_SHARING']);
    expect(problems[0]!.message).toMatch(/"Generation\.id" is resolved from multiple subgraphs/);
  });

  it('fails when a field clients use is made @inaccessible, which composition alone accepts', () => {
    // Composes cleanly (an @inaccessible key field is legal), but breaks IncidentLastDraft and the Sandbox document.
    const problems = check(
      withField('Generation', 'id', (field) => ({
        ...field,
        directives: [...(field.directives ?? []), directive('inaccessible')],
      })),
    );
    expect(new Set(problems.map((problem) => problem.kind))).toEqual(new Set(['operation']));
    expect(problems.map((problem) => problem.message)).toContain(
      'operation "IncidentLastDraft": Cannot query field "id" on type "Generation".',
    );
  });

  it('fails on a composition hint, not only on errors', () => {
    // A description that differs from ai-subgraph's on a shared element is only a hint (INCONSISTENT_DESCRIPTION).
    const subgraphs = supergraphSubgraphs();
    const incidents = subgraphs.find((subgraph) => subgraph.name === 'incidents')!;
    incidents.typeDefs = parse(
      print(incidents.typeDefs).replace('type Generation', '"A draft." type Generation'),
    );
    expect(() => composeSupergraph(subgraphs)).toThrow(
      /\[hint INCONSISTENT_DESCRIPTION\] Element "Generation" has inconsistent descriptions/,
    );
  });
});
