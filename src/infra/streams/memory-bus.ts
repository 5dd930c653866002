import type { StreamBus, StreamEvent } from './bus.js';

interface Stream {
  events: StreamEvent[];
  ended: boolean;
  /**
   * Readers blocked until the next append, each a plain callback woken (and dropped) by it: a few
   * dozen bytes per subscriber, where an `events.on()` iterator holds two 2,048-slot queues (~35 KiB).
   */
  waiting: Set<() => void>;
}

export interface MemoryBusOptions {
  /** How long an ended stream stays readable, for late subscribers (ms). */
  retentionMs: number;
}

/** The embedded bus: one process, streams held in memory until `retentionMs` after they end. */
export class MemoryStreamBus implements StreamBus {
  private readonly streams = new Map<string, Stream>();
  private readonly expiryTimers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: MemoryBusOptions) {}

  async open(streamId: string): Promise<void> {
    if (!this.streams.has(streamId))
      this.streams.set(streamId, { events: [], ended: false, waiting: new Set() });
  }

  async append(streamId: string, event: StreamEvent): Promise<void> {
    const stream = this.streams.get(streamId);
    if (!stream || stream.ended) throw new Error(`stream ${streamId} is not open`);
    if (event.seq !== stream.events.length)
      throw new Error(`stream ${streamId}: expected seq ${stream.events.length}, got ${event.seq}`);
    stream.events.push(event);
    if (event.type === 'end') {
      stream.ended = true;
      const timer = setTimeout(() => {
        this.expiryTimers.delete(timer);
        this.streams.delete(streamId);
      }, this.options.retentionMs);
      timer.unref();
      this.expiryTimers.add(timer);
    }
    for (const wake of stream.waiting) wake();
    stream.waiting.clear();
  }

  async has(streamId: string): Promise<boolean> {
    return this.streams.has(streamId);
  }

  async snapshot(streamId: string): Promise<StreamEvent[]> {
    return [...(this.streams.get(streamId)?.events ?? [])];
  }

  async *read(streamId: string, afterSeq: number, signal: AbortSignal): AsyncIterable<StreamEvent> {
    const stream = this.streams.get(streamId);
    if (!stream || signal.aborted) return;
    let next = Math.max(0, afterSeq + 1);
    let wake: (() => void) | undefined;
    const onAbort = () => wake?.();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        while (next < stream.events.length) {
          const event = stream.events[next++]!;
          yield event;
          if (event.type === 'end') return;
        }
        if (stream.ended || signal.aborted) return;
        // Checking for events and joining `waiting` happen in one synchronous step: no append can slip between them.
        await new Promise<void>((resolve) => {
          wake = resolve;
          stream.waiting.add(resolve);
        });
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      if (wake) stream.waiting.delete(wake);
    }
  }

  async close(): Promise<void> {
    for (const timer of this.expiryTimers) clearTimeout(timer);
    this.expiryTimers.clear();
    this.streams.clear();
  }
}
