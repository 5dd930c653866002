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
import { Deadline } from './deadline.js';
import { ProviderError } from './errors.js';
import { errorCodeOf, toPublicError, type CallFailure } from './public-error.js';
import { CircuitBreaker, type BreakerState } from './policies/breaker.js';
import { ConcurrencyLimitError, ConcurrencyLimiter } from './policies/concurrency.js';
import { ResponseCache, type CachedAnswer } from './policies/response-cache.js';
import { backoffDelay, sleep } from './policies/retry.js';
import { TargetStats, type TargetHealth } from './policies/target-stats.js';
import { targetKey, type ProviderChains, type Target } from './provider-chains.js';
import type {
  ChatMessage,
  FinishReason,
  ModelProvider,
  ModelRequest,
  OfflineTask,
  ResponseFormat,
  StreamPart,
  TokenUsage,
} from './spec.js';

export interface GatewayCall {
  feature: Feature;
  accountId: string;
  messages: ChatMessage[];
  /** Structured input for providers that draft from data (builtin). */
  task?: OfflineTask;
  responseFormat?: ResponseFormat;
  /** The caller's abort (closed socket, abandoned stream, cancelGeneration, shutdown). */
  signal: AbortSignal;
  /**
   * Evaluation overrides: these targets, in order, instead of the feature's chain (every target's
   * provider must be configured); the feature's other policies still apply.
   */
  targets?: readonly Target[];
  /** Evaluation override of the feature's temperature (an LLM judge answers at 0). */
  temperature?: number;
  /** Skip the exact-match cache, so an evaluation measures the model's latency and cost. */
  bypassCache?: boolean;
  /** The request this call serves, for the audit log. */
  requestId?: string;
  /**
   * The caller reads the answer only once it is complete (a draft that is not streamed, a routing
   * batch, a judge): the provider is asked for it in one response instead of a stream, which
   * costs less per call (one body to parse rather than a chunk per token). There is then no
   * time to first token to report.
   */
  wholeAnswer?: boolean;
  /**
   * The untrusted data the messages carry, one item per source (a capability's input, each ticket
   * of a routing batch): screened for prompt injection before any provider is called.
   */
  untrusted?: readonly unknown[];
}

export type Attempt = ProviderAttempt;

export interface Answered {
  provider: string;
  model: string;
  usage: Usage;
  finishReason: FinishReason;
  cacheHit: boolean;
  /** Milliseconds from the call to the first delta; null when there was no text or no stream (`wholeAnswer`). */
  timeToFirstTokenMs: number | null;
  attempts: Attempt[];
  /** The untrusted data's prompt-injection score, when it reached the flag threshold (data protection). */
  injectionScore?: number | null;
}

export type GatewayPart = { type: 'text-delta'; text: string } | ({ type: 'finish' } & Answered);

export interface GatewayResult extends Answered {
  text: string;
}

/** The gateway's failure, carrying the trail of attempts for the generation's record. */
export class GatewayError extends ServiceError {
  /** As on `Answered`: set when the untrusted data's score reached the flag threshold. */
  injectionScore: number | null = null;

