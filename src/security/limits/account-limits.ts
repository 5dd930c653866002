/**
 * Per-account abuse limits (issue #7): requests per minute, LLM tokens per minute, dollars per UTC
 * day and streams at once. Over a limit, a ServiceError with RATE_LIMITED whose extensions say
 * which limit (`rule`), its value (`limit`) and when to retry (`retryAfterSeconds`).
 *
 * - Requests: every GraphQL operation (query, mutation, subscription; HTTP or graphql-ws) takes one
 *   token from a bucket of `requestsPerMinute`, refilled continuously (a burst of the whole minute
 *   is allowed, then one every 60/N seconds).
 * - Tokens: input + output tokens of every provider call are charged after it answers (cache hits
 *   are free), even beyond the bucket (a debt); while the bucket is empty or in debt, no new
 *   generation or LLM call starts. One call is never cut off midway.
 * - Spending: the cost of every call is added to the account's total of the UTC day; once it
 *   reaches `dailyBudgetUsd`, nothing more starts until the next UTC midnight.
 * - Streams: a "stream" is one generation the account is streaming. It holds a slot from the moment
 *   a generation starts with `stream: true`, or a `generationStream` subscription to it opens,
 *   until the generation has finished and the account's last subscription to it has closed; several
 *   subscriptions to the same generation share its slot (start-then-watch is one stream, not two).
 *
 * A limit of 0 turns that limit off.
 */
import { ErrorCode, ServiceError } from '../../errors.js';
import { systemClock, type Clock, type LimitStore } from './limit-store.js';

export interface RateLimits {
  requestsPerMinute: number;
  tokensPerMinute: number;
  dailyBudgetUsd: number;
  maxConcurrentStreams: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = {
  requestsPerMinute: 600,
  tokensPerMinute: 200_000,
  dailyBudgetUsd: 50,
  maxConcurrentStreams: 20,
};

export type RateRule =
  | 'requestsPerMinute'
  | 'tokensPerMinute'
  | 'dailyBudgetUsd'
  | 'maxConcurrentStreams'
  // Enforced by the websocket server (server/subscription-limits.ts).
  | 'subscriptionsPerSocket'
  | 'subscriptionsPerAccount';

export interface UsageCharge {
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

const DAY_MS = 86_400_000;

export function rateLimited(
  rule: RateRule,
  limit: number,
  retryAfterMs: number,
  message: string,
): ServiceError {
  const retryAfterSeconds = Number.isFinite(retryAfterMs)
    ? Math.max(1, Math.ceil(retryAfterMs / 1000))
    : DAY_MS / 1000;
  return new ServiceError(ErrorCode.RATE_LIMITED, `${message}; retry in ${retryAfterSeconds} s`, {
    rule,
    limit,
    retryAfterSeconds,
  });
}

/** What the limits tell the rest of the service; every callback must not throw. */
export interface LimitEvents {
  /** Recording usage failed (the store could not be reached). */
  usageNotRecorded?(error: unknown): void;
  /** A request, call, generation or stream was refused by `rule`. */
  rejected?(rule: RateRule): void;
}

export class AccountLimits {
  constructor(
    private readonly store: LimitStore,
    readonly limits: RateLimits,
    /** Shared with the store; tests move time through it. */
    readonly clock: Clock = systemClock,
    private readonly events: LimitEvents = {},
  ) {}

  private refuse(
    rule: RateRule,
    limit: number,
    retryAfterMs: number,
    message: string,
  ): ServiceError {
    this.events.rejected?.(rule);
    return rateLimited(rule, limit, retryAfterMs, message);
  }

  private readonly usageNotRecorded = (error: unknown): void =>
    this.events.usageNotRecorded?.(error);

  /** Counts one GraphQL operation of the account; throws RATE_LIMITED over `requestsPerMinute`. */
  async countRequest(accountId: string): Promise<void> {
    const perMinute = this.limits.requestsPerMinute;
    if (perMinute <= 0) return;
    const result = await this.store.take(
      `limits:requests:${accountId}`,
      1,
      perMinute,
      perMinute / 60,
    );
    if (!result.allowed)
      throw this.refuse(
        'requestsPerMinute',
        perMinute,
        result.retryAfterMs,
        `too many requests: this account may send ${perMinute} operations per minute`,
      );
  }

