/**
 * A text delta's result built straight from the event, without running graphql (issue 19).
 *
 * Nearly every event of a stream is a `GenerationTextDelta`, and what a subscriber selects of it
 * is plain data: `__typename`, `seq`, `text`, under aliases, directly or in fragments. Running
 * graphql's execution for it (an execution context, the variables coerced again, the abstract
 * type resolved, every field completed) was most of the per-event work of a subscription. Here
 * the selection is read once per document into the list of what it asks of a delta, and each
 * delta's result is that list applied to the event, keys in the order graphql gives them.
 *
 * Only selections that are plain data qualify: any directive, argument, named fragment or other
 * field and the document is executed as usual. The caller checks the projection against a real
 * execution before it trusts it (see shared-event-results.ts), so a resolver or guard that would
 * have given something else is never skipped.
 */
import type {
  DocumentNode,
  ExecutionResult,
  FieldNode,
  OperationDefinitionNode,
  SelectionNode,
} from 'graphql';
import type { GenerationTextDeltaView } from '../services/generation/watch.js';
import { graphql } from './graphql-runtime.js';

/** A delta event's result, as graphql would have executed it. */
export type DeltaProjection = (event: GenerationTextDeltaView) => ExecutionResult;

/** What each field of a delta gives. */
const DELTA_FIELDS: Record<string, (event: GenerationTextDeltaView) => unknown> = {
  __typename: () => 'GenerationTextDelta',
  seq: (event) => event.seq,
  text: (event) => event.text,
};

/** Type conditions that a delta satisfies. */
const DELTA_TYPES = new Set(['GenerationTextDelta', 'GenerationEvent']);

export function isTextDelta(event: unknown): event is GenerationTextDeltaView {
  return (event as { kind?: unknown } | null)?.kind === 'delta';
}

const projections = new WeakMap<DocumentNode, Map<string, DeltaProjection | null>>();

/**
 * The projection of the named operation's single root field's selection onto a delta; null when the
 * selection is more than plain data. Kept per document and operation name.
 */
export function deltaProjectionOf(
  document: DocumentNode,
  operationName: string | null | undefined,
): DeltaProjection | null {
  let byOperation = projections.get(document);
  if (!byOperation) {
    byOperation = new Map();
    projections.set(document, byOperation);
  }
  let projection = byOperation.get(operationName ?? '');
  if (projection === undefined) {
    const operation = graphql.getOperationAST(document, operationName);
    projection = operation ? project(operation) : null;
    byOperation.set(operationName ?? '', projection);
  }
  return projection;
}

function project(operation: OperationDefinitionNode): DeltaProjection | null {
  const field = operation.selectionSet.selections[0] as FieldNode;
  if (operation.directives?.length || field.directives?.length || !field.selectionSet) return null;
  const keys: string[] = [];
  const getters: ((event: GenerationTextDeltaView) => unknown)[] = [];
  const collect = (selections: readonly SelectionNode[]): boolean => {
    for (const selection of selections) {
      if (selection.directives?.length) return false;
      if (selection.kind === graphql.Kind.INLINE_FRAGMENT) {
        const on = selection.typeCondition?.name.value;
        // A fragment on another kind of event selects nothing of a delta.
        if (on !== undefined && !DELTA_TYPES.has(on)) continue;
        if (!collect(selection.selectionSet.selections)) return false;
        continue;
      }
      if (selection.kind !== graphql.Kind.FIELD) return false;
      const get = DELTA_FIELDS[selection.name.value];
      if (!get || selection.arguments?.length || selection.selectionSet) return false;
      // A key selected twice keeps its first place, as graphql's field collection does.
      const key = selection.alias?.value ?? selection.name.value;
      if (keys.includes(key)) continue;
      keys.push(key);
      getters.push(get);
    }
    return true;
  };
  if (!collect(field.selectionSet.selections)) return null;
  const root = field.alias?.value ?? field.name.value;
  return (event) => {
    const value: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) value[keys[i]!] = getters[i]!(event);
    return { data: { [root]: value } };
  };
}
