/**
 * The call deadline: a total timeout when never touched, an idle timeout restarted by every touch,
 * the caller's cancellation told apart from the timeout. A touch only notes the time; the timer
 * sleeps again for what is left, so it must still fire `timeoutMs` after the last touch.
 */
import { describe, expect, it } from 'vitest';
import { Deadline, expiryOf } from '../../src/llm/deadline.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Deadline', () => {
  it('fires after the timeout when never touched', async () => {
    const deadline = new Deadline(new AbortController().signal, 50);
    await sleep(30);
    expect(deadline.signal.aborted).toBe(false);
    await sleep(60);
    expect(deadline.timedOut).toBe(true);
    expect(deadline.cancelled).toBe(false);
  });

  it('keeps a call alive while it is touched, and fires the timeout after the last touch', async () => {
    const deadline = new Deadline(new AbortController().signal, 60);
    const started = performance.now();
    for (let i = 0; i < 6; i++) {
      await sleep(25);
      deadline.touch();
    }
    const lastTouch = performance.now();
    expect(deadline.signal.aborted).toBe(false);
    await new Promise((resolve) => deadline.signal.addEventListener('abort', resolve));
    const firedAt = performance.now();
    expect(deadline.timedOut).toBe(true);
    expect(lastTouch - started).toBeGreaterThan(120);
    expect(firedAt - lastTouch).toBeGreaterThanOrEqual(58);
  });

  it('tells the caller’s cancellation from a timeout, and stops on dispose', async () => {
    const caller = new AbortController();
    const cancelled = new Deadline(caller.signal, 40);
    caller.abort(new Error('gone'));
    expect(cancelled.signal.aborted).toBe(true);
    expect(cancelled.cancelled).toBe(true);
    expect(cancelled.timedOut).toBe(false);

    const disposed = new Deadline(new AbortController().signal, 30);
    disposed.dispose(false);
    await sleep(60);
    expect(disposed.signal.aborted).toBe(false);

    const untimed = new Deadline(new AbortController().signal, undefined);
    untimed.touch();
    await sleep(20);
    expect(untimed.signal.aborted).toBe(false);
  });
});

describe('expiryOf (a whole answer)', () => {
  it('without a timeout is the caller’s own signal: a cancellation is seen, nothing times out', () => {
    const caller = new AbortController();
    const expiry = expiryOf(caller.signal, undefined);
    expect(expiry.signal).toBe(caller.signal);
    caller.abort();
    expect(expiry.cancelled).toBe(true);
    expect(expiry.timedOut).toBe(false);
  });

  it('with a timeout still fires it, told apart from a cancellation', async () => {
    const expiry = expiryOf(new AbortController().signal, 30);
    await sleep(60);
    expect(expiry.signal.aborted).toBe(true);
    expect(expiry.timedOut).toBe(true);
    expect(expiry.cancelled).toBe(false);
    expiry.dispose();
  });
});
