/**
 * `watchGeneration`: a generation's stream as an async iterable, for any client built on a
 * graphql-ws `Client` (Apollo Client, urql, a script). It is what every client of
 * `generationStream` would otherwise write for itself: after a dropped connection it subscribes
 * again with `afterSeq` set to the last event it yielded, it never yields an event twice (also when
 * graphql-ws's own retry resubscribes with the first `afterSeq` and the server replays), and it
 * ends with the `GenerationFinished` event.
 *
 * It imports nothing of the server (a dependency-cruiser rule keeps it so): a frontend can copy
 * this file, or import it, without pulling in the service.
 */
import type { Client, FormattedExecutionResult } from 'graphql-ws';

/** The next piece of the generation's text. */
export interface GenerationTextDelta {
  __typename: 'GenerationTextDelta';
  seq: number;
  text: string;
}

/** The last event: the finished generation, with the fields `generationSelection` asked for. */
export interface GenerationFinished<Generation> {
  __typename: 'GenerationFinished';
  seq: number;
  generation: Generation;
}

export type GenerationStreamEvent<Generation> =
  GenerationTextDelta | GenerationFinished<Generation>;

/** The finished generation as the default `generationSelection` selects it. */
export interface FinishedGeneration {
  id: string;
  status: 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'INTERRUPTED';
  text: string;
  error: { code: string; message: string } | null;
}

export interface WatchGenerationOptions {
  /** The generation to watch. */
  id: string;
  /**
   * The last `seq` the caller already has, such as the `lastSeq` read with a running generation's
   * `text`; omit (or null) to start at the beginning.
   */
  afterSeq?: number | null;
  /**
   * The fields of the finished `Generation` the last event carries, as a GraphQL selection.
   * Default: `id status text error { code message }`.
   */
  generationSelection?: string;
  /**
   * How many times in a row to subscribe again after a drop that brought no new event before
   * giving up with the drop's error. Default 5.
   */
  maxRetries?: number;
  /** Milliseconds to wait before the given retry (1, 2, ...). Default 250 ms doubling to 5 s. */
  retryDelayMs?: (retry: number) => number;
  /** Stops watching: the iteration ends, and the subscription is completed. */
  signal?: AbortSignal;
}

/** A stream that cannot go on: the server refused it (`errors`) or the connection kept failing (`cause`). */
export class WatchGenerationError extends Error {
  override name = 'WatchGenerationError';
  constructor(
    message: string,
    /** The GraphQL errors the server answered with, when it refused the subscription. */
    readonly errors: readonly { message: string; extensions?: Record<string, unknown> }[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const DEFAULT_GENERATION_SELECTION = 'id status text error { code message }';

/**
 * Close codes after which subscribing again can succeed: normal closures, going away, abnormal
 * closures and restarts, graphql-ws's own termination (4499), and the server's 4403 ("retry
 * later": its store was unreachable). Others (4400 bad request, 4401 unauthorized, ...) are final.
 */
const RETRYABLE_CLOSE_CODES = new Set([
  1000, 1001, 1005, 1006, 1012, 1013, 1014, 4403, 4408, 4499, 4504,
]);

/**
 * The events of generation `id`, ordered by `seq`, each once, resuming after dropped
 * connections, ending with the `GenerationFinished` event (or at once, with no event, when
 * `afterSeq` was already its seq). Event kinds this version does not know are skipped (their
 * `seq` still counts as received). Throws `WatchGenerationError` when the server refuses the
 * subscription (an unknown id, a missing scope, a limit) or the connection keeps failing.
 */
export async function* watchGeneration<Generation = FinishedGeneration>(
  client: Client,
  options: WatchGenerationOptions,
): AsyncGenerator<GenerationStreamEvent<Generation>, void, undefined> {
  const query = `subscription WatchGeneration($id: ID!, $afterSeq: Int) {
  generationStream(id: $id, afterSeq: $afterSeq) {
    __typename
    seq
    ... on GenerationTextDelta { text }
    ... on GenerationFinished { generation { ${options.generationSelection ?? DEFAULT_GENERATION_SELECTION} } }
  }
}`;
  const maxRetries = options.maxRetries ?? 5;
  const retryDelayMs = options.retryDelayMs ?? ((retry) => Math.min(5_000, 250 * 2 ** (retry - 1)));
  let lastSeq = options.afterSeq ?? null;
  let retries = 0;
  for (;;) {
    if (options.signal?.aborted) return;
    const results = client.iterate<{ generationStream: GenerationStreamEvent<Generation> }>({
      query,
      variables: { id: options.id, afterSeq: lastSeq },
    });
    const stop = () => void results.return?.();
    options.signal?.addEventListener('abort', stop, { once: true });
    let dropped: unknown;
    let progressed = false;
    try {
      for await (const result of results) {
        const event = eventOf(result);
        // A replay of what was already yielded (graphql-ws resubscribes with the first afterSeq).
        if (event === undefined || (lastSeq !== null && event.seq <= lastSeq)) continue;
        lastSeq = event.seq;
        retries = 0;
        progressed = true;
        if (event.__typename === 'GenerationTextDelta') yield event;
        else if (event.__typename === 'GenerationFinished') {
          yield event;
          return;
        }
      }
      // The server completed the subscription without its final event. With nothing new, it has
      // nothing after `afterSeq` (it was the final event's seq already): the stream is over.
      // Otherwise (a server draining its connections, say) ask again for the rest.
      if (!progressed) return;
    } catch (error) {
      if (error instanceof WatchGenerationError || !retryable(error)) throw refusal(error);
      dropped = error;
    } finally {
      options.signal?.removeEventListener('abort', stop);
      await results.return?.();
    }
    if (dropped === undefined) continue;
    if (options.signal?.aborted) return;
    retries++;
    if (retries > maxRetries)
      throw new WatchGenerationError(
        `generation ${options.id}: the stream dropped ${retries} times in a row without progress`,
        [],
        { cause: dropped },
      );
    await new Promise((resolve) => setTimeout(resolve, retryDelayMs(retries)));
  }
}

/** The event of one result; a result with errors ends the watch (the server refused it). */
function eventOf<Generation>(
  result: FormattedExecutionResult<
    { generationStream: GenerationStreamEvent<Generation> },
    unknown
  >,
): GenerationStreamEvent<Generation> | undefined {
  if (result.errors?.length)
    throw new WatchGenerationError(result.errors[0]!.message, result.errors);
  return result.data?.generationStream ?? undefined;
}

/** Whether subscribing again may succeed: a dropped socket or a failed connection, not a refusal. */
function retryable(error: unknown): boolean {
  if (Array.isArray(error)) return false; // GraphQL errors: the server refused the subscription.
  if (typeof error === 'object' && error !== null && 'code' in error && 'reason' in error)
    return RETRYABLE_CLOSE_CODES.has(Number((error as { code: unknown }).code));
  return error instanceof Error; // the socket could not connect (refused, reset, ...)
}

function refusal(error: unknown): WatchGenerationError {
  if (error instanceof WatchGenerationError) return error;
  if (Array.isArray(error))
    return new WatchGenerationError(
      String((error[0] as { message?: unknown } | undefined)?.message ?? 'subscription refused'),
      error as WatchGenerationError['errors'],
    );
  const message =
    typeof error === 'object' && error !== null && 'code' in error
      ? `the connection closed with ${String((error as { code: unknown }).code)} ${String((error as { reason?: unknown }).reason ?? '')}`.trim()
      : String(error);
  return new WatchGenerationError(message, [], { cause: error });
}
