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
 */
export class Deadline {
  readonly #controller = new AbortController();
  readonly #caller: AbortSignal;
  readonly #timeoutMs: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #timedOut = false;
  readonly #onCallerAbort = (): void => this.#controller.abort(this.#caller.reason);

  constructor(caller: AbortSignal, timeoutMs: number | undefined) {
    this.#caller = caller;
    this.#timeoutMs = timeoutMs;
    if (caller.aborted) this.#controller.abort(caller.reason);
    else caller.addEventListener('abort', this.#onCallerAbort, { once: true });
    this.touch();
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
    if (this.#timeoutMs === undefined || this.#controller.signal.aborted) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      this.#controller.abort(new Error(`no answer within ${this.#timeoutMs} ms`));
    }, this.#timeoutMs);
    this.#timer.unref();
  }

  /** Stops the timer and unhooks the caller; `abort` also tears down a request still in flight. */
  dispose(abort: boolean): void {
    clearTimeout(this.#timer);
    this.#caller.removeEventListener('abort', this.#onCallerAbort);
    if (abort && !this.#controller.signal.aborted)
      this.#controller.abort(new Error('request abandoned'));
  }
}
