/**
 * Measures a validated GraphQL operation before it runs: nesting depth, aliases, root fields, the
 * longest list in its arguments or variables, and its estimated cost from the schema's `@cost` and
 * `@listSize` directives (the IBM / Apollo demand-control model, simplified):
 *
 *   cost(field)  = multiplier × (weight + cost(selections)) + Σ weight(arguments given)
 *   weight       = `@cost(weight:)` on the field, else on its type, else 1 for an object, interface
 *                  or union and 0 for a scalar or enum
 *   multiplier   = 1 for a single value; for a list: the largest slicing argument given (or its
 *                  default) of `@listSize(slicingArguments:)`, else `assumedSize`, else the number of
 *                  `representations` for `_entities`, else `defaultListSize`. With
 *                  `@listSize(sizedFields:)` the multiplier applies to those child fields instead.
 *
 * Introspection (`__schema`, `__type` and below) costs nothing but counts for depth, where the
 * `ofType` chain does not (it only unwraps one type). `@skip`/`@include` are ignored (the measure
 * is an upper bound).
 *
 * The work is linear in the size of the document: each fragment is measured once (per context it
 * is measured in) and its totals reused, so a fragment spread many times is counted as often as it
 * is spread without being walked again. Without that, `F0 { ...F1 ...F1 } F1 { ...F2 ...F2 } …`
 * doubles the work per level and 40 levels of it kept a core busy for minutes (issue #14); with it,
 * the same document measures 2^41 - 1 fragment spreads in microseconds and is refused for that.
 */
