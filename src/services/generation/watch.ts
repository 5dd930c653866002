/**
 * A generation's event stream as a transport-agnostic core: graphql-ws, an HTTP callback or a test
 * all read it the same way. Finished generations replay from the store (their text cut at the
 * stored delta lengths), running ones from the bus; either way `afterSeq` skips what a client has.
 * A replay reads the text a page at a time, so a subscriber that reads slowly holds one page, not
 * the whole draft (issue 14).
 */
import { ErrorCode, ServiceError, notFound } from '../../errors.js';
import type {
  GenerationRecord,
  GenerationRepository,
  StreamHead,
} from '../../infra/store/generations.js';
import type { StreamBus } from '../../infra/streams/bus.js';

/** The next piece of a running generation's text (`GenerationTextDelta`). */
export interface GenerationTextDeltaView {
  kind: 'delta';
  seq: number;
  text: string;
}

/** The last event of a stream, with the finished generation (`GenerationFinished`). */
export interface GenerationFinishedView {
  kind: 'finished';
  seq: number;
  generation: GenerationRecord;
}

/** One event of a generation's stream, told apart by `kind`. */
export type GenerationEventView = GenerationTextDeltaView | GenerationFinishedView;

export interface WatchDependencies {
  generations: GenerationRepository;
  bus: StreamBus;
  /** Registers a subscriber of a running generation; returns its leave function. */
  watch?: (id: string) => () => void;
  /**
   * The stored outcome of a generation running in this process, once it ends (null if storing
   * it failed); undefined when it runs elsewhere. Spares every subscriber a read of the row that
   * the runner has just written.
   */
  outcome?: (id: string) => Promise<GenerationRecord | null> | undefined;
  /**
   * The account of a generation running in this process (its row stored); undefined when it does
   * not run here. Spares its subscribers the read of the row when they subscribe.
   */
  runningHere?: (id: string) => string | undefined;
}

/** Deltas read from the store at once by a replay: a few KiB of text at token sizes. */
const REPLAY_PAGE_DELTAS = 256;

/** A finished generation's stored text cut back into the deltas it was streamed as, page by page. */
async function* replayFinished(
  generations: GenerationRepository,
  accountId: string,
  id: string,
  head: StreamHead,
  afterSeq: number,
): AsyncIterable<GenerationEventView> {
  if (!head.lengthsCoverText) {
    // Text stored without lengths (or with lengths too short for it) replays as one delta: exact.
    const record = await generations.findById(accountId, id);
    if (!record) return;
    const deltas = record.text ? [record.text] : [];
    for (let seq = afterSeq + 1; seq < deltas.length; seq++)
      yield { kind: 'delta', seq, text: deltas[seq]! };
    if (afterSeq < deltas.length)
      yield { kind: 'finished', seq: deltas.length, generation: record };
    return;
  }
  // The text is walked from its start (PostgreSQL cannot cut it at a JavaScript offset), and what
  // precedes `afterSeq` dropped; `pending` holds what a page read beyond its deltas.
  let pending = '';
  let nextChar = 0;
  for (let seq = 0; seq < head.deltas;) {
    const page = await generations.replayPage(accountId, id, {
      fromSeq: seq,
      count: REPLAY_PAGE_DELTAS,
      fromChar: nextChar,
      held: pending.length,
    });
    if (!page || page.lengths.length === 0) return;
    nextChar += [...page.text].length;
    pending += page.text;
    for (const length of page.lengths) {
      const delta = pending.slice(0, length);
      pending = pending.slice(length);
      if (seq > afterSeq) yield { kind: 'delta', seq, text: delta };
      seq++;
    }
  }
  if (afterSeq < head.deltas) {
    // The final event carries the whole generation, as its selection may ask for the text.
    const record = await generations.findById(accountId, id);
    if (record) yield { kind: 'finished', seq: head.deltas, generation: record };
  }
}

/**
 * Checks that the caller may watch `id` before returning the events, so a wrong id fails the
 * subscription itself (a GraphQL error with NOT_FOUND) rather than its first event.
 */
export async function watchGeneration(
  deps: WatchDependencies,
  accountId: string,
  id: string,
  afterSeq: number | null | undefined,
  signal: AbortSignal,
): Promise<AsyncIterable<GenerationEventView>> {
  const after = Math.max(-1, afterSeq ?? -1);
  const owner = deps.runningHere?.(id);
  if (owner !== undefined) {
    // Another account's generation is as absent as the row read would have made it.
    if (owner !== accountId) throw notFound('generation', id);
    return runningEvents(deps, accountId, id, after, signal);
  }
  // Neither the text nor the draft's input is read here: a subscriber may stay a long while, and
  // thousands may be open.
  const head = await deps.generations.streamHead(accountId, id);
  if (!head) throw notFound('generation', id);
  return head.status === 'RUNNING'
    ? runningEvents(deps, accountId, id, after, signal)
    : replayFinished(deps.generations, accountId, id, head, after);
}

async function* runningEvents(
  deps: WatchDependencies,
  accountId: string,
  id: string,
  after: number,
  signal: AbortSignal,
): AsyncIterable<GenerationEventView> {
  if (!(await deps.bus.has(id))) {
    // It may have finished (and its stream expired) between the two reads.
    const latest = await deps.generations.streamHead(accountId, id);
    if (latest && latest.status !== 'RUNNING') {
      yield* replayFinished(deps.generations, accountId, id, latest, after);
      return;
    }
    throw new ServiceError(
      ErrorCode.SERVICE_UNAVAILABLE,
      `generation ${id} is running but its stream is not reachable from this server`,
    );
  }
  const leave = deps.watch?.(id);
  // Taken now: once the end event is out, the runner may already have forgotten the generation.
  const outcome = deps.outcome?.(id);
  try {
    for await (const event of deps.bus.read(id, after, signal)) {
      if (event.type === 'delta') {
        yield { kind: 'delta', seq: event.seq, text: event.text };
      } else {
        const finished = (await outcome) ?? (await deps.generations.findById(accountId, id));
        // The row went while the stream ran: the final event has no generation to carry.
        if (!finished) throw notFound('generation', id);
        yield { kind: 'finished', seq: event.seq, generation: finished };
        return;
      }
    }
  } finally {
    leave?.();
  }
}
