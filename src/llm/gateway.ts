/**
 * The LLM gateway: the one door through which every capability reaches a model. For a feature it
 * walks the configured chain of targets; for each target it respects the circuit breaker and the
 * concurrency limit, retries retryable failures with jittered backoff, and falls back to the next
 * target — but only until the first delta has reached the caller: after that, retrying or falling
 * back would repeat or contradict text already shown. It enforces the feature's deadline, serves
 * deterministic answers from the exact-match cache, and prices the usage.
 */
import type { Feature, ProviderAttempt, Usage } from '../domain.js';
import { ErrorCode, ServiceError } from '../errors.js';
import { ProviderError } from './errors.js';
import { CircuitBreaker, type BreakerState } from './policies/breaker.js';
import { ConcurrencyLimitError, ConcurrencyLimiter } from './policies/concurrency.js';
import { ResponseCache, type CachedAnswer } from './policies/response-cache.js';
import { backoffDelay, sleep } from './policies/retry.js';
import { TargetStats, type TargetHealth } from './policies/target-stats.js';
import { targetKey, type LlmRouting, type Target } from './routing.js';
import type { ChatMessage, FinishReason, ModelProvider, ModelRequest, ResponseFormat, TokenUsage } from './spec.js';

export interface GatewayCall {
  feature: Feature;
  accountId: string;
  messages: ChatMessage[];
  /** Structured input for providers that draft from data (builtin). */
  task?: unknown;
  responseFormat?: ResponseFormat;
  /** The caller's abort (closed socket, abandoned stream, cancelGeneration, shutdown). */
  signal: AbortSignal;
}

export type Attempt = ProviderAttempt;

export interface Answered {
  provider: string;
  model: string;
  usage: Usage;
  finishReason: FinishReason;
  cacheHit: boolean;
  /** Milliseconds from the call to the first delta; null when there was no text. */
  timeToFirstTokenMs: number | null;
  attempts: Attempt[];
}

export type GatewayPart = { type: 'text-delta'; text: string } | ({ type: 'finish' } & Answered);

export interface GatewayResult extends Answered {
  text: string;
}

/** The gateway's failure, carrying the trail of attempts for the generation's record. */
export class GatewayError extends ServiceError {
  constructor(
    failure: ServiceError,
    readonly attempts: Attempt[],
  ) {
    super(failure.code, failure.message, failure.details, { cause: failure });
    this.name = 'GatewayError';
  }
}

export interface TargetStatus extends TargetHealth {
  target: Target;
  breakerState: BreakerState;
  inFlight: number;
  queued: number;
  headOf: Feature[];
}

interface TargetRuntime {
  target: Target;
  provider: ModelProvider;
  breaker: CircuitBreaker;
  limiter: ConcurrencyLimiter;
  stats: TargetStats;
}

/** Failures that say something about the target's health, and so count toward its breaker. */
const HEALTH_FAILURES: ReadonlySet<string> = new Set(['rate-limited', 'timeout', 'unavailable']);

/** Told how every gateway call ended (metrics); must not throw. */
export interface GatewayObserver {
  finished(feature: Feature, answered: Answered, durationMs: number): void;
  failed(feature: Feature, error: GatewayError, durationMs: number): void;
}

export class LlmGateway {
  /** Set once at start-up by the composition root. */
  observer: GatewayObserver | null = null;
  private readonly providers: ReadonlyMap<string, ModelProvider>;
  private readonly targets = new Map<string, TargetRuntime>();
  private readonly cache: ResponseCache | null;

  constructor(
    private readonly routing: LlmRouting,
    providers: readonly ModelProvider[],
    private readonly random: () => number = Math.random,
  ) {
    this.providers = new Map(providers.map((provider) => [provider.name, provider]));
    for (const [feature, policy] of Object.entries(routing.features)) {
      for (const target of policy.chain) {
        if (!this.providers.has(target.provider)) throw new Error(`feature ${feature}: provider "${target.provider}" is not registered`);
        this.runtimeOf(target);
      }
    }
    this.cache = routing.policies.cacheMaxBytes > 0 ? new ResponseCache(routing.policies.cacheMaxBytes) : null;
  }

