/**
 * Prometheus metrics, served at /metrics: GraphQL requests, provider calls (latency, errors,
 * tokens, cost), cache hits, circuit breakers, rate-limit rejections, open subscriptions,
 * generations, and the Node.js defaults (event-loop delay, memory, GC, CPU). One registry per
 * app, so several apps in one process (tests) never share or clash.
 *
 * Label values are bounded: features, statuses, providers and error codes come from
 * configuration or enums; operation names come from clients, so the caller passes a label it
 * has bounded already (src/server/plugins/operation-names.ts: known operations, else `other`).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Answered, GatewayError, GatewayObserver, TargetStatus } from '../../llm/gateway.js';
import type { Feature } from '../../domain.js';

export interface MetricsOptions {
  /** Collect Node.js process metrics (event-loop delay, heap, GC, CPU). Default true. */
  defaultMetrics?: boolean;
}

export interface FinishedGeneration {
  feature: Feature;
  status: string;
}

const PREFIX = 'ai_subgraph_';
const BREAKER_STATES = ['closed', 'open', 'half-open'] as const;

export class Metrics implements GatewayObserver {
  readonly registry = new Registry();

  private readonly requests: Counter<'operation' | 'type' | 'outcome'>;
  private readonly requestDuration: Histogram<'operation' | 'type' | 'outcome'>;
  private readonly requestErrors: Counter<'operation' | 'code'>;
  private readonly providerAttempts: Counter<'provider' | 'model' | 'feature' | 'outcome'>;
  private readonly providerLatency: Histogram<'provider' | 'feature' | 'outcome'>;
  private readonly providerErrors: Counter<'provider' | 'feature' | 'code'>;
  private readonly llmCalls: Counter<'feature' | 'provider' | 'outcome'>;
  private readonly llmCallDuration: Histogram<'feature' | 'outcome'>;
  private readonly tokens: Counter<'provider' | 'model' | 'feature' | 'direction'>;
  private readonly cost: Counter<'provider' | 'model' | 'feature'>;
  private readonly cacheHits: Counter<'feature'>;
  private readonly generations: Counter<'feature' | 'status'>;
  private readonly rateLimitRejections: Counter<'rule'>;
  private readonly limitStoreFallbacks: Counter<'operation'>;
  private readonly secondOpinions: Counter<'outcome'>;

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });

    this.requests = new Counter({
      name: `${PREFIX}graphql_requests_total`,
      help: 'GraphQL requests over HTTP, by operation name, operation type and outcome (ok or error).',
      labelNames: ['operation', 'type', 'outcome'],
      registers,
    });
    this.requestDuration = new Histogram({
      name: `${PREFIX}graphql_request_duration_seconds`,
      help: 'Time to answer a GraphQL request over HTTP, by operation name, type and outcome.',
      labelNames: ['operation', 'type', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.requestErrors = new Counter({
      name: `${PREFIX}graphql_errors_total`,
      help: 'Errors in GraphQL responses, by operation name and public error code.',
      labelNames: ['operation', 'code'],
      registers,
    });
    this.providerAttempts = new Counter({
      name: `${PREFIX}provider_attempts_total`,
      help: 'Calls to a provider target, by outcome: ok, failed, or skipped (circuit open).',
      labelNames: ['provider', 'model', 'feature', 'outcome'],
      registers,
    });
    this.providerLatency = new Histogram({
      name: `${PREFIX}provider_latency_seconds`,
      help: 'Duration of one provider attempt (skipped ones excluded), by provider, feature and outcome.',
      labelNames: ['provider', 'feature', 'outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120],
      registers,
    });
    this.providerErrors = new Counter({
      name: `${PREFIX}provider_errors_total`,
      help: 'Failed or skipped provider attempts, by provider, feature and public error code.',
      labelNames: ['provider', 'feature', 'code'],
      registers,
    });
    this.llmCalls = new Counter({
      name: `${PREFIX}llm_calls_total`,
      help: 'Gateway calls (the whole chain, fallbacks included), by feature, the provider that answered (none on failure) and outcome.',
      labelNames: ['feature', 'provider', 'outcome'],
      registers,
    });
    this.llmCallDuration = new Histogram({
      name: `${PREFIX}llm_call_duration_seconds`,
      help: 'Duration of a gateway call, fallbacks included, by feature and outcome.',
      labelNames: ['feature', 'outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120],
      registers,
    });
    this.tokens = new Counter({
      name: `${PREFIX}llm_tokens_total`,
      help: 'Tokens of answered calls, by provider, model, feature and direction (input or output).',
      labelNames: ['provider', 'model', 'feature', 'direction'],
      registers,
    });
    this.cost = new Counter({
      name: `${PREFIX}llm_cost_usd_total`,
      help: 'Cost of answered calls in US dollars (from the configured prices), by provider, model and feature.',
      labelNames: ['provider', 'model', 'feature'],
      registers,
    });
    this.cacheHits = new Counter({
      name: `${PREFIX}llm_cache_hits_total`,
      help: 'Gateway calls answered from the exact-match response cache, by feature.',
      labelNames: ['feature'],
      registers,
    });
    this.generations = new Counter({
      name: `${PREFIX}generations_total`,
      help: 'Generations finished by this process, by feature and final status.',
      labelNames: ['feature', 'status'],
      registers,
    });
    this.rateLimitRejections = new Counter({
      name: `${PREFIX}rate_limit_rejections_total`,
      help: 'Requests, LLM calls, generations and streams refused with RATE_LIMITED, by the per-account limit that refused them.',
      labelNames: ['rule'],
      registers,
    });
    this.limitStoreFallbacks = new Counter({
      name: `${PREFIX}rate_limit_store_fallbacks_total`,
      help: 'Rate-limit operations answered by this replica alone because the shared store (Redis) failed, by operation.',
      labelNames: ['operation'],
      registers,
    });
    this.secondOpinions = new Counter({
      name: `${PREFIX}injection_second_opinions_total`,
      help: 'Uncertain injection scores shown to the second-opinion model (INJECTION_SECOND_OPINION), by outcome: moved, kept, unsure, unparsable, failed, timeout, over-budget, busy (INJECTION_SECOND_OPINION_CONCURRENCY calls already waiting).',
      labelNames: ['outcome'],
      registers,
    });
  }

  /**
   * Gauges read at scrape time: circuit breakers, load per target, open subscriptions,
   * generations running here.
   */
  observeState(sources: {
    targets: () => TargetStatus[];
    openSubscriptions: () => number;
    /** graphql-ws connections open now. */
    openConnections: () => number;
    runningGenerations: () => number;
  }): void {
    new Gauge({
      name: `${PREFIX}provider_breaker_state`,
      help: 'Circuit breaker of each provider target: 1 for its current state (closed, open, half-open), 0 for the others.',
      labelNames: ['provider', 'model', 'state'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const status of sources.targets()) {
          for (const state of BREAKER_STATES)
            this.set(
              { provider: status.target.provider, model: status.target.model, state },
              status.breakerState === state ? 1 : 0,
            );
        }
      },
    });
    new Gauge({
      name: `${PREFIX}provider_in_flight`,
      help: 'Calls running on each provider target now.',
      labelNames: ['provider', 'model'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const status of sources.targets())
          this.set(
            { provider: status.target.provider, model: status.target.model },
            status.inFlight,
          );
      },
    });
    new Gauge({
      name: `${PREFIX}provider_queued`,
      help: 'Calls waiting for a concurrency slot on each provider target now.',
      labelNames: ['provider', 'model'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const status of sources.targets())
          this.set({ provider: status.target.provider, model: status.target.model }, status.queued);
      },
    });
    new Gauge({
      name: `${PREFIX}subscriptions_open`,
      help: 'GraphQL subscriptions (graphql-ws operations) open on this process.',
      registers: [this.registry],
      collect() {
        this.set(sources.openSubscriptions());
      },
    });
    new Gauge({
      name: `${PREFIX}websocket_connections_open`,
      help: 'graphql-ws connections open on this process (a slow reader cut off leaves this count).',
      registers: [this.registry],
      collect() {
        this.set(sources.openConnections());
      },
    });
    new Gauge({
      name: `${PREFIX}generations_running`,
      help: 'Generations this process is producing now.',
      registers: [this.registry],
      collect() {
        this.set(sources.runningGenerations());
      },
    });
  }

  /**
   * Routing backlogs: chunks waiting and running, read from the queue at scrape time (a shared
   * queue shows the same figures on every replica: take the max across replicas, not the sum),
   * and the tickets this process finished. Returns the function that counts those tickets.
   */
  observeBacklogs(
    depth: () => Promise<{ waiting: number; running: number }>,
  ): (outcome: 'routed' | 'failed', count: number) => void {
    new Gauge({
      name: `${PREFIX}backlog_queue_depth`,
      help: 'Routing backlog chunks in the queue, by state: waiting (retries in backoff included) or running.',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        // A database that does not answer leaves the last figures rather than failing the scrape.
        const current = await depth().catch(() => null);
        if (!current) return;
        this.set({ state: 'waiting' }, current.waiting);
        this.set({ state: 'running' }, current.running);
      },
    });
    const tickets = new Counter({
      name: `${PREFIX}backlog_tickets_total`,
      help: 'Backlog tickets this process finished, by outcome: routed (a prediction stored) or failed (every attempt of its chunk failed).',
      labelNames: ['outcome'],
      registers: [this.registry],
    });
    return (outcome, count) => tickets.inc({ outcome }, count);
  }

  /** One GraphQL request over HTTP, as it was answered. */
  requestFinished(request: {
    /** A bounded label: a known operation name, `anonymous` or `other`. */
    operation: string;
    type: string | null | undefined;
    errorCodes: string[];
    durationSeconds: number;
  }): void {
    const labels = {
      operation: request.operation,
      type: request.type ?? 'unknown',
      outcome: request.errorCodes.length === 0 ? 'ok' : 'error',
    };
    this.requests.inc(labels);
    this.requestDuration.observe(labels, request.durationSeconds);
    for (const code of request.errorCodes)
      this.requestErrors.inc({ operation: labels.operation, code });
  }

  /** A per-account limit refused something (see security/limits). */
  rateLimited(rule: string): void {
    this.rateLimitRejections.inc({ rule });
  }

  /** The shared limit store failed and this replica answered alone. */
  limitStoreFellBack(operation: string): void {
    this.limitStoreFallbacks.inc({ operation });
  }

  /** What became of one second opinion on an uncertain injection score. */
  injectionSecondOpinion(outcome: string): void {
    this.secondOpinions.inc({ outcome });
  }

  generationFinished(generation: FinishedGeneration): void {
    this.generations.inc({ feature: generation.feature, status: generation.status });
  }

  /** GatewayObserver: a call answered. */
  finished(feature: Feature, answered: Answered, durationMs: number): void {
    this.attempts(feature, answered.attempts, answered.cacheHit);
    this.llmCalls.inc({ feature, provider: answered.provider, outcome: 'ok' });
    this.llmCallDuration.observe({ feature, outcome: 'ok' }, durationMs / 1000);
    if (answered.cacheHit) {
      this.cacheHits.inc({ feature });
      return;
    }
    const labels = { provider: answered.provider, model: answered.model, feature };
    this.tokens.inc({ ...labels, direction: 'input' }, answered.usage.inputTokens);
    this.tokens.inc({ ...labels, direction: 'output' }, answered.usage.outputTokens);
    this.cost.inc(labels, answered.usage.costUsd);
  }

  /** GatewayObserver: a call failed (every target failed or was skipped, or it was cancelled). */
  failed(feature: Feature, error: GatewayError, durationMs: number): void {
    this.attempts(feature, error.attempts, false);
    this.llmCalls.inc({
      feature,
      provider: 'none',
      outcome: error.code === 'CANCELLED' ? 'cancelled' : 'failed',
    });
    this.llmCallDuration.observe({ feature, outcome: 'failed' }, durationMs / 1000);
  }

  private attempts(feature: Feature, attempts: Answered['attempts'], cacheHit: boolean): void {
    for (const attempt of attempts) {
      // A cache hit is recorded as an attempt, but no provider was called.
      if (cacheHit && attempt === attempts.at(-1)) continue;
      this.providerAttempts.inc({
        provider: attempt.provider,
        model: attempt.model,
        feature,
        outcome: attempt.outcome,
      });
      if (attempt.outcome !== 'skipped')
        this.providerLatency.observe(
          { provider: attempt.provider, feature, outcome: attempt.outcome },
          attempt.latencyMs / 1000,
        );
      if (attempt.outcome !== 'ok')
        this.providerErrors.inc({
          provider: attempt.provider,
          feature,
          code: attempt.errorCode ?? 'UNKNOWN',
        });
    }
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
