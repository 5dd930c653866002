/**
 * The embedded default provider: no network, no model weights. It drafts from the request's
 * structured task with the capability's own offline drafter, and streams the draft word by word
 * so clients see the same streaming behaviour as with a real model. It says what it is: results
 * name `builtin` as provider and model.
 */
import type { Feature } from '../../domain.js';
import { ProviderError } from '../../llm/errors.js';
import type {
  ModelProvider,
  ModelRequest,
  ModelResult,
  OfflineDrafter,
  StreamPart,
} from '../../llm/spec.js';
import { estimateTokens } from '../../llm/tokens.js';

export interface BuiltinProviderOptions {
  drafters: Partial<Record<Feature, OfflineDrafter>>;
  /** Pause between streamed words (ms); 0 yields to the event loop only. Useful for demos. */
  streamDelayMs?: number;
}

export const BUILTIN_MODEL = 'builtin';

export class BuiltinProvider implements ModelProvider {
  readonly name = 'builtin';
  readonly thirdParty = false;

  constructor(private readonly options: BuiltinProviderOptions) {}

  private draft(request: ModelRequest): string {
    const drafter = this.options.drafters[request.feature];
    if (!drafter)
      throw new ProviderError(
        'bad-request',
        this.name,
        `the builtin provider has no offline drafter for ${request.feature}`,
      );
    // A request without a task (a judge's prompt, say) has nothing to draft from; it fails as a
    // drafter's crash always has, as an unavailable provider, so the chain moves on.
    if (!request.task)
      throw new ProviderError(
        'unavailable',
        this.name,
        `the builtin provider drafts only from a task, and this ${request.feature} request has none`,
      );
    return drafter(request.task);
  }

  private usageOf(request: ModelRequest, text: string) {
    return {
      inputTokens: estimateTokens(request.messages.map((message) => message.content).join('\n')),
      outputTokens: estimateTokens(text),
    };
  }

  async generate(request: ModelRequest, signal: AbortSignal): Promise<ModelResult> {
    if (signal.aborted) throw new ProviderError('cancelled', this.name, 'cancelled before start');
    const text = this.draft(request);
    return { text, usage: this.usageOf(request, text), finishReason: 'stop', model: BUILTIN_MODEL };
  }

  async *stream(request: ModelRequest, signal: AbortSignal): AsyncIterable<StreamPart> {
    const text = this.draft(request);
    const delay = this.options.streamDelayMs ?? 0;
    // A word and the whitespace after it make one delta, like a tokenizer's pieces.
    for (const match of text.matchAll(/\s*\S+/g)) {
      await new Promise((resolve) =>
        delay > 0 ? setTimeout(resolve, delay) : setImmediate(resolve),
      );
      if (signal.aborted) throw new ProviderError('cancelled', this.name, 'cancelled mid-stream');
      yield { type: 'text-delta', text: match[0] };
    }
    const trailing = text.match(/\s+$/)?.[0];
    if (trailing) yield { type: 'text-delta', text: trailing };
    yield {
      type: 'finish',
      usage: this.usageOf(request, text),
      finishReason: 'stop',
      model: BUILTIN_MODEL,
    };
  }
}