  private runtimeOf(target: Target): TargetRuntime {
    const key = targetKey(target);
    let runtime = this.targets.get(key);
    if (!runtime) {
      runtime = {
        target,
        provider: this.providers.get(target.provider)!,
        breaker: new CircuitBreaker(this.routing.policies.breaker),
        limiter: new ConcurrencyLimiter(this.routing.policies.concurrency),
        stats: new TargetStats(),
      };
      this.targets.set(key, runtime);
    }
    return runtime;
  }

  /** The configured chain of a feature, head first. */
  chainOf(feature: Feature): readonly Target[] {
    return this.routing.features[feature].chain;
  }


  /** Whether the feature's chain holds a language model, not only the builtin provider. */
  hasLanguageModel(feature: Feature): boolean {
    return this.chainOf(feature).some((target) => this.routing.providers[target.provider]?.type !== 'builtin');
  }

  /** Every configured target with its breaker, load and recent health. */
  status(): TargetStatus[] {
    return [...this.targets.values()].map((runtime) => ({
      target: runtime.target,
      breakerState: runtime.breaker.state,
      inFlight: runtime.limiter.inFlight,
      queued: runtime.limiter.queued,
      headOf: (Object.keys(this.routing.features) as Feature[]).filter((feature) => targetKey(this.routing.features[feature].chain[0]!) === targetKey(runtime.target)),
      ...runtime.stats.health(),
    }));
  }

  private priced(target: Target, usage: TokenUsage): Usage {
    const price = this.routing.prices[targetKey(target)];
    const costUsd = price ? (usage.inputTokens * price.inputPerMillionUsd + usage.outputTokens * price.outputPerMillionUsd) / 1_000_000 : 0;
    return { ...usage, costUsd };
  }

  private requestFor(call: GatewayCall, target: Target): ModelRequest {
    const policy = this.routing.features[call.feature];
    return {
      model: target.model,
      feature: call.feature,
      messages: call.messages,
      task: call.task,
      responseFormat: call.responseFormat,
      temperature: policy.temperature,
      maxOutputTokens: policy.maxOutputTokens,
    };
  }

  /** Deterministic requests only: a sampled answer must not be replayed as if it were the answer. */
  private cacheKey(call: GatewayCall, request: ModelRequest, target: Target): string | null {
    if (!this.cache || request.temperature !== 0) return null;
    return ResponseCache.key([call.accountId, targetKey(target), request.messages, request.responseFormat ?? null, request.maxOutputTokens ?? null]);
  }

  async *stream(call: GatewayCall): AsyncIterable<GatewayPart> {
    const observer = this.observer;
    if (!observer) return yield* this.walkChain(call);
    const started = performance.now();
    try {
      for await (const part of this.walkChain(call)) {
        if (part.type === 'finish') observer.finished(call.feature, part, performance.now() - started);
        yield part;
      }
    } catch (error) {
      if (error instanceof GatewayError) observer.failed(call.feature, error, performance.now() - started);
      throw error;
    }
  }

