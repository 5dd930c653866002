/**
 * SUPERGRAPH_CONFIG: the shape of the entities this subgraph extends, as the company's own
 * subgraphs define them. Federation 2 requires an `@external` field to repeat its owner's type
 * exactly (nullability included) and an entity to carry its owner's name and key, so a
 * `SupportTicket @key(fields: "id")` whose text is `title: String!` cannot be met by a hard-coded
 * `Ticket { subject: String }`. schema/*.graphql stays in the default shape (what codegen reads
 * and resolvers are typed against); the served SDL is rewritten from it here, and the entities'
 * references are translated back to the default shape before a resolver sees them.
 */
import { readFileSync } from 'node:fs';
import { Kind, parseType, visit, type DocumentNode, type FieldDefinitionNode } from 'graphql';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export class SupergraphConfigError extends Error {
  override name = 'SupergraphConfigError';
}

const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;
const name = z.string().regex(NAME, 'must be a GraphQL name (letters, digits, underscores)');
/** A named type, optionally non-null: key fields are scalars, as a router's representations carry them. */
const scalarType = z
  .string()
  .regex(/^[_A-Za-z][_0-9A-Za-z]*!?$/, 'must be a named type such as "ID!" or "String"');
const textType = z.enum(['String', 'String!'], { error: 'must be "String" or "String!"' });

/**
 * `key: id` or `key: "tenant number"` (each field `ID!`), or `key: { tenant: "String!", number:
 * "Int!" }` when the key's fields have other types.
 */
const key = z
  .union([
    z
      .string()
      .trim()
      .min(1)
      .transform((fields) =>
        Object.fromEntries(fields.split(/\s+/).map((field) => [field, 'ID!'])),
      ),
    z.record(z.string(), scalarType),
  ])
  .pipe(
    z
      .record(name, scalarType)
      .refine((fields) => Object.keys(fields).length > 0, 'names at least one field'),
  );

const textField = (field: string) =>
  z
    .object({ field: name.default(field), type: textType.default('String') })
    .strict()
    .default({ field, type: 'String' });

const ticketSchema = z
  .object({
    type: name.default('Ticket'),
    key: key.default({ id: 'ID!' }),
    subject: textField('subject'),
    body: textField('body'),
  })
  .strict()
  .refine(
    (ticket) => ticket.subject.field !== ticket.body.field,
    'subject and body must be different fields',
  )
  .refine(
    (ticket) =>
      ![ticket.subject.field, ticket.body.field, 'routing'].some((field) => field in ticket.key),
    'key fields must differ from the subject and body fields and from routing',
  );

const DRAFT_FIELDS = ['postmortemDrafts', 'statusUpdateDrafts', 'runbookDrafts'];

const incidentSchema = z
  .object({ type: name.default('Incident'), key: key.default({ id: 'ID!' }) })
  .strict()
  .refine(
    (incident) => !DRAFT_FIELDS.some((field) => field in incident.key),
    `key fields must differ from ${DRAFT_FIELDS.join(', ')}`,
  );

const supergraphConfigSchema = z
  .object({
    ticket: ticketSchema.default(ticketSchema.parse({})),
    incident: incidentSchema.default(incidentSchema.parse({})),
  })
  .strict()
  .refine(
    (config) => config.ticket.type !== config.incident.type,
    'ticket.type and incident.type must differ',
  );

export type SupergraphConfig = z.output<typeof supergraphConfigSchema>;

/** The shape of schema/*.graphql: `Ticket @key(fields: "id") { subject: String body: String }`, `Incident @key(fields: "id")`. */
export const DEFAULT_SUPERGRAPH_CONFIG: SupergraphConfig = supergraphConfigSchema.parse({});

export function parseSupergraphConfig(source: string, path: string): SupergraphConfig {
  let raw: unknown;
  try {
    // YAML 1.2 is a superset of JSON, so one parser reads both.
    raw = parseYaml(source) ?? {};
  } catch (error) {
    throw new SupergraphConfigError(
      `${path} is not valid YAML or JSON: ${(error as Error).message}`,
    );
  }
  const parsed = supergraphConfigSchema.safeParse(raw);
  if (!parsed.success)
    throw new SupergraphConfigError(
      `${path}: ${z.prettifyError(parsed.error).replaceAll('\n', '; ')}`,
    );
  return parsed.data;
}

