/**
 * One call's cancellation: the caller's signal joined with our own timeout, so whatever is called
 * gets a single signal and we can still tell afterwards which of the two fired (`cancelled` vs
 * `timedOut`). One AbortController and one timer: lighter than `AbortSignal.any` with
 * `AbortSignal.timeout`, which matters with thousands of streams open.
 *
 * The timeout starts at once and restarts on every `touch()`. Never touched, it is a total
 * deadline (the gateway's per-feature deadline, a provider's `generate`); a provider's `stream`
 * touches it on every chunk, so a long answer that keeps flowing is never cut, but a silent
 * upstream is.
 *
 * A touch only notes the time: restarting a timer on every chunk (clearTimeout, setTimeout, unref)
 * was a measurable share of a streamed call's CPU. The one timer, when it fires, looks at the last
 * touch and sleeps again for what is left, so it still fires `timeoutMs` after the last touch.
 */
export class Deadline {
  readonly #controller = new AbortController();
  readonly #caller: AbortSignal;
  readonly #timeoutMs: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** When the upstream last showed it is alive (performance.now()). */
  #touchedAt = 0;
  #timedOut = false;
  readonly #onCallerAbort = (): void => this.#controller.abort(this.#caller.reason);

  constructor(caller: AbortSignal, timeoutMs: number | undefined) {
    this.#caller = caller;
    this.#timeoutMs = timeoutMs;
    if (caller.aborted) this.#controller.abort(caller.reason);
    else caller.addEventListener('abort', this.#onCallerAbort, { once: true });
    this.#touchedAt = performance.now();
    if (timeoutMs !== undefined && !caller.aborted) this.#arm(timeoutMs);
  }

  /** Aborts when the caller aborts or the timeout fires. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** The caller gave up. Wins over `timedOut` when both happened. */
  get cancelled(): boolean {
    return this.#caller.aborted;
  }

  get timedOut(): boolean {
    return this.#timedOut && !this.#caller.aborted;
  }

  /** Restarts the idle timer: the upstream showed it is still alive. */
  touch(): void {
    this.#touchedAt = performance.now();
  }

  #arm(delayMs: number): void {
    this.#timer = setTimeout(() => {
      if (this.#controller.signal.aborted) return;
      const left = this.#touchedAt + this.#timeoutMs! - performance.now();
      // Timers may fire up to a millisecond early: what is left of that is not worth a new one.
      if (left >= 1) return this.#arm(left);
      this.#timedOut = true;
      this.#controller.abort(new Error(`no answer within ${this.#timeoutMs} ms`));
    }, delayMs);
    this.#timer.unref();
  }

  /** Stops the timer and unhooks the caller; `abort` also tears down a request still in flight. */
  dispose(abort = false): void {
    clearTimeout(this.#timer);
    this.#caller.removeEventListener('abort', this.#onCallerAbort);
    if (abort && !this.#controller.signal.aborted)
      this.#controller.abort(new Error('request abandoned'));
  }
}

/** What a provider tells its failures apart by: the caller gave up, or its own timeout fired. */
export type Expiry = Pick<Deadline, 'signal' | 'cancelled' | 'timedOut'>;

/**
 * The expiry of a call that never abandons its request itself (a whole answer; a stream whose
 * reader's `return()` aborts its request), disposed without aborting: a `Deadline` when there is a
 * timeout to enforce; without one, the caller's signal as it is. A `Deadline` there only repeated
 * the caller's signal (the gateway's own deadline) with one more AbortController, abort listener
 * and removal per call, and 0.8 KiB a stream held while it runs
 * (bench/results/2026-12-07-late-mem2k.md).
 */
export function expiryOf(
  caller: AbortSignal,
  timeoutMs: number | undefined,
): Expiry & Pick<Deadline, 'touch' | 'dispose'> {
  if (timeoutMs !== undefined) return new Deadline(caller, timeoutMs);
  return {
    signal: caller,
    get cancelled() {
      return caller.aborted;
    },
    timedOut: false,
    touch: () => undefined,
    dispose: () => undefined,
  };
}
