/**
 * Recent health of one target, for `Query.providers`: the last calls in a bounded ring (by count
 * and age), from which error rate and latency percentiles are read on demand.
 */
interface Call {
  at: number;
  ok: boolean;
  latencyMs: number;
}

export interface TargetHealth {
  recentCalls: number;
  errorRate: number;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
}

export class TargetStats {
  private readonly calls: Call[] = [];

  constructor(
    private readonly capacity = 200,
    private readonly windowMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  record(ok: boolean, latencyMs: number): void {
    this.calls.push({ at: this.now(), ok, latencyMs });
    if (this.calls.length > this.capacity) this.calls.shift();
  }

  health(): TargetHealth {
    const since = this.now() - this.windowMs;
    const recent = this.calls.filter((call) => call.at >= since);
    const latencies = recent
      .filter((call) => call.ok)
      .map((call) => call.latencyMs)
      .sort((a, b) => a - b);
    const quantile = (q: number) =>
      latencies.length === 0
        ? null
        : latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
    return {
      recentCalls: recent.length,
      errorRate: recent.length === 0 ? 0 : recent.filter((call) => !call.ok).length / recent.length,
      latencyP50Ms: quantile(0.5),
      latencyP95Ms: quantile(0.95),
    };
  }
}