  constructor(
    failure: CallFailure,
    readonly attempts: Attempt[],
  ) {
    const visible = toPublicError(failure);
    super(visible.code, visible.message, visible.details, { cause: failure });
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

/** Told how every gateway call ended (metrics, audit log); must not throw. */
export interface GatewayObserver {
  finished(feature: Feature, answered: Answered, durationMs: number, context?: ObservedCall): void;
  failed(feature: Feature, error: GatewayError, durationMs: number, context?: ObservedCall): void;
}

/** The call an observer is told about, with its data protection (null when none is configured). */
export interface ObservedCall {
  call: GatewayCall;
  protection: ProtectedCall | null;
}

/**
 * Data protection (security/data-protection), asked once per call before any provider is: it
 * screens the untrusted data for prompt injection, redacts personal data for providers outside the
 * trust boundary, and plants a canary in the system prompt.
 */
export interface GatewayProtection {
  open(call: GatewayCall): Promise<ProtectedCall>;
}

export interface ProtectedCall {
  /** Set when no provider may see the call (PROMPT_INJECTION_SUSPECTED): the client-safe message. */
  readonly refusal: string | null;
  /** The untrusted data's prompt-injection score when it reached the flag threshold; null otherwise. */
  readonly injectionScore: number | null;
  /** What one target is sent, and how its answer is restored. */
  prepare(target: Target): PreparedMessages;
  /** Whether an answer, as the provider sent it, reveals the canary. */
  leaks(text: string): boolean;
}

export interface PreparedMessages {
  messages: ChatMessage[];
  /** Whether personal data was replaced by placeholders (then the raw `task` is withheld too). */
  redacted: boolean;
  /** The messages the exact-match cache is keyed on (without the per-call canary); null: never cache. */
  cacheMessages: ChatMessage[] | null;
  /** A fresh restorer per attempt: the caller sees the originals where the model wrote placeholders. */
  restorer(): { push(delta: string): string; flush(): string };
}

/** Per-account token and spending limits (security/limits): asked before a call, told what it used. */
export interface GatewayLimits {
  /** Throws RATE_LIMITED while the account may not start an LLM call. */
  admit(accountId: string): Promise<void>;
  /** The usage of an answered call that reached a provider (not a cache hit); must not throw. */
  charge(accountId: string, usage: Usage): Promise<void>;
}

/** What the gateway plugs in around each call (a hook left out is skipped), and its jitter. */
export interface GatewayOptions {
  protection?: GatewayProtection;
  observer?: GatewayObserver;
  limits?: GatewayLimits;
  /** Jitter of the retry backoff; tests make it deterministic. */
  random?: () => number;
}

export class LlmGateway {
  private readonly observer: GatewayObserver | null;
  private readonly limits: GatewayLimits | null;
  private readonly protection: GatewayProtection | null;
  private readonly random: () => number;
  private readonly providers: ReadonlyMap<string, ModelProvider>;
  private readonly targets = new Map<string, TargetRuntime>();
  private readonly cache: ResponseCache | null;

  constructor(
    private readonly chains: ProviderChains,
    providers: readonly ModelProvider[],
    options: GatewayOptions = {},
  ) {
    this.observer = options.observer ?? null;
    this.limits = options.limits ?? null;
    this.protection = options.protection ?? null;
    this.random = options.random ?? Math.random;
    this.providers = new Map(providers.map((provider) => [provider.name, provider]));
    for (const [feature, policy] of Object.entries(chains.features)) {
      for (const target of policy.chain) {
        if (!this.providers.has(target.provider))
          throw new Error(`feature ${feature}: provider "${target.provider}" is not registered`);
        this.runtimeOf(target);
      }
    }
    this.cache =
      chains.policies.cacheMaxBytes > 0 ? new ResponseCache(chains.policies.cacheMaxBytes) : null;
  }

  private runtimeOf(target: Target): TargetRuntime {
    const key = targetKey(target);
    let runtime = this.targets.get(key);
    if (!runtime) {
      runtime = {
        target,
        provider: this.providers.get(target.provider)!,
        breaker: new CircuitBreaker(this.chains.policies.breaker),
        limiter: new ConcurrencyLimiter(this.chains.policies.concurrency),
        stats: new TargetStats(),
      };
      this.targets.set(key, runtime);
    }
    return runtime;
  }

  /** The configured chain of a feature, head first. */
  chainOf(feature: Feature): readonly Target[] {
    return this.chains.features[feature].chain;
  }

  /** Whether the feature's chain holds a language model, not only the builtin provider. */
  hasLanguageModel(feature: Feature): boolean {
    return this.chainOf(feature).some(
      (target) => this.chains.providers[target.provider]?.type !== 'builtin',
    );
  }

  /** Every configured target with its breaker, load and recent health. */
  status(): TargetStatus[] {
    return [...this.targets.values()].map((runtime) => ({
      target: runtime.target,
      breakerState: runtime.breaker.state,
      inFlight: runtime.limiter.inFlight,
      queued: runtime.limiter.queued,
      headOf: (Object.keys(this.chains.features) as Feature[]).filter(
        (feature) =>
          targetKey(this.chains.features[feature].chain[0]!) === targetKey(runtime.target),
      ),
      ...runtime.stats.health(),
    }));
  }

  private priced(target: Target, usage: TokenUsage): Usage {
    const price = this.chains.prices[targetKey(target)];
    const costUsd = price
      ? (usage.inputTokens * price.inputPerMillionUsd +
          usage.outputTokens * price.outputPerMillionUsd) /
        1_000_000
      : 0;
    return { ...usage, costUsd };
  }

  private requestFor(call: GatewayCall, target: Target, sending?: PreparedMessages): ModelRequest {
    const policy = this.chains.features[call.feature];
    return {
      model: target.model,
      feature: call.feature,
      messages: sending?.messages ?? call.messages,
      task: sending?.redacted ? undefined : call.task,
      responseFormat: call.responseFormat,
      temperature: call.temperature ?? policy.temperature,
      maxOutputTokens: policy.maxOutputTokens,
    };
  }

  /** Deterministic requests only: a sampled answer must not be replayed as if it were the answer. */
  private cacheKey(
    call: GatewayCall,
    request: ModelRequest,
    target: Target,
    sending?: PreparedMessages,
  ): string | null {
    if (!this.cache || request.temperature !== 0 || call.bypassCache) return null;
    // Keyed on what the target is sent (redacted), without the per-call canary; never on raw personal data.
    const messages = sending ? sending.cacheMessages : request.messages;
    if (!messages) return null;
    return ResponseCache.key([
      call.accountId,
      targetKey(target),
      messages,
      request.responseFormat ?? null,
      request.maxOutputTokens ?? null,
    ]);
  }

  /**
   * The call's parts: text deltas, then one `finish`. One async generator from the provider's
   * stream to the caller: every open stream holds each layer as a suspended frame, and every delta
   * pays each layer's hop.
   */
  async *stream(call: GatewayCall): AsyncIterable<GatewayPart> {
    const { observer, limits, protection } = this;
    // Before any provider is called: an account out of tokens or budget is refused here.
    await limits?.admit(call.accountId);
    const callStarted = performance.now();
    // Also before any provider: injection screening, PII redaction per target, the canary.
    const guard = (await protection?.open(call)) ?? null;
    const observed: ObservedCall = { call, protection: guard };
    /** The finish as the caller sees it, once the observer and the account's usage are told. */
    const finished = async (raw: Extract<GatewayPart, { type: 'finish' }>) => {
      const part = guard ? { ...raw, injectionScore: guard.injectionScore } : raw;
      observer?.finished(call.feature, part, performance.now() - callStarted, observed);
      if (!part.cacheHit) await limits?.charge(call.accountId, part.usage);
      return part;
    };
    const policy = this.chains.features[call.feature];
    const deadline = new Deadline(call.signal, policy.timeoutMs);
    const { signal } = deadline;
    try {
      if (guard?.refusal)
        throw new GatewayError(
          new ServiceError(ErrorCode.PROMPT_INJECTION_SUSPECTED, guard.refusal),
          [],
        );
      const started = performance.now();
      const attempts: Attempt[] = [];
      let lastError: CallFailure | undefined;

      for (const target of call.targets ?? this.chainOf(call.feature)) {
        if (!this.providers.has(target.provider))
          throw new GatewayError(
            new ServiceError(
              ErrorCode.BAD_USER_INPUT,
              `provider "${target.provider}" is not configured`,
            ),
            attempts,
          );
        const runtime = this.runtimeOf(target);
        const sending = guard?.prepare(target);
        const request = this.requestFor(call, target, sending);
        const cacheKey = this.cacheKey(call, request, target, sending);
        const cached = cacheKey ? this.cache!.get(cacheKey) : undefined;
        if (cached) {
          // Cached as received (placeholders); restored with this call's own values.
          const restore = sending?.restorer();
          for (const chunk of cached.chunks) {
            const text = restore ? restore.push(chunk) : chunk;
            if (text) yield { type: 'text-delta', text };
          }
          const rest = restore?.flush();
          if (rest) yield { type: 'text-delta', text: rest };
          attempts.push({
            provider: target.provider,
            model: target.model,
            outcome: 'ok',
            errorCode: null,
            latencyMs: 0,
          });
          yield await finished({
            type: 'finish',
            provider: target.provider,
            model: target.model,
            usage: {
              inputTokens: cached.inputTokens,
              outputTokens: cached.outputTokens,
              costUsd: 0,
            },
            finishReason: cached.finishReason,
            cacheHit: true,
            timeToFirstTokenMs:
              cached.chunks.length > 0 && !call.wholeAnswer
                ? Math.round(performance.now() - started)
                : null,
            attempts,
          });
          return;
        }

        for (let retry = 0; ; retry++) {
          if (!runtime.breaker.tryAcquire()) {
            attempts.push({
              provider: target.provider,
              model: target.model,
              outcome: 'skipped',
              errorCode: ErrorCode.PROVIDER_UNAVAILABLE,
              latencyMs: 0,
            });
            lastError ??= new ProviderError(
              'unavailable',
              target.provider,
              `${targetKey(target)} is failing and temporarily bypassed (circuit open)`,
            );
            break;
          }
          const attemptStarted = performance.now();
          let release: (() => void) | undefined;
          let emitted = false;
          const chunks: string[] = [];
          const restore = sending?.restorer();
          try {
            release = await runtime.limiter.acquire(signal);
            let firstTokenAt: number | null = null;
            const parts = call.wholeAnswer
              ? answerAtOnce(runtime.provider, request, signal)
              : runtime.provider.stream(request, signal);
            for await (const part of parts) {
              if (part.type === 'text-delta') {
                if (firstTokenAt === null) firstTokenAt = performance.now();
                emitted = true;
                chunks.push(part.text);
                const text = restore ? restore.push(part.text) : part.text;
                if (text) yield { type: 'text-delta', text };
                continue;
              }
              // An answer that reveals the canary is refused before the rest of it is shown or cached.
              if (guard?.leaks(chunks.join('')))
                throw new ProviderError(
                  'bad-output',
                  target.provider,
                  'the model revealed its instructions: its answer contains the confidential marker planted in its system prompt',
                );
              const rest = restore?.flush();
              if (rest) yield { type: 'text-delta', text: rest };
              const latencyMs = Math.round(performance.now() - attemptStarted);
              runtime.breaker.recordSuccess();
              runtime.stats.record(true, latencyMs);
              attempts.push({
                provider: target.provider,
                model: part.model ?? target.model,
                outcome: 'ok',
                errorCode: null,
                latencyMs,
              });
              if (cacheKey && part.finishReason === 'stop') {
                const answer: CachedAnswer = {
                  chunks,
                  finishReason: part.finishReason,
                  ...part.usage,
                };
                this.cache!.set(cacheKey, answer);
              }
              yield await finished({
                type: 'finish',
                provider: target.provider,
                model: part.model ?? target.model,
                usage: this.priced(target, part.usage),
                finishReason: part.finishReason,
                cacheHit: false,
                timeToFirstTokenMs:
                  firstTokenAt === null || call.wholeAnswer
                    ? null
                    : Math.round(firstTokenAt - started),
                attempts,
              });
              return;
            }
            throw new ProviderError(
              'bad-output',
              target.provider,
              'the provider ended its stream without finishing',
            );
          } catch (error) {
            const failure = explain(error, target.provider, deadline);
            const latencyMs = Math.round(performance.now() - attemptStarted);
            attempts.push({
              provider: target.provider,
              model: target.model,
              outcome: 'failed',
              errorCode: errorCodeOf(failure),
              latencyMs,
            });
            if (
              error instanceof ConcurrencyLimitError ||
              errorCodeOf(failure) === ErrorCode.CANCELLED
            ) {
              runtime.breaker.recordNeutral();
            } else {
              runtime.stats.record(false, latencyMs);
              if (ProviderError.isInstance(failure) && HEALTH_FAILURES.has(failure.failure))
                runtime.breaker.recordFailure();
              else runtime.breaker.recordNeutral();
            }
            if (emitted || signal.aborted) throw new GatewayError(failure, attempts);
            lastError = failure;
            const retryable = ProviderError.isInstance(failure) && failure.retryable;
            if (!retryable || retry >= policy.retries) break;
            const delay = backoffDelay(
              { retries: policy.retries, ...this.chains.policies.retry },
              retry,
              ProviderError.isInstance(failure) ? failure.retryAfterMs : undefined,
              this.random,
            );
            // A wait that would outlast the deadline is better spent on the next target.
            if (performance.now() - started + delay >= policy.timeoutMs) break;
            try {
              await sleep(delay, signal);
            } catch {
              throw new GatewayError(explain(signal.reason, target.provider, deadline), attempts);
            }
          } finally {
            release?.();
          }
        }
      }
      throw new GatewayError(
        lastError ??
          new ServiceError(
            ErrorCode.PROVIDER_UNAVAILABLE,
            `no provider is configured for ${call.feature}`,
          ),
        attempts,
      );
    } catch (error) {
      if (error instanceof GatewayError) {
        error.injectionScore = guard?.injectionScore ?? null;
        observer?.failed(call.feature, error, performance.now() - callStarted, observed);
      }
      throw error;
    } finally {
      deadline.dispose(false);
    }
  }

  /** The whole answer at once, with the same chain, policies and deadline as `stream`. */
  async generate(call: GatewayCall): Promise<GatewayResult> {
    let text = '';
    for await (const part of this.stream({ ...call, wholeAnswer: true })) {
      if (part.type === 'text-delta') text += part.text;
      else return { text, ...part };
    }
    throw toPublicError(
      new ProviderError('bad-output', 'gateway', 'the provider ended its stream without finishing'),
    );
  }
}

/** A provider's one-response answer as the parts of a stream, so both go through the same attempt. */
async function* answerAtOnce(
  provider: ModelProvider,
  request: ModelRequest,
  signal: AbortSignal,
): AsyncIterable<StreamPart> {
  const answer = await provider.generate(request, signal);
  if (answer.text) yield { type: 'text-delta', text: answer.text };
  yield {
    type: 'finish',
    usage: answer.usage,
    finishReason: answer.finishReason,
    ...(answer.model === undefined ? {} : { model: answer.model }),
  };
}

/** Turns whatever a provider threw into a failure the chain walk can act on (`toPublicError` makes it what a client sees). */
function explain(error: unknown, provider: string, deadline: Deadline): CallFailure {
  if (deadline.cancelled) return new ServiceError(ErrorCode.CANCELLED, 'the request was cancelled');
  if (deadline.timedOut)
    return new ProviderError('timeout', provider, 'the model did not answer within the deadline');
  if (error instanceof ConcurrencyLimitError)
    return new ProviderError(
      'unavailable',
      provider,
      `${provider} is at its concurrency limit: ${error.message}`,
    );
  if (ServiceError.isInstance(error) || ProviderError.isInstance(error)) return error;
  return new ProviderError(
    'unavailable',
    provider,
    `the provider failed: ${(error as Error)?.message ?? String(error)}`,
    undefined,
    { cause: error },
  );
}
