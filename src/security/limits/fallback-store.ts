/**
 * What the limits do while the shared store (Redis) cannot answer: they fall back to this
 * replica's own in-memory store, as a single replica counts, instead of either extreme.
 *
 * - Failing open (no limits) would let one client spend without bound for as long as Redis is
 *   down: the token and dollar limits exist to cap exactly that, and an LLM bill has no undo.
 * - Failing closed (refusing everything) would turn an outage of a counter into an outage of the
 *   whole service, for every account, including those nowhere near a limit.
 *
 * Degraded, every limit still holds per replica: over N replicas an account gets at most N times
 * its requests and tokens per minute and N times its streams. The day's spending goes on from the
 * last total Redis reported to this replica (remembered on every successful read), so an account
 * already at its budget stays refused; what is spent during the outage is counted locally and not
 * written back to Redis afterwards. Counter keys name their period (AccountLimits' budget keys
 * carry the UTC date), so a remembered total is never read after its reset.
 *
 * Each call tries the shared store first (it fails fast: see RedisLimitStore), so the limits are
 * shared again with the first call after Redis is back. A lease goes back to the store that gave
 * it, so a slot taken locally during an outage is freed locally.
 */
import { MemoryLimitStore } from './memory-store.js';
import type { BucketResult, Clock, LeaseResult, LimitStore } from './limit-store.js';

export type LimitOperation = 'take' | 'charge' | 'add' | 'read' | 'acquire' | 'release';

export interface FallbackEvents {
  /** The shared store failed and this operation was answered locally; must not throw. */
  fellBack?(operation: LimitOperation): void;
  /** The shared store started failing (once per outage); must not throw. */
  degraded?(error: unknown): void;
  /** The shared store answered again after failing; must not throw. */
  recovered?(): void;
}

/** Remembered counter totals at most; the oldest are forgotten first. */
const REMEMBERED = 10_000;

export class FallbackLimitStore implements LimitStore {
  private readonly local: MemoryLimitStore;
  private failing = false;
  /** The last total the shared store gave for each counter. */
  private readonly lastTotals = new Map<string, number>();
  /** Where each holder's references were taken, oldest first. */
  private readonly placed = new Map<string, ('shared' | 'local')[]>();

  constructor(
    private readonly shared: LimitStore,
    clock: Clock,
    private readonly events: FallbackEvents = {},
  ) {
    this.local = new MemoryLimitStore(clock);
  }

  /** Whether the last call to the shared store failed. */
  get degraded(): boolean {
    return this.failing;
  }

  private async attempt<T>(
    operation: LimitOperation,
    shared: () => Promise<T>,
    local: () => Promise<T>,
  ): Promise<{ value: T; shared: boolean }> {
    try {
      const value = await shared();
      if (this.failing) {
        this.failing = false;
        this.events.recovered?.();
      }
      return { value, shared: true };
    } catch (error) {
      if (!this.failing) {
        this.failing = true;
        this.events.degraded?.(error);
      }
      this.events.fellBack?.(operation);
      return { value: await local(), shared: false };
    }
  }

  private remember(key: string, total: number): number {
    this.lastTotals.delete(key);
    this.lastTotals.set(key, total);
    if (this.lastTotals.size > REMEMBERED)
      this.lastTotals.delete(this.lastTotals.keys().next().value!);
    return total;
  }

  async take(
    key: string,
    cost: number,
    capacity: number,
    refillPerSecond: number,
  ): Promise<BucketResult> {
    return (
      await this.attempt(
        'take',
        () => this.shared.take(key, cost, capacity, refillPerSecond),
        () => this.local.take(key, cost, capacity, refillPerSecond),
      )
    ).value;
  }

  async charge(
    key: string,
    amount: number,
    capacity: number,
    refillPerSecond: number,
  ): Promise<BucketResult> {
    return (
      await this.attempt(
        'charge',
        () => this.shared.charge(key, amount, capacity, refillPerSecond),
        () => this.local.charge(key, amount, capacity, refillPerSecond),
      )
    ).value;
  }

  async add(key: string, amount: number, resetAtMs: number): Promise<number> {
    const { value, shared } = await this.attempt(
      'add',
      () => this.shared.add(key, amount, resetAtMs),
      () => this.local.add(key, amount, resetAtMs),
    );
    return shared ? this.remember(key, value) : value + (this.lastTotals.get(key) ?? 0);
  }

  async read(key: string): Promise<number> {
    const { value, shared } = await this.attempt(
      'read',
      () => this.shared.read(key),
      () => this.local.read(key),
    );
    return shared ? this.remember(key, value) : value + (this.lastTotals.get(key) ?? 0);
  }

  async acquire(key: string, holder: string, limit: number): Promise<LeaseResult> {
    const { value, shared } = await this.attempt(
      'acquire',
      () => this.shared.acquire(key, holder, limit),
      () => this.local.acquire(key, holder, limit),
    );
    if (value.allowed) {
      const id = `${key}\n${holder}`;
      this.placed.set(id, [...(this.placed.get(id) ?? []), shared ? 'shared' : 'local']);
    }
    return value;
  }

  async release(key: string, holder: string): Promise<void> {
    const id = `${key}\n${holder}`;
    const places = this.placed.get(id);
    const place = places?.shift();
    if (places?.length === 0) this.placed.delete(id);
    if (place === 'local') return this.local.release(key, holder);
    // Not told (Redis still down): the shared store lets the lease expire (RedisLimitStore).
    await this.attempt(
      'release',
      () => this.shared.release(key, holder),
      async () => undefined,
    );
  }

  async close(): Promise<void> {
    await this.shared.close?.();
  }
}
