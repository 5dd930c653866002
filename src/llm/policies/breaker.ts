/**
 * A circuit breaker per target. `closed`: calls flow and consecutive failures are counted; at the
 * threshold it opens. `open`: calls are refused (the gateway goes straight to the fallback) until
 * the cool-down passes. `half-open`: exactly one probe call is let through; its success closes
 * the breaker, its failure opens it again for another cool-down.
 */
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerPolicy {
  failureThreshold: number;
  cooldownMs: number;
}

export class CircuitBreaker {
  private consecutiveFailures = 0;
  private openedAt = 0;
  private probing = false;
  private opened = false;

  constructor(
    private readonly policy: BreakerPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): BreakerState {
    if (!this.opened) return 'closed';
    return this.now() - this.openedAt >= this.policy.cooldownMs ? 'half-open' : 'open';
  }

  /** Whether a call may go through now; in half-open, true once until that probe reports. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.probing) return false;
    this.probing = true;
    return true;
  }

  recordSuccess(): void {
    this.consecutiveFailures = 0;
    this.opened = false;
    this.probing = false;
  }

  recordFailure(): void {
    this.consecutiveFailures++;
    if (this.probing || this.consecutiveFailures >= this.policy.failureThreshold) {
      this.opened = true;
      this.openedAt = this.now();
    }
    this.probing = false;
  }

  /** The call ended without telling anything about the target's health (e.g. the client left). */
  recordNeutral(): void {
    this.probing = false;
  }
}