export function loadSupergraphConfig(path: string): SupergraphConfig {
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SupergraphConfigError(
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  return parseSupergraphConfig(source, path);
}

const keyFieldsOf = (keyTypes: Record<string, string>) => Object.keys(keyTypes).join(' ');

/** The key's fields in place of the default `id: ID!`, the first keeping its description. */
function keyFieldDefinitions(
  id: FieldDefinitionNode,
  keyTypes: Record<string, string>,
  entity: string,
): FieldDefinitionNode[] {
  return Object.entries(keyTypes).map(([field, type], index) => ({
    ...id,
    name: { kind: Kind.NAME, value: field },
    type: parseType(type),
    description:
      index === 0 && Object.keys(keyTypes).length === 1
        ? id.description
        : {
            kind: Kind.STRING,
            value: `Part of the ${entity}'s key, as the subgraph that owns it knows it.`,
          },
  }));
}

/** schema/*.graphql's SDL with the Ticket and Incident entities (and the fields returning them) in the configured shape. */
export function shapeTypeDefs(typeDefs: DocumentNode, config: SupergraphConfig): DocumentNode {
  const { ticket, incident } = config;
  const renamed: Record<string, string> = { Ticket: ticket.type, Incident: incident.type };
  const keys: Record<string, Record<string, string>> = {
    Ticket: ticket.key,
    Incident: incident.key,
  };
  const text: Record<string, { field: string; type: string }> = {
    subject: ticket.subject,
    body: ticket.body,
  };
  return visit(typeDefs, {
    // Fields of this subgraph's own types that reference the entities (`RoutingPrediction.ticket`).
    NamedType(node) {
      const original = node.name.value;
      if (!(original in renamed) || renamed[original] === original) return undefined;
      return { ...node, name: { ...node.name, value: renamed[original]! } };
    },
    ObjectTypeDefinition(node) {
      const original = node.name.value;
      if (!(original in renamed)) return undefined;
      return {
        ...node,
        name: { ...node.name, value: renamed[original]! },
        directives: node.directives?.map((directive) =>
          directive.name.value === 'key'
            ? {
                ...directive,
                arguments: directive.arguments?.map((argument) =>
                  argument.name.value === 'fields'
                    ? {
                        ...argument,
                        value: { kind: Kind.STRING, value: keyFieldsOf(keys[original]!) },
                      }
                    : argument,
                ),
              }
            : directive,
        ),
        fields: node.fields?.flatMap((field): FieldDefinitionNode[] => {
          if (field.name.value === 'id')
            return keyFieldDefinitions(field, keys[original]!, original.toLowerCase());
          const shaped = original === 'Ticket' ? text[field.name.value] : undefined;
          if (shaped)
            return [
              {
                ...field,
                name: { ...field.name, value: shaped.field },
                type: parseType(shaped.type),
              },
            ];
          if (original === 'Ticket' && field.name.value === 'routing')
            return [
              {
                ...field,
                directives: field.directives?.map((directive) =>
                  directive.name.value === 'requires'
                    ? {
                        ...directive,
                        arguments: [
                          {
                            kind: Kind.ARGUMENT,
                            name: { kind: Kind.NAME, value: 'fields' },
                            value: {
                              kind: Kind.STRING,
                              value: `${ticket.subject.field} ${ticket.body.field}`,
                            },
                          },
                        ],
                      }
                    : directive,
                ),
              },
            ];
          return [field];
        }),
      };
    },
  });
}

/**
 * The id this subgraph stores and reports for an entity: the key's one field, or for a compound
 * key its fields' values in key order joined by ":" (`acme:1042`), which is also what a draft's
 * `incidentId` must hold to be listed on such an incident.
 */
export function entityId(reference: Record<string, unknown>, keyTypes: Record<string, string>) {
  return Object.keys(keyTypes)
    .map((field) => String(reference[field]))
    .join(':');
}

type ResolverMap = Record<string, unknown>;

/**
 * The configured key fields of an entity this subgraph returns a reference to (such as
 * `RoutingPrediction.ticket`, built from the stored id alone): each field's value taken from the
 * id, split back at ":" for a compound key, and numbers made numbers again.
 */
export function keyFieldResolvers(keyTypes: Record<string, string>): ResolverMap {
  const fields = Object.keys(keyTypes);
  if (fields.length === 1 && fields[0] === 'id') return {};
  return Object.fromEntries(
    fields.map((field, position) => [
      field,
      (reference: Record<string, unknown>) => {
        if (reference[field] !== undefined) return reference[field];
        const parts = String(reference['id']).split(':');
        // The last field keeps any ":" of its own.
        const value =
          position === fields.length - 1
            ? parts.slice(position).join(':')
            : (parts[position] ?? '');
        return /^(Int|Float)!?$/.test(keyTypes[field]!) ? Number(value) : value;
      },
    ]),
  );
}

/**
 * The resolvers under the configured type names, each entity's `__resolveReference` translating
 * a router's representation (configured key and text fields) into the default shape the
 * resolvers are typed against (`TicketReference`, `IncidentReference`).
 */
export function shapeResolvers(
  resolvers: { Ticket?: object; Incident?: object },
  config: SupergraphConfig,
): ResolverMap {
  const { Ticket, Incident, ...rest } = resolvers;
  const { ticket, incident } = config;
  return {
    ...rest,
    [ticket.type]: {
      ...keyFieldResolvers(ticket.key),
      ...Ticket,
      __resolveReference: (reference: Record<string, unknown>) => ({
        id: entityId(reference, ticket.key),
        subject: reference[ticket.subject.field],
        body: reference[ticket.body.field],
      }),
    },
    [incident.type]: {
      ...Incident,
      __resolveReference: (reference: Record<string, unknown>) => ({
        id: entityId(reference, incident.key),
      }),
      // `Generation.incident` gives { id }: a compound key's fields are read back out of it.
      ...keyFieldResolvers(incident.key),
    },
  };
}