import {
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  visit,
  type ArgumentNode,
  type ConstDirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLArgument,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

export interface OperationShape {
  /** Deepest field nesting, root fields at 1. */
  depth: number;
  /** Fields with an alias, fragments counted as often as they are spread. */
  aliases: number;
  /** Fields selected at the root (not `__typename`), fragments counted as often as they are spread. */
  rootFields: number;
  /** Fragment spreads once every fragment is written out where it is spread (nested ones included). */
  fragmentSpreads: number;
  /** The most elements of any list in the arguments, variable defaults or variables. */
  longestList: number;
  /** Estimated cost (see the module comment). */
  cost: number;
}

export interface ShapeOptions {
  /** Multiplier of a list field without `@listSize`. */
  defaultListSize: number;
}

export const DEFAULT_LIST_SIZE = 10;

interface Tally {
  depth: number;
  aliases: number;
  cost: number;
  spreads: number;
}

const ZERO: Tally = { depth: 0, aliases: 0, cost: 0, spreads: 0 };

type Variables = Readonly<Record<string, unknown>> | null | undefined;

/*
 * Types are told apart by their tag, not with graphql's predicates (instanceof): the schema may come
 * from another copy of graphql than this module's (the CommonJS build behind @apollo/subgraph, when
 * a bundler loads the ESM build here), and graphql's predicates reject such types.
 */
const tagOf = (type: unknown): string | undefined =>
  (type as { [Symbol.toStringTag]?: string } | null | undefined)?.[Symbol.toStringTag];
const COMPOSITE = new Set(['GraphQLObjectType', 'GraphQLInterfaceType', 'GraphQLUnionType']);
const isComposite = (type: unknown): type is GraphQLCompositeType =>
  COMPOSITE.has(tagOf(type) ?? '');
const hasFields = (
  type: GraphQLCompositeType,
): type is Exclude<GraphQLCompositeType, { getTypes: unknown }> =>
  tagOf(type) !== 'GraphQLUnionType';

function namedTypeOf(type: GraphQLOutputType): GraphQLNamedType {
  let current: unknown = type;
  while (tagOf(current) === 'GraphQLList' || tagOf(current) === 'GraphQLNonNull')
    current = (current as { ofType: unknown }).ofType;
  return current as GraphQLNamedType;
}

function returnsList(type: GraphQLOutputType): boolean {
  const unwrapped: unknown =
    tagOf(type) === 'GraphQLNonNull' ? (type as { ofType: unknown }).ofType : type;
  return tagOf(unwrapped) === 'GraphQLList';
}

/**
 * What the walk found in an operation that read no variable (no slicing argument or list given
 * through one): the same for every request sending that document, whatever its variables.
 */
interface KeptShape {
  shape: Omit<OperationShape, 'longestList'>;
  literalList: number;
  defaultListSize: number;
}

/**
 * Shapes by schema and operation node. Apollo Server and the websocket's document cache hand out
 * the same parsed document for the same query text, so a client sending one document over and over
 * has it walked once; the variables' lists are still measured on each request.
 */
const keptShapes = new WeakMap<GraphQLSchema, WeakMap<OperationDefinitionNode, KeptShape>>();

export function measureOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Variables,
  options: ShapeOptions = { defaultListSize: DEFAULT_LIST_SIZE },
): OperationShape {
  const kept = keptShapes.get(schema)?.get(operation);
  if (kept && kept.defaultListSize === options.defaultListSize)
    return {
      ...kept.shape,
      longestList: Math.max(kept.literalList, longestVariableList(variables)),
    };
  let readVariables = false;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition);
  const variableDefaults = new Map<string, ValueNode>();
  for (const definition of operation.variableDefinitions ?? [])
    if (definition.defaultValue)
      variableDefaults.set(definition.variable.name.value, definition.defaultValue);

  const rootType =
    operation.operation === 'query'
      ? schema.getQueryType()
      : operation.operation === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  const fragmentTallies = new Map<string, Tally>();
  const inProgress = new Set<string>();

  /** An argument's value as a number, through variables and defaults; undefined when not a number. */
  function numberOf(node: ValueNode | undefined): number | undefined {
    if (!node) return undefined;
    if (node.kind === Kind.INT || node.kind === Kind.FLOAT) return Number(node.value);
    if (node.kind === Kind.VARIABLE) {
      readVariables = true;
      const value = variables?.[node.name.value];
      if (typeof value === 'number') return value;
      return value === undefined ? numberOf(variableDefaults.get(node.name.value)) : undefined;
    }
    return undefined;
  }

  function lengthOf(node: ValueNode | undefined): number | undefined {
    if (!node) return undefined;
    if (node.kind === Kind.LIST) return node.values.length;
    if (node.kind === Kind.VARIABLE) {
      readVariables = true;
      const value = variables?.[node.name.value];
      if (Array.isArray(value)) return value.length;
      return value === undefined ? lengthOf(variableDefaults.get(node.name.value)) : undefined;
    }
    return undefined;
  }

  function multiplier(
    field: FieldNode,
    definition: GraphQLField<unknown, unknown>,
  ): { self: number; sized: Map<string, number> | null } {
    const listSize = directive(definition.astNode?.directives, 'listSize');
    const list = returnsList(definition.type);
    if (!listSize) {
      if (!list) return { self: 1, sized: null };
      if (definition.name === '_entities')
        return {
          self: lengthOf(argumentNode(field, 'representations')) ?? options.defaultListSize,
          sized: null,
        };
      return { self: options.defaultListSize, sized: null };
    }
    const slicing = stringList(directiveArgument(listSize, 'slicingArguments'));
    const sizes = slicing
      .map(
        (name) =>
          numberOf(argumentNode(field, name)) ??
          defaultNumber(definition.args.find((argument) => argument.name === name)),
      )
      .filter((size): size is number => size !== undefined && Number.isFinite(size));
    const assumed = numberOf(directiveArgument(listSize, 'assumedSize'));
    const size = Math.max(
      0,
      sizes.length > 0 ? Math.max(...sizes) : (assumed ?? options.defaultListSize),
    );
    const sizedFields = stringList(directiveArgument(listSize, 'sizedFields'));
    if (sizedFields.length > 0)
      return { self: 1, sized: new Map(sizedFields.map((name) => [name, size])) };
    return { self: list ? size : 1, sized: null };
  }

  function argumentsCost(field: FieldNode, definition: GraphQLField<unknown, unknown>): number {
    let total = 0;
    for (const given of field.arguments ?? []) {
      const argument = definition.args.find((candidate) => candidate.name === given.name.value);
      total += weightOf(argument?.astNode?.directives) ?? 0;
    }
    return total;
  }

  function measureSelections(
    selectionSet: SelectionSetNode,
    parent: GraphQLCompositeType,
    free: boolean,
    sized: Map<string, number> | null,
  ): Tally {
    let depth = 0;
    let aliases = 0;
    let cost = 0;
    let spreads = 0;
    for (const selection of selectionSet.selections) {
      let tally: Tally;
      if (selection.kind === Kind.FIELD) {
        tally = measureField(selection, parent, free, sized);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition
          ? schema.getType(selection.typeCondition.name.value)
          : parent;
        tally = isComposite(type)
          ? measureSelections(selection.selectionSet, type, free, sized)
          : ZERO;
      } else {
        tally = measureFragment(selection.name.value, free, sized);
        spreads++;
      }
      depth = Math.max(depth, tally.depth);
      aliases += tally.aliases;
      cost += tally.cost;
      spreads += tally.spreads;
    }
    return { depth, aliases, cost, spreads };
  }

  function measureFragment(name: string, free: boolean, sized: Map<string, number> | null): Tally {
    // The same fragment measures differently inside introspection or under a parent's sizedFields.
    const key = `${free ? 'free:' : ''}${sized ? JSON.stringify([...sized]) : ''}:${name}`;
    const known = fragmentTallies.get(key);
    if (known) return known;
    const fragment = fragments.get(name);
    // Unknown or cyclic fragments do not pass validation; measured as nothing if they get here.
    if (!fragment || inProgress.has(key)) return ZERO;
    const type = schema.getType(fragment.typeCondition.name.value);
    inProgress.add(key);
    const tally = isComposite(type)
      ? measureSelections(fragment.selectionSet, type, free, sized)
      : ZERO;
    inProgress.delete(key);
    fragmentTallies.set(key, tally);
    return tally;
  }

  function measureField(
    field: FieldNode,
    parent: GraphQLCompositeType,
    free: boolean,
    sized: Map<string, number> | null,
  ): Tally {
    const name = field.name.value;
    const aliased = field.alias ? 1 : 0;
    const definition = fieldDefinition(schema, parent, name);
    if (!definition) return { depth: 1, aliases: aliased, cost: 0, spreads: 0 };
    const type = namedTypeOf(definition.type);
    const introspection = free || name === '__schema' || name === '__type';
    const { self, sized: childSized } = multiplier(field, definition);
    const children =
      field.selectionSet && isComposite(type)
        ? measureSelections(field.selectionSet, type, introspection, childSized)
        : ZERO;
    const unwrapsOnly = parent.name === '__Type' && name === 'ofType';
    const depth = children.depth + (unwrapsOnly ? 0 : 1);
    const counts = { depth, aliases: aliased + children.aliases, spreads: children.spreads };
    if (introspection) return { ...counts, cost: 0 };
    const weight = weightOf(definition.astNode?.directives) ?? typeWeight(type);
    const times = sized?.get(name) ?? self;
    return { ...counts, cost: times * (weight + children.cost) + argumentsCost(field, definition) };
  }

  /** Root fields of a fragment, memoised like the tallies (a fragment on Query counts once per spread). */
  const rootFieldsOfFragment = new Map<string, number>();
  function countRoot(selectionSet: SelectionSetNode): number {
    let count = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value !== '__typename') count++;
      } else if (selection.kind === Kind.INLINE_FRAGMENT)
        count += countRoot(selection.selectionSet);
      else {
        const name = selection.name.value;
        let known = rootFieldsOfFragment.get(name);
        if (known === undefined) {
          // Set before the walk: a cyclic spread (refused by validation) counts as nothing.
          rootFieldsOfFragment.set(name, 0);
          const fragment = fragments.get(name);
          known = fragment ? countRoot(fragment.selectionSet) : 0;
          rootFieldsOfFragment.set(name, known);
        }
        count += known;
      }
    }
    return count;
  }

  const tally = rootType ? measureSelections(operation.selectionSet, rootType, false, null) : ZERO;
  const shape = {
    depth: tally.depth,
    aliases: tally.aliases,
    rootFields: countRoot(operation.selectionSet),
    fragmentSpreads: tally.spreads,
    cost: tally.cost,
  };
  const literalList = longestLiteralList(document);
  if (!readVariables) {
    const shapes = keptShapes.get(schema) ?? new WeakMap();
    keptShapes.set(schema, shapes);
    shapes.set(operation, { shape, literalList, defaultListSize: options.defaultListSize });
  }
  return { ...shape, longestList: Math.max(literalList, longestVariableList(variables)) };
}

