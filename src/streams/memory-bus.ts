import { on } from 'node:events';
import { EventEmitter } from 'node:events';
import type { StreamBus, StreamEvent } from './bus.js';

interface Stream {
  events: StreamEvent[];
  ended: boolean;
}

export interface MemoryBusOptions {
  /** How long an ended stream stays readable, for late subscribers (ms). */
  retentionMs: number;
}

/** The embedded bus: one process, streams held in memory until `retentionMs` after they end. */
export class MemoryStreamBus implements StreamBus {
  private readonly streams = new Map<string, Stream>();
  private readonly appended = new EventEmitter();
  private readonly expiryTimers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: MemoryBusOptions) {
    // Each subscriber listens for its stream's appends; thousands of concurrent streams are normal.
    this.appended.setMaxListeners(0);
  }

  async open(streamId: string): Promise<void> {
    if (!this.streams.has(streamId)) this.streams.set(streamId, { events: [], ended: false });
  }

  async append(streamId: string, event: StreamEvent): Promise<void> {
    const stream = this.streams.get(streamId);
    if (!stream || stream.ended) throw new Error(`stream ${streamId} is not open`);
    if (event.seq !== stream.events.length) throw new Error(`stream ${streamId}: expected seq ${stream.events.length}, got ${event.seq}`);
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
    this.appended.emit(streamId);
  }

  async has(streamId: string): Promise<boolean> {
    return this.streams.has(streamId);
  }

  async *read(streamId: string, afterSeq: number, signal: AbortSignal): AsyncIterable<StreamEvent> {
    const stream = this.streams.get(streamId);
    if (!stream || signal.aborted) return;
    let next = Math.max(0, afterSeq + 1);
    // Listen before replaying, so nothing appended between the replay and the wait is missed.
    const wakeups = on(this.appended, streamId, { signal });
    try {
      for (;;) {
        while (next < stream.events.length) {
          const event = stream.events[next++]!;
          yield event;
          if (event.type === 'end') return;
        }
        if (stream.ended) return;
        await wakeups.next();
      }
    } catch (error) {
      if (signal.aborted) return;
      throw error;
    } finally {
      await wakeups.return?.();
    }
  }

  async close(): Promise<void> {
    for (const timer of this.expiryTimers) clearTimeout(timer);
    this.expiryTimers.clear();
    this.streams.clear();
  }
}
