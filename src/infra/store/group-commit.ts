/**
 * Group commit: writes of one kind asked for in the same turn of the event loop, or while the
 * previous batch of that kind is still being written, go to the database together, as one
 * statement. A statement costs far more than a row (on embedded PGlite about 0.5 ms of CPU each,
 * on the event loop), so under load N concurrent generations pay for a few statements instead of
 * N; a lone write waits one event-loop turn at most.
 *
 * A background writer nobody waits for (the audit log) can pass `delayMs`: its writes then wait
 * that long, so that the writes a caller is waiting for reach the database first (PGlite runs one
 * statement at a time) and more rows share each statement.
 *
 * `write` gets the items in the order they were pushed and returns one result per item, in the
 * same order. When a batch of several fails, each item is retried on its own, so one bad row
 * (a constraint it violates) fails only its own caller.
 */
export class GroupCommit<Item, Result> {
  private queue: {
    item: Item;
    resolve: (result: Result) => void;
    reject: (error: unknown) => void;
  }[] = [];
  private scheduled = false;
  private writing = false;

  private readonly maxBatch: number;
  private readonly delayMs: number;

  constructor(
    private readonly write: (items: Item[]) => Promise<Result[]>,
    options: {
      /** Keeps one statement's parameters (and the time it holds the database) bounded. */
      maxBatch?: number;
      /** How long a write waits for others; 0 (default): until the next turn of the event loop. */
      delayMs?: number;
    } = {},
  ) {
    this.maxBatch = options.maxBatch ?? 200;
    this.delayMs = options.delayMs ?? 0;
  }

  push(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.writing || this.queue.length === 0) return;
    this.scheduled = true;
    const flush = () => {
      this.scheduled = false;
      void this.flush();
    };
    if (this.delayMs > 0) setTimeout(flush, this.delayMs);
    else setImmediate(flush);
  }

  private async flush(): Promise<void> {
    const batch = this.queue.splice(0, this.maxBatch);
    this.writing = true;
    try {
      await this.write(batch.map((entry) => entry.item)).then(
        (results) => batch.forEach((entry, index) => entry.resolve(results[index]!)),
        async (error: unknown) => {
          if (batch.length === 1) return batch[0]!.reject(error);
          // One bad row must fail only its own caller: each is written on its own.
          await Promise.all(
            batch.map((entry) =>
              this.write([entry.item]).then(([result]) => entry.resolve(result!), entry.reject),
            ),
          );
        },
      );
    } finally {
      this.writing = false;
      this.schedule();
    }
  }
}
