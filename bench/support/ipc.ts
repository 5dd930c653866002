/** Messages between a benchmark and its child processes (server-process.ts, double-process.ts). */

export type ChildRequest =
  | { type: 'stats'; id: number; reset?: boolean }
  | { type: 'gc'; id: number }
  | { type: 'stop'; id: number }
  | { type: 'set-behaviour'; id: number; behaviour: unknown }
  | { type: 'last-request'; id: number }
  /** Starts the V8 CPU profiler in the child (the same profiler as --cpu-prof, for one window). */
  | { type: 'profile-start'; id: number }
  /** Stops it and writes the .cpuprofile to `path`. */
  | { type: 'profile-stop'; id: number; path: string }
  /**
   * Starts V8's sampling heap profiler: which allocations are still alive when it stops, or, with
   * `allocated`, every sampled allocation, the ones garbage-collected meanwhile included (what the
   * collector had to work through).
   */
  | { type: 'heap-start'; id: number; allocated?: boolean }
  /** Stops it and writes the .heapprofile to `path`. */
  | { type: 'heap-stop'; id: number; path: string }
  /** Writes a full V8 heap snapshot (v8.writeHeapSnapshot, after a GC) to `path`: what holds the heap. */
  | { type: 'heap-snapshot'; id: number; path: string };

/** `ready` comes once the child serves `url`; init-store.ts also hands over the API key it issued. */
export type ChildMessage =
  { type: 'ready'; url: string; apiKey?: string } | { type: 'reply'; id: number; value: unknown };

export interface ProcessStats {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** User + system CPU time since the last reset (or the start). */
  cpuMs: number;
  /** Wall time over the same span. */
  wallMs: number;
  /** Milliseconds, since the last reset; null where it is not measured. */
  eventLoopDelay: { p50: number; p99: number; max: number; mean: number } | null;
  extra: Record<string, number>;
}

/** This process's memory now, and its CPU and wall time since the last reset (or the start). */
export class ProcessUsage {
  private cpuSince = process.cpuUsage();
  private cpuSinceAt = performance.now();

  read(
    reset: boolean,
  ): Pick<
    ProcessStats,
    'rss' | 'heapUsed' | 'heapTotal' | 'external' | 'arrayBuffers' | 'cpuMs' | 'wallMs'
  > {
    const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
    const cpu = process.cpuUsage(this.cpuSince);
    const now = performance.now();
    const usage = {
      rss,
      heapUsed,
      heapTotal,
      external,
      arrayBuffers,
      cpuMs: (cpu.user + cpu.system) / 1000,
      wallMs: now - this.cpuSinceAt,
    };
    if (reset) {
      this.cpuSince = process.cpuUsage();
      this.cpuSinceAt = now;
    }
    return usage;
  }
}