function fieldDefinition(
  schema: GraphQLSchema,
  parent: GraphQLCompositeType,
  name: string,
): GraphQLField<unknown, unknown> | undefined {
  if (name === '__typename') return TypeNameMetaFieldDef;
  if (parent === schema.getQueryType()) {
    if (name === '__schema') return SchemaMetaFieldDef;
    if (name === '__type') return TypeMetaFieldDef;
  }
  return hasFields(parent) ? parent.getFields()[name] : undefined;
}

/** Federation imports directives under their own name or, when not imported, as `federation__name`. */
function directive(
  directives: readonly ConstDirectiveNode[] | undefined,
  name: string,
): ConstDirectiveNode | undefined {
  return directives?.find(
    (candidate) => candidate.name.value === name || candidate.name.value === `federation__${name}`,
  );
}

function directiveArgument(node: ConstDirectiveNode, name: string): ValueNode | undefined {
  return node.arguments?.find((argument) => argument.name.value === name)?.value;
}

function argumentNode(field: FieldNode, name: string): ValueNode | undefined {
  return field.arguments?.find((argument: ArgumentNode) => argument.name.value === name)?.value;
}

function stringList(node: ValueNode | undefined): string[] {
  if (!node) return [];
  if (node.kind === Kind.STRING) return [node.value];
  if (node.kind !== Kind.LIST) return [];
  return node.values.flatMap((value) => (value.kind === Kind.STRING ? [value.value] : []));
}

