/**
 * Deltas coalesced where they are produced (issue 19): at today's token rates every model chunk as
 * its own event meant one bus message, one GraphQL execution per subscriber and one websocket
 * frame per token. A generation publishes its first delta at once, then at most one event per
 * frame carrying every delta that arrived in it. What is published is what every subscriber on
 * every replica reads, with the same `seq`, and the lengths of those events are what the store
 * keeps, so a replay from the store gives the same events again.
 */
export class DeltaFrames {
  /** The length of each event published so far, in order (the stored `chunkLengths`). */
  readonly lengths: number[] = [];
  private pending = '';
  private lastPublishedAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  /** Appends run one after another, in `seq` order. */
  private publishing: Promise<void> = Promise.resolve();
  /** An append that a timer started failed; the producer hears of it at its next push or flush. */
  private failure: { error: unknown } | undefined;

  constructor(
    /** Appends one event carrying `text` to the generation's stream. */
    private readonly publish: (text: string) => Promise<void>,
    private readonly frameMs: number,
  ) {}

  /**
   * Takes one delta from the model. Published at once when the last event is a frame old (and so
   * awaited, which slows the model's stream down to what the bus accepts), else at the frame's end.
   */
  async push(text: string): Promise<void> {
    if (this.failure) throw this.failure.error;
    if (!text) return;
    this.pending += text;
    const wait = this.lastPublishedAt + this.frameMs - performance.now();
    if (wait <= 0) return this.flush();
    this.timer ??= setTimeout(() => {
      this.flush().catch((error: unknown) => (this.failure ??= { error }));
    }, wait);
  }

  /** Publishes whatever is pending now and waits until every event is appended. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending) {
      const text = this.pending;
      this.pending = '';
      this.lastPublishedAt = performance.now();
      this.publishing = this.publishing.then(async () => {
        await this.publish(text);
        this.lengths.push(text.length);
      });
    }
    await this.publishing;
    if (this.failure) throw this.failure.error;
  }
}
