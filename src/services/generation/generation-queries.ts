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

export class GenerationQueries {
  constructor(private readonly deps: GenerationQueriesDependencies) {}

  /** In the order of `ids`, null where the account has no such generation. */
  byIds(accountId: string, ids: readonly string[]): Promise<(GenerationRecord | null)[]> {
    return this.deps.generations.findByIds(accountId, ids);
  }

  /** The newest `perFeature` drafts of each feature for every incident, in one query. */
  latestByIncidents(
    accountId: string,
    incidentIds: readonly string[],
    features: readonly Feature[],
    perFeature: number,
  ): Promise<GenerationRecord[]> {
    return this.deps.generations.latestByIncidents(accountId, incidentIds, features, perFeature);
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
