/**
 * A concurrency limit per target: at most `maxConcurrent` calls in flight; the next ones wait in a
 * bounded FIFO queue for at most `queueTimeoutMs`. A full queue or a long wait fails fast with a
 * clear reason, so a slow provider cannot pile up unbounded work in this process.
 */
export interface ConcurrencyPolicy {
  maxConcurrent: number;
  maxQueue: number;
  queueTimeoutMs: number;
}

export class ConcurrencyLimitError extends Error {
  override name = 'ConcurrencyLimitError';
}

interface Waiter {
  grant: () => void;
  fail: (error: Error) => void;
}

export class ConcurrencyLimiter {
  private active = 0;
  private readonly queue: Waiter[] = [];

  constructor(private readonly policy: ConcurrencyPolicy) {}

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Resolves with a release function once a slot is free. */
  async acquire(signal: AbortSignal): Promise<() => void> {
    if (this.active < this.policy.maxConcurrent) return this.grant();
    if (this.queue.length >= this.policy.maxQueue) {
      throw new ConcurrencyLimitError(
        `${this.active} calls in flight and ${this.queue.length} queued, the most allowed`,
      );
    }
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          cleanup();
          resolve();
        },
        fail: (error) => {
          cleanup();
          reject(error);
        },
      };
      const timer = setTimeout(
        () =>
          waiter.fail(
            new ConcurrencyLimitError(`no slot freed within ${this.policy.queueTimeoutMs} ms`),
          ),
        this.policy.queueTimeoutMs,
      );
      const onAbort = () =>
        waiter.fail(
          signal.reason instanceof Error ? signal.reason : new Error('aborted while queued'),
        );
      const cleanup = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        const at = this.queue.indexOf(waiter);
        if (at >= 0) this.queue.splice(at, 1);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
    return this.grant();
  }

  private grant(): () => void {
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.queue[0]?.grant();
    };
  }
}
