/**
 * One span per provider call, made from what the gateway tells its observers when a call ends
 * (the trail of attempts, usage and cost), so the gateway itself knows nothing of tracing.
 *
 * The spans are recorded after the fact, with start times rebuilt from each attempt's measured
 * latency: the last attempt ended as the gateway reported, and the ones before it are laid end to
 * end before it (the backoff between retries is not known here, so it shows at the start of the
 * call rather than between attempts). Attempts that called nothing (circuit open, cache hit) get
 * no span. Attributes hold ids, counts and codes, never messages or answers.
 */
import { SpanKind, SpanStatusCode, trace, type Attributes, type Tracer } from '@opentelemetry/api';
import type { Feature } from '../../domain.js';
import type { Answered, Attempt, GatewayError, GatewayObserver } from '../../llm/gateway.js';
import { TRACER_NAME } from './tracing.js';

export class ProviderCallSpans implements GatewayObserver {
  constructor(private readonly tracer: Tracer = trace.getTracer(TRACER_NAME)) {}

  finished(feature: Feature, answered: Answered, durationMs: number): void {
    // A cache hit is recorded as a last attempt, but no provider was called.
    const calls = answered.cacheHit ? answered.attempts.slice(0, -1) : answered.attempts;
    this.record(feature, calls, durationMs, answered.cacheHit ? null : answered);
  }

  failed(feature: Feature, error: GatewayError, durationMs: number): void {
    this.record(feature, error.attempts, durationMs, null);
  }

  private record(
    feature: Feature,
    attempts: readonly Attempt[],
    durationMs: number,
    answered: Answered | null,
  ): void {
    const endedAt = Date.now();
    const callStartedAt = endedAt - durationMs;
    let cursor = endedAt;
    // Backwards from the last attempt, which ended when the gateway reported.
    for (let index = attempts.length - 1; index >= 0; index--) {
      const attempt = attempts[index]!;
      if (attempt.outcome === 'skipped') continue;
      const startedAt = Math.max(callStartedAt, cursor - attempt.latencyMs);
      const last = index === attempts.length - 1;
      const attributes: Attributes = {
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': attempt.model,
        'ai_subgraph.provider': attempt.provider,
        'ai_subgraph.feature': feature,
        'ai_subgraph.attempt': index + 1,
        'ai_subgraph.outcome': attempt.outcome,
      };
      if (attempt.errorCode) attributes['error.type'] = attempt.errorCode;
      if (last && answered) {
        attributes['gen_ai.response.model'] = answered.model;
        attributes['gen_ai.usage.input_tokens'] = answered.usage.inputTokens;
        attributes['gen_ai.usage.output_tokens'] = answered.usage.outputTokens;
        attributes['ai_subgraph.cost_usd'] = answered.usage.costUsd;
      }
      const span = this.tracer.startSpan(`chat ${attempt.model}`, {
        kind: SpanKind.CLIENT,
        startTime: new Date(startedAt),
        attributes,
      });
      if (attempt.outcome === 'failed')
        span.setStatus({ code: SpanStatusCode.ERROR, message: attempt.errorCode ?? 'failed' });
      span.end(new Date(cursor));
      cursor = startedAt;
    }
  }
}
