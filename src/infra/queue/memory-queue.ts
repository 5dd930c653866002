/**
 * The embedded default: an in-process queue with the same retries, backoff and timeouts as the
 * durable one, and nothing to poll. It forgets its items when the process stops; the backlog's
 * chunk rows do not, and the backlog service enqueues the unfinished ones again at start-up.
 */
import {
  errorMessage,
  type QueueDepth,
  type QueueItem,
  type QueueSettings,
  type WorkHandlers,
  type WorkQueue,
} from './work-queue.js';

export class MemoryWorkQueue<T> implements WorkQueue<T> {
  readonly kind = 'memory' as const;
  private readonly waiting: QueueItem<T>[] = [];
  /** Retries waiting out their backoff. */
  private readonly backoffs = new Set<NodeJS.Timeout>();
  private readonly running = new Map<Promise<void>, AbortController>();
  private handlers: WorkHandlers<T> | null = null;
  private stopping = false;

  constructor(
    private readonly settings: QueueSettings,
    /** A `giveUp` that threw: nothing else can report it. */
    private readonly onError: (error: unknown) => void,
  ) {}

  async start(handlers: WorkHandlers<T>): Promise<void> {
    this.handlers = handlers;
    this.pump();
  }

  async enqueue(items: readonly T[]): Promise<void> {
    for (const data of items) this.waiting.push({ data, attempt: 1 });
    this.pump();
  }

  async depth(): Promise<QueueDepth> {
    return { waiting: this.waiting.length + this.backoffs.size, running: this.running.size };
  }

  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    for (const timer of this.backoffs) clearTimeout(timer);
    this.backoffs.clear();
    const settled = Promise.allSettled(this.running.keys());
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([settled, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    for (const controller of this.running.values())
      controller.abort(new Error('the queue is stopping'));
    await settled;
  }

  private pump(): void {
    while (
      this.handlers &&
      !this.stopping &&
      this.running.size < this.settings.concurrency &&
      this.waiting.length > 0
    )
      this.runOne(this.handlers, this.waiting.shift()!);
  }

  private runOne(handlers: WorkHandlers<T>, item: QueueItem<T>): void {
    const controller = new AbortController();
    const timeout = setTimeout(
      () =>
        controller.abort(new Error(`the attempt timed out after ${this.settings.timeoutMs} ms`)),
      this.settings.timeoutMs,
    );
    const task = (async () => {
      try {
        // A handler that ignores its signal still frees the slot when the attempt times out.
        await Promise.race([handlers.run(item, controller.signal), aborted(controller.signal)]);
      } catch (error) {
        if (!this.stopping) await this.failed(handlers, item, error);
      } finally {
        clearTimeout(timeout);
      }
    })();
    this.running.set(task, controller);
    void task.finally(() => {
      this.running.delete(task);
      this.pump();
    });
  }

  private async failed(
    handlers: WorkHandlers<T>,
    item: QueueItem<T>,
    error: unknown,
  ): Promise<void> {
    if (item.attempt >= this.settings.attempts) {
      await handlers.giveUp(item.data, errorMessage(error)).catch(this.onError);
      return;
    }
    // Exponential backoff with jitter, as pg-boss computes it: between 1× and 2× the doubled delay.
    const base = this.settings.retryDelayMs * 2 ** (item.attempt - 1);
    const timer = setTimeout(
      () => {
        this.backoffs.delete(timer);
        this.waiting.push({ data: item.data, attempt: item.attempt + 1 });
        this.pump();
      },
      base * (1 + Math.random()),
    );
    this.backoffs.add(timer);
  }
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) =>
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }),
  );
}
