/**
 * Progress of evaluation runs, for `evalRunProgress` subscribers. Runs driven by this process
 * announce each step on an in-process emitter; a watcher also re-reads the stored run every few
 * seconds, so it follows a run driven by another replica too, and never misses the end.
 */
import { EventEmitter } from 'node:events';
import type { EvalRunRecord } from '../../infra/store/evaluation/eval-runs.js';

export class EvalProgressHub {
  private readonly emitter = new EventEmitter();

  constructor(private readonly pollMs = 2_000) {
    this.emitter.setMaxListeners(0);
  }

  publish(run: EvalRunRecord): void {
    this.emitter.emit(run.id, run);
  }

  /**
   * The run as it is now, then each change, ending after the run stops RUNNING (or when `signal`
   * aborts). Updates that arrive faster than the reader are coalesced into the latest.
   */
  async *watch(
    runId: string,
    read: () => Promise<EvalRunRecord | null>,
    signal: AbortSignal,
  ): AsyncIterable<EvalRunRecord> {
    // Written by the listener, read by the loop: a box, so neither narrows it for the other.
    const box: { latest: EvalRunRecord | null; wake: (() => void) | null } = {
      latest: null,
      wake: null,
    };
    const listener = (run: EvalRunRecord) => {
      if (!box.latest || run.done >= box.latest.done || run.status !== 'RUNNING') box.latest = run;
      box.wake?.();
    };
    this.emitter.on(runId, listener);
    const stop = () => box.wake?.();
    signal.addEventListener('abort', stop, { once: true });
    try {
      let current = await read();
      let sent: { done: number; status: string } | null = null;
      while (current && !signal.aborted) {
        if (!sent || sent.done !== current.done || sent.status !== current.status) {
          sent = { done: current.done, status: current.status };
          yield current;
        }
        if (current.status !== 'RUNNING') return;
        // Something announced while the reader was busy is shown without waiting.
        const pending = box.latest;
        box.latest = null;
        if (pending && (pending.done !== sent.done || pending.status !== sent.status)) {
          current = pending;
          continue;
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.pollMs);
          box.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        box.wake = null;
        current = box.latest ?? (await read());
        box.latest = null;
      }
    } finally {
      this.emitter.off(runId, listener);
      signal.removeEventListener('abort', stop);
    }
  }
}