  /**
   * Before an LLM call or a generation starts: refuses with RATE_LIMITED while the account's token
   * bucket is empty or its spending of the day has reached the budget.
   */
  async checkSpend(accountId: string): Promise<void> {
    const { tokensPerMinute, dailyBudgetUsd } = this.limits;
    if (tokensPerMinute > 0) {
      const tokens = await this.store.charge(
        `limits:tokens:${accountId}`,
        0,
        tokensPerMinute,
        tokensPerMinute / 60,
      );
      if (!tokens.allowed)
        throw this.refuse(
          'tokensPerMinute',
          tokensPerMinute,
          tokens.retryAfterMs,
          `LLM token limit reached: this account may use ${tokensPerMinute} tokens per minute`,
        );
    }
    if (dailyBudgetUsd > 0) {
      const spent = await this.store.read(this.budgetKey(accountId));
      if (spent >= dailyBudgetUsd) {
        throw this.refuse(
          'dailyBudgetUsd',
          dailyBudgetUsd,
          this.nextUtcMidnight() - this.clock.now(),
          `daily budget reached: this account spent $${spent.toFixed(4)} of its $${dailyBudgetUsd} for today (UTC)`,
        );
      }
    }
  }

  /** After an LLM call answered: charges its tokens and cost. Never throws. */
  async recordUsage(accountId: string, usage: UsageCharge): Promise<void> {
    const { tokensPerMinute, dailyBudgetUsd } = this.limits;
    try {
      const tokens = usage.inputTokens + usage.outputTokens;
      if (tokensPerMinute > 0 && tokens > 0)
        await this.store.charge(
          `limits:tokens:${accountId}`,
          tokens,
          tokensPerMinute,
          tokensPerMinute / 60,
        );
      if (dailyBudgetUsd > 0 && usage.costUsd > 0)
        await this.store.add(this.budgetKey(accountId), usage.costUsd, this.nextUtcMidnight());
    } catch (error) {
      this.usageNotRecorded(error);
    }
  }

  /** Before a generation is stored: the spend check, then, for a streamed one, its stream slot. */
  async admitGeneration(request: {
    accountId: string;
    stream: boolean;
    generationId: string;
  }): Promise<() => void> {
    await this.checkSpend(request.accountId);
    return request.stream
      ? this.acquireStream(request.accountId, request.generationId)
      : () => undefined;
  }

  /**
   * Takes a stream slot of the account for the generation `generationId` (see the module comment);
   * throws RATE_LIMITED when `maxConcurrentStreams` other generations hold one. Returns the release,
   * which may be called any number of times.
   */
  async acquireStream(accountId: string, generationId: string): Promise<() => void> {
    const limit = this.limits.maxConcurrentStreams;
    if (limit <= 0) return () => undefined;
    const key = `limits:streams:${accountId}`;
    const result = await this.store.acquire(key, generationId, limit);
    if (!result.allowed)
      throw this.refuse(
        'maxConcurrentStreams',
        limit,
        1000,
        `too many streams: this account may stream ${limit} generations at once; wait for one to finish`,
      );
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.store.release(key, generationId).catch(this.usageNotRecorded);
    };
  }

  /** The UTC day's spending so far. */
  spentToday(accountId: string): Promise<number> {
    return this.store.read(this.budgetKey(accountId));
  }

  /** Lets go of the store's connections, if any. */
  async close(): Promise<void> {
    await this.store.close?.();
  }

  private budgetKey(accountId: string): string {
    return `limits:spend:${accountId}:${new Date(this.clock.now()).toISOString().slice(0, 10)}`;
  }

  private nextUtcMidnight(): number {
    return (Math.floor(this.clock.now() / DAY_MS) + 1) * DAY_MS;
  }
}

/**
 * Wraps a subscription's events so that `release` runs when it ends, however it ends: completed,
 * failed, returned by the client, or aborted before its first event was read. A plain iterator
 * delegating to the source rather than an async generator: every open subscription (two of these
 * each: the socket's cap and the account's stream slot) would hold a generator's suspended frame,
 * and every event would pay its hop.
 */
export function releasingOnEnd<T>(
  source: AsyncIterable<T>,
  release: () => void,
  signal: AbortSignal,
): AsyncIterable<T> {
  if (signal.aborted) release();
  else signal.addEventListener('abort', release, { once: true });
  const end = () => {
    signal.removeEventListener('abort', release);
    release();
  };
  // Created at the first call, as a generator would: nothing of the source runs before it is read.
  let iterator: AsyncIterator<T> | undefined;
  const of = () => (iterator ??= source[Symbol.asyncIterator]());
  // Handlers shared by every read: a pending read holds one promise reaction, no suspended frame.
  const settled = (result: IteratorResult<T>) => {
    if (result.done) end();
    return result;
  };
  const failed = (error: unknown): never => {
    end();
    throw error;
  };
  const events: AsyncIterableIterator<T> = {
    next: () => of().next().then(settled, failed),
    return: (value?: unknown) => {
      const step = iterator?.return?.(value as T);
      if (step) return step.then(settled, failed);
      // Returned before the first read, the source has nothing to return: this still releases.
      end();
      return Promise.resolve({ done: true, value } as IteratorResult<T>);
    },
    [Symbol.asyncIterator]: () => events,
  };
  return events;
}
