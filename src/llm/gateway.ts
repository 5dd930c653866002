/**
 * The LLM gateway: the one door through which every capability reaches a model. It picks the
 * feature's chain of targets, enforces the deadline, falls back to the next target when one fails
 * before any text reached the caller, and prices the usage. Capabilities never see a vendor.
 */
import type { Feature, Usage } from '../domain.js';
import { ErrorCode, ServiceError } from '../errors.js';
import { ProviderError } from './errors.js';
import type { ChatMessage, FinishReason, ModelProvider, ModelRequest, ResponseFormat, TokenUsage } from './spec.js';
import { targetKey, type LlmRouting, type Target } from './routing.js';

export interface GatewayCall {
  feature: Feature;
  accountId: string;
  messages: ChatMessage[];
  /** Structured input for providers that draft from data (builtin). */
  task?: unknown;
  responseFormat?: ResponseFormat;
  /** The caller's abort (closed socket, cancelled subscription, cancelGeneration). */
  signal: AbortSignal;
}

export interface Answered {
  provider: string;
  model: string;
  usage: Usage;
  finishReason: FinishReason;
}

export type GatewayPart = { type: 'text-delta'; text: string } | ({ type: 'finish' } & Answered);

export interface GatewayResult extends Answered {
  text: string;
}

export class LlmGateway {
  private readonly providers: ReadonlyMap<string, ModelProvider>;

  constructor(
    private readonly routing: LlmRouting,
    providers: readonly ModelProvider[],
  ) {
    this.providers = new Map(providers.map((provider) => [provider.name, provider]));
    for (const [feature, policy] of Object.entries(routing.features)) {
      for (const target of policy.chain) {
        if (!this.providers.has(target.provider)) throw new Error(`feature ${feature}: provider "${target.provider}" is not registered`);
      }
    }
  }

  /** The configured chain of a feature, head first. */
  chainOf(feature: Feature): readonly Target[] {
    return this.routing.features[feature].chain;
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

  /**
   * Streams the first target that answers. Once a delta has been yielded to the caller, a
   * failure is final: retrying or falling back would repeat or contradict text already shown.
   */
  async *stream(call: GatewayCall): AsyncIterable<GatewayPart> {
    const deadline = AbortSignal.timeout(this.routing.features[call.feature].timeoutMs);
    const signal = AbortSignal.any([call.signal, deadline]);
    let lastError: unknown;
    for (const target of this.chainOf(call.feature)) {
      const provider = this.providers.get(target.provider)!;
      let emitted = false;
      try {
        for await (const part of provider.stream(this.requestFor(call, target), signal)) {
          if (part.type === 'text-delta') {
            emitted = true;
            yield part;
          } else {
            yield { type: 'finish', provider: provider.name, model: part.model ?? target.model, usage: this.priced(target, part.usage), finishReason: part.finishReason };
          }
        }
        return;
      } catch (error) {
        const failure = explain(error, provider.name, call.signal, deadline);
        if (emitted || call.signal.aborted || deadline.aborted) throw failure;
        lastError = failure;
      }
    }
    throw lastError ?? new ServiceError(ErrorCode.PROVIDER_UNAVAILABLE, `no provider is configured for ${call.feature}`);
  }

  /** The whole answer at once, with the same chain, deadline and fallback as `stream`. */
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
  if (ServiceError.isInstance(error)) return error;
  return new ProviderError('unavailable', provider, `the provider failed: ${(error as Error)?.message ?? String(error)}`, undefined, { cause: error });
}
