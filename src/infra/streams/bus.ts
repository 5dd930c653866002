/**
 * The stream bus carries a running generation's events from the process producing them to every
 * subscriber, in order, with replay from any position. In-process by default; Redis Streams when
 * several replicas share subscribers.
 */

/** `seq` counts from 0 and increases by one per event; `end` is always the last event. */
export type StreamEvent =
  { seq: number; type: 'delta'; text: string } | { seq: number; type: 'end' };

export interface StreamBus {
  /** Opens a stream; events appended before anyone reads are kept for replay. */
  open(streamId: string): Promise<void>;
  append(streamId: string, event: StreamEvent): Promise<void>;
  /**
   * Events with `seq > afterSeq`, first those already appended, then live ones, finishing after
   * the `end` event. Yields nothing and returns `false` from `has` when the stream is unknown
   * (never opened, or expired after it ended).
   */
  read(streamId: string, afterSeq: number, signal: AbortSignal): AsyncIterable<StreamEvent>;
  has(streamId: string): Promise<boolean>;
  /**
   * Every event appended so far, without waiting for more; empty when the stream is unknown. What
   * a producer that died had published (its partial text) is read back this way.
   */
  snapshot(streamId: string): Promise<StreamEvent[]>;
  /** Present on buses shared by several replicas: subscribers of a stream on any of them. */
  readonly watchers?: StreamWatchers;
  close(): Promise<void>;
}

/**
 * Subscribers across replicas. A replica serving subscribers of a stream produced elsewhere says
 * so while they stay, so that the producer does not abandon a stream somebody still watches.
 */
export interface StreamWatchers {
  /** Marks this process as watching `streamId` until the returned function is called. */
  watch(streamId: string): () => void;
  /** Which of `streamIds` some process watches now. */
  watched(streamIds: readonly string[]): Promise<Set<string>>;
}
