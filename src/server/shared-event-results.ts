/**
 * A generation's stream events executed once for all the subscribers that would get the same
 * result, rather than once per subscriber.
 *
 * graphql runs a subscription's selection set on every event for every subscriber: with many
 * watchers of one generation (a dashboard, an incident channel, the router's fan-out), the same
 * event went through the same execution as many times. What that execution gives depends on the
 * document and operation, the variables, the caller (account and scopes: the field guards and
 * tenancy read them) and the event; subscribers for whom all are equal now get the very same
 * `ExecutionResult`, and graphql-ws only wraps it in each subscriber's own message.
 *
 * Events are made afresh for each subscriber (read from the bus, or replayed from the store), so
 * one is recognised by its `seq` within the generation the variables name: by the stream's
 * contract every subscriber sees the same event under the same `seq`, whatever `afterSeq` it
 * subscribed with. Only `generationStream` is
 * shared; any other subscription runs as graphql runs it.
 *
 * A text delta's result is not executed at all once the operation's projection (see
 * delta-projection.ts) has given, for the first delta it was tried on, exactly what execution gave.
 */
import type {
  DocumentNode,
  ExecutionArgs,
  ExecutionResult,
  FieldNode,
  OperationDefinitionNode,
} from 'graphql';
import type { RequestContext } from '../graphql/context.js';
import { deltaProjectionOf, isTextDelta, type DeltaProjection } from './delta-projection.js';
import { graphql } from './graphql-runtime.js';

/**
 * Results kept: the events subscribers are receiving now. Every subscriber of a generation gets
 * an event within milliseconds of the others, so a result older than KEEP_MS is of no more use,
 * and dropping it bounds the memory (a final event's result holds the whole generation) whatever
 * the number of streams.
 */
const MAX_RESULTS = 4_096;
const KEEP_MS = 1_000;

type Execute = (args: ExecutionArgs) => Promise<ExecutionResult> | ExecutionResult;

export class SharedEventResults {
  private readonly results = new Map<
    string,
    { result: Promise<ExecutionResult> | ExecutionResult; at: number }
  >();
  private readonly documentIds = new WeakMap<DocumentNode, number>();
  private nextDocumentId = 0;
  /**
   * Per projection key: whether its delta projection gave what execution gave, on the first delta
   * of the first stream it was subscribed to.
   */
  private readonly projectionChecks = new Map<string, boolean>();
  /**
   * Results made (one per event and key), and events answered with a result made for another
   * subscriber; `projected` of the results made, those built by a delta projection, not executed.
   */
  readonly counts = { executed: 0, shared: 0, projected: 0 };

  constructor(private readonly execute: Execute = (args) => graphql.execute(args)) {}

  /** graphql's `subscribe`, with the events of a shareable operation executed once per key. */
  readonly subscribe = async (
    args: ExecutionArgs,
  ): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> => {
    const source = await graphql.createSourceEventStream(args);
    if (!(Symbol.asyncIterator in source)) return source;
    const keys = this.keysOf(args);
    const projection =
      keys === undefined ? null : deltaProjectionOf(args.document, args.operationName);
    return mapEvents(source, (event) => {
      const seq = (event as { seq?: unknown } | null)?.seq;
      if (keys === undefined || typeof seq !== 'number') {
        this.counts.executed++;
        return this.execute({ ...args, rootValue: event });
      }
      const key = `${keys.operation}\u0000${seq}`;
      const now = performance.now();
      const kept = this.results.get(key);
      if (kept !== undefined && now - kept.at < KEEP_MS) {
        this.counts.shared++;
        return kept.result;
      }
      this.counts.executed++;
      const result = this.resultOf(keys.projection, projection, args, event);
      this.results.delete(key);
      this.results.set(key, { result, at: now });
      // Oldest first (insertion order): drop what is too old, and the oldest beyond the bound.
      for (const [oldKey, oldest] of this.results) {
        if (now - oldest.at < KEEP_MS && this.results.size <= MAX_RESULTS) break;
        this.results.delete(oldKey);
      }
      return result;
    });
  };

