/**
 * A generation's event stream as a transport-agnostic core: graphql-ws, an HTTP callback or a test
 * all read it the same way. Finished generations replay from the store (their text cut at the
 * stored delta lengths), running ones from the bus; either way `afterSeq` skips what a client has.
 */
import { ErrorCode, ServiceError, notFound } from '../../errors.js';
import type { GenerationRecord, GenerationRepository } from '../../store/generations.js';
import type { StreamBus } from '../../streams/bus.js';

export interface GenerationEventView {
  seq: number;
  delta: string | null;
  generation: GenerationRecord | null;
}

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

/** The stored text cut back into the deltas it was streamed as. */
export function storedChunks(record: GenerationRecord): string[] {
  const total = record.chunkLengths.reduce((sum, length) => sum + length, 0);
  // Text stored without lengths (or not matching them) replays as one delta: still exact.
  if (total !== record.text.length) return record.text ? [record.text] : [];
  const chunks: string[] = [];
  let offset = 0;
  for (const length of record.chunkLengths) {
    chunks.push(record.text.slice(offset, offset + length));
    offset += length;
  }
  return chunks;
}

async function* replayFinished(
  record: GenerationRecord,
  afterSeq: number,
): AsyncIterable<GenerationEventView> {
  const chunks = storedChunks(record);
  for (let seq = afterSeq + 1; seq < chunks.length; seq++)
    yield { seq, delta: chunks[seq]!, generation: null };
  if (afterSeq < chunks.length) yield { seq: chunks.length, delta: null, generation: record };
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
  const record = await deps.generations.findById(accountId, id);
  if (!record) throw notFound('generation', id);
  // A running generation's events keep only its id, not the row just read: a subscriber stays for
  // the whole stream, and the row carries the draft's input (thousands of streams may be open).
  return record.status === 'RUNNING'
    ? runningEvents(deps, accountId, id, after, signal)
    : replayFinished(record, after);
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
    const latest = await deps.generations.findById(accountId, id);
    if (latest && latest.status !== 'RUNNING') {
      yield* replayFinished(latest, after);
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
        yield { seq: event.seq, delta: event.text, generation: null };
      } else {
        const finished = (await outcome) ?? (await deps.generations.findById(accountId, id));
        yield { seq: event.seq, delta: null, generation: finished };
        return;
      }
    }
  } finally {
    leave?.();
  }
}