function weightOf(directives: readonly ConstDirectiveNode[] | undefined): number | undefined {
  const cost = directive(directives, 'cost');
  const weight = cost ? directiveArgument(cost, 'weight') : undefined;
  if (
    !weight ||
    (weight.kind !== Kind.INT && weight.kind !== Kind.FLOAT && weight.kind !== Kind.STRING)
  )
    return undefined;
  const value = Number(weight.value);
  return Number.isFinite(value) ? value : undefined;
}

function typeWeight(type: GraphQLNamedType): number {
  const declared =
    weightOf(type.astNode?.directives) ??
    type.extensionASTNodes
      .map((node) => weightOf(node.directives))
      .find((weight) => weight !== undefined);
  return declared ?? (isComposite(type) ? 1 : 0);
}

function defaultNumber(argument: GraphQLArgument | undefined): number | undefined {
  return typeof argument?.defaultValue === 'number' ? argument.defaultValue : undefined;
}

function longestLiteralList(document: DocumentNode): number {
  let longest = 0;
  visit(document, {
    ListValue(node) {
      longest = Math.max(longest, node.values.length);
    },
  });
  return longest;
}

/** Walks the variables without recursion (a deeply nested JSON value must not exhaust the stack). */
function longestVariableList(variables: Variables): number {
  if (!variables) return 0;
  let longest = 0;
  const pending: unknown[] = [variables];
  while (pending.length > 0) {
    const value = pending.pop();
    if (Array.isArray(value)) {
      longest = Math.max(longest, value.length);
      for (const element of value)
        if (element !== null && typeof element === 'object') pending.push(element);
    } else if (value !== null && typeof value === 'object') {
      for (const element of Object.values(value))
        if (element !== null && typeof element === 'object') pending.push(element);
    }
  }
  return longest;
}
