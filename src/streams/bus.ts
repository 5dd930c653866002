/**
 * The stream bus carries a running generation's events from the process producing them to every
 * subscriber, in order, with replay from any position. In-process by default; Redis Streams when
 * several replicas share subscribers.
 */

/** `seq` counts from 0 and increases by one per event; `end` is always the last event. */
export type StreamEvent = { seq: number; type: 'delta'; text: string } | { seq: number; type: 'end' };

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
  close(): Promise<void>;
}
