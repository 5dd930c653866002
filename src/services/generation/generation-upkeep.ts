/**
 * Generations outlive a replica that dies (SIGKILL, a lost node) only as RUNNING rows nobody will
 * finish. With a shared database every replica, once per interval, heartbeats the generations it
 * runs (one UPDATE for all of them) and sweeps those whose heartbeat went stale: each is marked
 * INTERRUPTED with the partial text its subscribers saw (read back from its stream), and its
 * stream gets the final event, so subscribers on any replica learn how it ended. The sweep's
 * UPDATE is conditional (still RUNNING, still stale), so replicas sweeping at once never both win.
 * On a scale-out bus the same tick looks for subscribers on other replicas (runner.ts).
 *
 * The embedded store needs none of this: one process owns it, and interrupts at start-up whatever
 * was left running (services.ts).
 */
import { ErrorCode } from '../../errors.js';
import type { Logger } from '../../infra/observability/logger.js';
import type { GenerationRecord, GenerationRepository } from '../../infra/store/generations.js';
import type { StreamBus } from '../../infra/streams/bus.js';
import type { GenerationRunner } from './runner.js';

export interface UpkeepDependencies {
  generations: GenerationRepository;
  bus: StreamBus;
  runner: Pick<GenerationRunner, 'runningIds' | 'checkRemoteWatchers'>;
  logger: Logger;
  /** Heartbeat (and sweep) interval, ms. */
  intervalMs: number;
  /** A RUNNING generation whose heartbeat is older than this is orphaned, ms. */
  staleAfterMs: number;
  /** Heartbeat and sweep: only with a database shared by several replicas. */
  sharedStore: boolean;
  /** Told of each generation this process swept (metrics); must not throw. */
  onSwept?: (generation: GenerationRecord) => void;
}

/** Orphans handled per sweep; more wait for the next interval. */
const SWEEP_BATCH = 100;

const ORPHANED = {
  code: ErrorCode.INTERRUPTED,
  message: 'interrupted: the server running it stopped unexpectedly',
};

export class GenerationUpkeep {
  private timer: NodeJS.Timeout | undefined;
  private tick: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Problems are logged once per outage, not once per interval. */
  private readonly failing = new Set<string>();

  constructor(private readonly deps: UpkeepDependencies) {}

  start(): void {
    if (!this.deps.sharedStore && !this.deps.bus.watchers) return;
    const schedule = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        this.tick = this.runOnce().finally(schedule);
      }, this.deps.intervalMs);
      this.timer.unref();
    };
    schedule();
  }

  /** Stops the interval; waits for a tick under way. Call after the runner has drained. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.tick;
  }

  /** One interval's work: heartbeat, sweep, remote watchers. Never throws. */
  async runOnce(): Promise<void> {
    if (this.deps.sharedStore) {
      await this.guard('heartbeat', async () => {
        await this.deps.generations.heartbeat(this.deps.runner.runningIds);
        await this.sweep();
      });
    }
    if (this.deps.bus.watchers)
      await this.guard('remote watchers', () => this.deps.runner.checkRemoteWatchers());
  }

  private async guard(task: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
      if (this.failing.delete(task)) this.deps.logger.info({ task }, 'generation upkeep recovered');
    } catch (error) {
      if (!this.failing.has(task))
        this.deps.logger.warn(
          { err: error, task },
          'generation upkeep failed; retrying every interval',
        );
      this.failing.add(task);
    }
  }

  /** Marks orphaned generations INTERRUPTED and ends their streams. Returns how many this process swept. */
  async sweep(): Promise<number> {
    const { generations, staleAfterMs } = this.deps;
    // A generation this process runs is never an orphan, even if its heartbeat lagged (a slow database).
    const own = new Set(this.deps.runner.runningIds);
    let swept = 0;
    for (const id of await generations.findStale(staleAfterMs, SWEEP_BATCH)) {
      if (own.has(id)) continue;
      const published = await this.published(id);
      const deltas = published.deltas;
      const record = await generations.interruptStale(
        id,
        staleAfterMs,
        { text: deltas.join(''), chunkLengths: deltas.map((delta) => delta.length) },
        ORPHANED,
      );
      if (!record) continue;
      swept++;
      this.deps.onSwept?.(record);
      this.deps.logger.warn(
        { generationId: id, deltas: deltas.length },
        'marked an orphaned generation INTERRUPTED: the process running it stopped heartbeating',
      );
      // The final event after the store: a subscriber reading it then finds the stored outcome.
      if (published.open) {
        await this.deps.bus
          .append(id, { seq: deltas.length, type: 'end' })
          .catch((error: unknown) =>
            this.deps.logger.warn(
              { err: error, generationId: id },
              'could not end the stream of an orphaned generation',
            ),
          );
      }
    }
    return swept;
  }

  /**
   * The deltas that reached the bus, and whether the stream is still open for the final event. A
   * stream this bus cannot see (the in-process bus of another replica, or one expired) gives no text.
   */
  private async published(id: string): Promise<{ deltas: string[]; open: boolean }> {
    if (!(await this.deps.bus.has(id))) return { deltas: [], open: false };
    const events = await this.deps.bus.snapshot(id);
    return {
      deltas: events.flatMap((event) => (event.type === 'delta' ? [event.text] : [])),
      open: !events.some((event) => event.type === 'end'),
    };
  }
}