  /** The event's result: projected once its operation's projection is known to give what execution gives. */
  private resultOf(
    projectionKey: string,
    projection: DeltaProjection | null,
    args: ExecutionArgs,
    event: unknown,
  ): Promise<ExecutionResult> | ExecutionResult {
    if (projection === null || !isTextDelta(event))
      return this.execute({ ...args, rootValue: event });
    const checked = this.projectionChecks.get(projectionKey);
    if (checked === true) {
      this.counts.projected++;
      return projection(event);
    }
    const executed = this.execute({ ...args, rootValue: event });
    if (checked === false) return executed;
    const check = (result: ExecutionResult) => {
      this.projectionChecks.set(
        projectionKey,
        JSON.stringify(result) === JSON.stringify(projection(event)),
      );
      // Oldest first: a key not looked at for MAX_RESULTS others is checked again if it comes back.
      for (const oldKey of this.projectionChecks.keys()) {
        if (this.projectionChecks.size <= MAX_RESULTS) break;
        this.projectionChecks.delete(oldKey);
      }
      return result;
    };
    return executed instanceof Promise ? executed.then(check) : check(executed);
  }

  /**
   * What, besides the event, decides its result (`operation`), and what decides a delta's result
   * once the operation's projection qualifies (`projection`): the same less the variables, which
   * only name the stream (a projection's selection has no directive nor argument that could read
   * them), so that the check against execution is made once, not on every stream's first delta.
   * Undefined when the operation is not shared.
   */
  private keysOf(args: ExecutionArgs): { operation: string; projection: string } | undefined {
    const operation = graphql.getOperationAST(args.document, args.operationName);
    const fields = operation?.selectionSet.selections;
    if (
      fields?.length !== 1 ||
      fields[0]!.kind !== graphql.Kind.FIELD ||
      fields[0]!.name.value !== 'generationStream'
    )
      return undefined;
    const field = fields[0]!;
    const context = args.contextValue as RequestContext | undefined;
    if (!context?.account) return undefined;
    let documentId = this.documentIds.get(args.document);
    if (documentId === undefined) {
      documentId = this.nextDocumentId++;
      this.documentIds.set(args.document, documentId);
    }
    const projection = [
      documentId,
      args.operationName ?? '',
      context.account.id,
      [...context.account.scopes].sort().join(' '),
    ].join('\u0000');
    const variables = variablesDecidingResults(field, operation!, args.variableValues ?? {});
    return { operation: `${projection}\u0000${JSON.stringify(variables)}`, projection };
  }
}

/**
 * The variables that can change an event's result: all but the one given only as the stream's
 * `afterSeq`, which decides where a subscriber starts, not what an event gives. Pages that
 * subscribe with their own `afterSeq: lastSeq` share the events they have in common with every
 * other subscriber. A variable also used elsewhere in the operation stays.
 */
function variablesDecidingResults(
  field: FieldNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): Record<string, unknown> {
  const afterSeq = field.arguments?.find((argument) => argument.name.value === 'afterSeq')?.value;
  if (afterSeq?.kind !== graphql.Kind.VARIABLE) return variables;
  const name = afterSeq.name.value;
  let uses = 0;
  graphql.visit(operation.selectionSet, {
    Variable(node) {
      if (node.name.value === name) uses++;
    },
  });
  if (uses !== 1) return variables;
  const { [name]: _start, ...deciding } = variables;
  return deciding;
}

/**
 * `source` with each event mapped, as graphql's own mapping does; not an async generator, so that
 * `return()` reaches the source at once rather than after its pending `next()` (see websocket.ts).
 */
function mapEvents(
  source: AsyncIterable<unknown>,
  map: (event: unknown) => Promise<ExecutionResult> | ExecutionResult,
): AsyncGenerator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  const done: IteratorReturnResult<undefined> = { done: true, value: undefined };
  const mapped: AsyncGenerator<ExecutionResult> = {
    async next() {
      const next = await iterator.next();
      return next.done ? done : { done: false, value: await map(next.value) };
    },
    async return() {
      await iterator.return?.();
      return done;
    },
    async throw(error: unknown) {
      await iterator.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return mapped;
    },
  };
  return mapped;
}