  private async *walkChain(call: GatewayCall): AsyncIterable<GatewayPart> {
    const policy = this.routing.features[call.feature];
    const deadline = AbortSignal.timeout(policy.timeoutMs);
    const signal = AbortSignal.any([call.signal, deadline]);
    const started = performance.now();
    const attempts: Attempt[] = [];
    let lastError: ServiceError | undefined;

    for (const target of this.chainOf(call.feature)) {
      const runtime = this.runtimeOf(target);
      const request = this.requestFor(call, target);
      const cacheKey = this.cacheKey(call, request, target);
      const cached = cacheKey ? this.cache!.get(cacheKey) : undefined;
      if (cached) {
        for (const text of cached.chunks) yield { type: 'text-delta', text };
        attempts.push({ provider: target.provider, model: target.model, outcome: 'ok', errorCode: null, latencyMs: 0 });
        yield {
          type: 'finish',
          provider: target.provider,
          model: target.model,
          usage: { inputTokens: cached.inputTokens, outputTokens: cached.outputTokens, costUsd: 0 },
          finishReason: cached.finishReason,
          cacheHit: true,
          timeToFirstTokenMs: cached.chunks.length > 0 ? Math.round(performance.now() - started) : null,
          attempts,
        };
        return;
      }

      for (let retry = 0; ; retry++) {
        if (!runtime.breaker.tryAcquire()) {
          attempts.push({ provider: target.provider, model: target.model, outcome: 'skipped', errorCode: ErrorCode.PROVIDER_UNAVAILABLE, latencyMs: 0 });
          lastError ??= new ProviderError('unavailable', target.provider, `${targetKey(target)} is failing and temporarily bypassed (circuit open)`);
          break;
        }
        const attemptStarted = performance.now();
        let release: (() => void) | undefined;
        let emitted = false;
        const chunks: string[] = [];
        try {
          release = await runtime.limiter.acquire(signal);
          let firstTokenAt: number | null = null;
          for await (const part of runtime.provider.stream(request, signal)) {
            if (part.type === 'text-delta') {
              if (firstTokenAt === null) firstTokenAt = performance.now();
              emitted = true;
              chunks.push(part.text);
              yield part;
              continue;
            }
            const latencyMs = Math.round(performance.now() - attemptStarted);
            runtime.breaker.recordSuccess();
            runtime.stats.record(true, latencyMs);
            attempts.push({ provider: target.provider, model: part.model ?? target.model, outcome: 'ok', errorCode: null, latencyMs });
            if (cacheKey && part.finishReason === 'stop') {
              const answer: CachedAnswer = { chunks, finishReason: part.finishReason, ...part.usage };
              this.cache!.set(cacheKey, answer);
            }
            yield {
              type: 'finish',
              provider: target.provider,
              model: part.model ?? target.model,
              usage: this.priced(target, part.usage),
              finishReason: part.finishReason,
              cacheHit: false,
              timeToFirstTokenMs: firstTokenAt === null ? null : Math.round(firstTokenAt - started),
              attempts,
            };
            return;
          }
          throw new ProviderError('bad-output', target.provider, 'the provider ended its stream without finishing');
        } catch (error) {
          const failure = explain(error, target.provider, call.signal, deadline);
          const latencyMs = Math.round(performance.now() - attemptStarted);
          attempts.push({ provider: target.provider, model: target.model, outcome: 'failed', errorCode: failure.code, latencyMs });
          if (error instanceof ConcurrencyLimitError || failure.code === ErrorCode.CANCELLED) {
            runtime.breaker.recordNeutral();
          } else {
            runtime.stats.record(false, latencyMs);
            if (ProviderError.isInstance(failure) && HEALTH_FAILURES.has(failure.failure)) runtime.breaker.recordFailure();
            else runtime.breaker.recordNeutral();
          }
          if (emitted || call.signal.aborted || deadline.aborted) throw new GatewayError(failure, attempts);
          lastError = failure;
          const retryable = ProviderError.isInstance(failure) && failure.retryable;
          if (!retryable || retry >= policy.retries) break;
          const delay = backoffDelay({ retries: policy.retries, ...this.routing.policies.retry }, retry, ProviderError.isInstance(failure) ? failure.retryAfterMs : undefined, this.random);
          // A wait that would outlast the deadline is better spent on the next target.
          if (performance.now() - started + delay >= policy.timeoutMs) break;
          try {
            await sleep(delay, signal);
          } catch {
            throw new GatewayError(explain(signal.reason, target.provider, call.signal, deadline), attempts);
          }
        } finally {
          release?.();
        }
      }
    }
    throw new GatewayError(lastError ?? new ServiceError(ErrorCode.PROVIDER_UNAVAILABLE, `no provider is configured for ${call.feature}`), attempts);
  }

  /** The whole answer at once, with the same chain, policies and deadline as `stream`. */
  async generate(call: GatewayCall): Promise<GatewayResult> {
    let text = '';
    for await (const part of this.stream(call)) {
      if (part.type === 'text-delta') text += part.text;
      else return { text, ...part };
    }
    throw new ProviderError('bad-output', 'gateway', 'the provider ended its stream without finishing');
  }
}

/** Turns whatever a provider threw into the error a client should see. */
function explain(error: unknown, provider: string, callerSignal: AbortSignal, deadline: AbortSignal): ServiceError {
  if (callerSignal.aborted) return new ServiceError(ErrorCode.CANCELLED, 'the request was cancelled');
  if (deadline.aborted) return new ProviderError('timeout', provider, 'the model did not answer within the deadline');
  if (error instanceof ConcurrencyLimitError) return new ProviderError('unavailable', provider, `${provider} is at its concurrency limit: ${error.message}`);
  if (ServiceError.isInstance(error)) return error;
  return new ProviderError('unavailable', provider, `the provider failed: ${(error as Error)?.message ?? String(error)}`, undefined, { cause: error });
}
