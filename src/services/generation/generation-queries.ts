/**
 * The read side of generations, as resolvers and their loaders ask for it: lookups by id, pages
 * of an account's generations, an incident's drafts, and the event stream of one generation
 * (live from the bus while it runs here or elsewhere, replayed from the store once it ended).
 */
import type { Account, Feature } from '../../domain.js';
import type {
  GenerationFilter,
  GenerationRecord,
  GenerationRepository,
  Page,
} from '../../infra/store/generations.js';
import type { StreamBus } from '../../infra/streams/bus.js';
import type { GenerationRunner } from './runner.js';
import { watchGeneration, type GenerationEventView } from './watch.js';

export interface GenerationQueriesDependencies {
  generations: GenerationRepository;
  bus: StreamBus;
  runner: GenerationRunner;
}

/** How far a generation's text has gone: the text and the seq of the last event behind it, read together. */
export interface StreamProgress {
  text: string;
  /** The seq to pass as `afterSeq` to receive exactly the rest; null when no event came yet. */
  lastSeq: number | null;
}

export class GenerationQueries {
  constructor(private readonly deps: GenerationQueriesDependencies) {}

  /** In the order of `ids`, null where the account has no such generation. */
  byIds(accountId: string, ids: readonly string[]): Promise<(GenerationRecord | null)[]> {
    return this.deps.generations.findByIds(accountId, ids);
  }

  /** A page of drafts (one feature, or all) for every incident, with their counts, in one query. */
  draftsByIncidents(
    accountId: string,
    incidentIds: readonly string[],
    feature: Feature | null,
    first: number,
    after: { createdAt: Date; id: string } | null,
  ): Promise<Map<string, Page<GenerationRecord> & { totalCount: number }>> {
    return this.deps.generations.pageByIncidents(accountId, incidentIds, feature, first, after);
  }

  /** The account's generations, newest first, `first` after the cursor. */
  list(
    account: Account,
    filter: GenerationFilter,
    first: number,
    after: { createdAt: Date; id: string } | null,
  ): Promise<Page<GenerationRecord>> {
    return this.deps.generations.list(account.id, filter, first, after);
  }

  /** How many generations `list` pages through with this filter. */
  count(account: Account, filter: GenerationFilter): Promise<number> {
    return this.deps.generations.count(account.id, filter);
  }

  /**
   * The text of a generation and the seq of the stream event that ends it, from one read: a
   * finished generation's stored row (whose replay ends with the finished event at `lastSeq`), a
   * running one's published deltas (without the end event, should it have finished since the row
   * was read, so that `afterSeq: lastSeq` still delivers the finished generation).
   */
  async progress(record: GenerationRecord): Promise<StreamProgress> {
    if (record.status !== 'RUNNING') return { text: record.text, lastSeq: finishedSeq(record) };
    const events = await this.deps.bus.snapshot(record.id);
    let text = '';
    let lastSeq: number | null = null;
    for (const event of events) {
      if (event.type !== 'delta') break;
      text += event.text;
      lastSeq = event.seq;
    }
    return { text, lastSeq };
  }

  /** A generation's events after `afterSeq`, ending with the finished generation. */
  events(
    account: Account,
    id: string,
    afterSeq: number | null | undefined,
    signal: AbortSignal,
  ): Promise<AsyncIterable<GenerationEventView>> {
    const { generations, bus, runner } = this.deps;
    const watch = {
      generations,
      bus,
      watch: (generationId: string) => runner.watch(generationId),
      outcome: (generationId: string) => runner.outcome(generationId),
      runningHere: (generationId: string) => runner.accountOf(generationId),
    };
    return watchGeneration(watch, account.id, id, afterSeq, signal);
  }
}

/**
 * The seq of a finished generation's last event as watch.ts replays it: one delta per stored
 * length when the lengths cover the text (counted in characters, as the store's check counts
 * them), else the whole text as one delta; the finished event follows the deltas.
 */
function finishedSeq(record: GenerationRecord): number {
  const covered = record.chunkLengths.reduce((sum, length) => sum + length, 0);
  if (covered >= [...record.text].length) return record.chunkLengths.length;
  return record.text ? 1 : 0;
}
