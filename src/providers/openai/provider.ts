/**
 * A `ModelProvider` over OpenAI chat completions: one undici request each, on the SDK's wire
 * (completion-request.ts), and the official SDK itself for credentials other than a plain key.
 * It also serves any OpenAI-compatible server (vLLM, llama.cpp, a test double) through
 * `baseURL`, so several named instances may exist side by side (`openai`, `local-vllm`).
 */
import OpenAI from 'openai';
import { ProviderError } from '../../llm/errors.js';
import type {
  ModelProvider,
  ModelRequest,
  ModelResult,
  StreamPart,
  TokenUsage,
} from '../../llm/spec.js';
import { countTokens } from '../../llm/tokens.js';
import { expiryOf, type Expiry } from '../../llm/deadline.js';
import { toFinishReason } from './finish-reason.js';
import { toProviderError } from './map-error.js';
import { openAiFetch } from './transport.js';
import { completionEndpoint, type CompletionEndpoint } from './completion-request.js';
import { streamCompletion } from './stream-completion.js';
import { completeWhole } from './whole-completion.js';

export interface OpenAiProviderOptions {
  /** The instance name, reported on every error (`openai`, `local-vllm`). */
  name: string;
  /**
   * From the configuration (OPENAI_API_KEY, or the variable LLM_CONFIG names); a server of our own
   * behind `baseURL` may need none.
   */
  apiKey?: string;
  /** An OpenAI-compatible endpoint, including its `/v1`. Defaults to api.openai.com. */
  baseURL?: string;
  /** Used when a request names no model. */
  defaultModel?: string;
  /**
   * How long to wait for the answer (generate) or for the next chunk (stream) before failing
   * with `timeout`. Unset: the SDK's own 10-minute limit on response headers is all there is.
   */
  timeoutMs?: number;
  /** Whether prompts leave our trust boundary. Defaults to true; set false for a self-hosted model. */
  thirdParty?: boolean;
}

type ChatMessageParam = OpenAI.Chat.Completions.ChatCompletionMessageParam;
type ChatParams = OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;
type ChatCompletion = OpenAI.Chat.Completions.ChatCompletion;
type ChatChunk = OpenAI.Chat.Completions.ChatCompletionChunk;
type ChatUsage = OpenAI.Completions.CompletionUsage;

export class OpenAiProvider implements ModelProvider {
  readonly name: string;
  readonly thirdParty: boolean;
  readonly #client: OpenAI;
  readonly #defaultModel: string | undefined;
  readonly #timeoutMs: number | undefined;
  /** Where requests go without the SDK; null: through the SDK (see completion-request.ts). */
  readonly #endpoint: CompletionEndpoint | null;

  constructor(options: OpenAiProviderOptions) {
    this.name = options.name;
    this.thirdParty = options.thirdParty ?? true;
    this.#defaultModel = options.defaultModel;
    this.#timeoutMs = options.timeoutMs;
    const apiKey = options.apiKey ?? (options.baseURL === undefined ? undefined : 'unused');
    this.#client = new OpenAI({
      ...(apiKey === undefined ? {} : { apiKey }),
      ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
      ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
      // The gateway owns retries and fallback; a retry in here would hide failures from it.
      maxRetries: 0,
      // Failures reach the caller as ProviderErrors; the SDK's own console logging is noise.
      logLevel: 'off',
      // Lighter per call than the platform fetch, which matters with thousands of open streams.
      fetch: openAiFetch,
    });
    this.#endpoint = completionEndpoint(this.#client);
  }

  async generate(request: ModelRequest, signal: AbortSignal): Promise<ModelResult> {
    const deadline = expiryOf(signal, this.#timeoutMs);
    let completion: ChatCompletion;
    try {
      const params = this.#params(request);
      completion = this.#endpoint
        ? ((await completeWhole(this.#endpoint, params, deadline.signal)) as ChatCompletion)
        : await this.#client.chat.completions.create(params, {
            signal: deadline.signal,
            maxRetries: 0,
          });
    } catch (error) {
      throw this.#classify(error, deadline);
    } finally {
      deadline.dispose();
    }

    // The SDK hands back whatever the body was (a string, when the content type was not JSON).
    const choice =
      isObject(completion) && Array.isArray(completion.choices) ? completion.choices[0] : undefined;
    if (!choice || !isObject(choice.message))
      throw this.#error('bad-output', 'the response has no choices[0].message');
    const { message } = choice;
    if (typeof message.refusal === 'string' && message.refusal !== '') {
      throw this.#error('refused', `the model refused: ${message.refusal}`);
    }
    const text = typeof message.content === 'string' ? message.content : '';
    const finishReason = toFinishReason(choice.finish_reason);
    if (request.responseFormat) this.#checkJson(text, finishReason);
    return {
      text,
      usage: toUsage(completion.usage, request, text),
      finishReason,
      ...(typeof completion.model === 'string' ? { model: completion.model } : {}),
    };
  }

  async *stream(request: ModelRequest, signal: AbortSignal): AsyncGenerator<StreamPart> {
    // Without a timeout of its own, the caller's signal as it is (see expiryOf): leaving early
    // needs no abort of ours, since ending the chunks' iteration aborts their request
    // (stream-completion.ts; the SDK's `Stream` does the same).
    const deadline = expiryOf(signal, this.#timeoutMs);
    try {
      const params = {
        ...this.#params(request),
        stream: true as const,
        stream_options: { include_usage: true },
      };
      const chunks: AsyncIterable<ChatChunk> = this.#endpoint
        ? (streamCompletion(this.#endpoint, params, deadline.signal) as AsyncIterable<ChatChunk>)
        : await this.#client.chat.completions.create(params, {
            signal: deadline.signal,
            maxRetries: 0,
          });
      deadline.touch();

      let text = '';
      let refusal = '';
      let finish: string | null | undefined;
      let usage: ChatUsage | undefined;
      let model: string | undefined;
      for await (const chunk of chunks) {
        deadline.touch();
        if (!isObject(chunk)) throw this.#error('bad-output', 'a stream chunk is not an object');
        if (typeof chunk.model === 'string' && chunk.model !== '') model ??= chunk.model;
        // With include_usage the last chunk carries the usage and an empty `choices`.
        if (isObject(chunk.usage)) usage = chunk.usage;
        const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
        if (!choice) continue;
        const delta = isObject(choice.delta) ? choice.delta : undefined;
        if (typeof delta?.refusal === 'string') refusal += delta.refusal;
        if (typeof delta?.content === 'string' && delta.content !== '') {
          text += delta.content;
          yield { type: 'text-delta', text: delta.content };
        }
        if (choice.finish_reason) finish = choice.finish_reason;
      }

      // The SDK ends the iteration quietly when its signal aborts (undici throws): say why it ended.
      if (deadline.cancelled) throw this.#error('cancelled', 'request aborted');
      if (deadline.timedOut) throw this.#error('timeout', `no chunk within ${this.#timeoutMs} ms`);
      // A server that closes cleanly without a finish_reason cut the answer short.
      if (!finish) throw this.#error('unavailable', 'the stream ended before the answer finished');
      if (refusal !== '') throw this.#error('refused', `the model refused: ${refusal}`);
      const finishReason = toFinishReason(finish);
      if (request.responseFormat) this.#checkJson(text, finishReason);
      yield {
        type: 'finish',
        usage: toUsage(usage, request, text),
        finishReason,
        ...(model === undefined ? {} : { model }),
      };
    } catch (error) {
      throw this.#classify(error, deadline);
    } finally {
      deadline.dispose();
    }
  }

  #params(request: ModelRequest): ChatParams {
    const model = request.model || this.#defaultModel;
    if (!model) throw this.#error('bad-request', 'no model named by the request or the provider');
    const params: ChatParams = {
      model,
      messages: request.messages.map((m): ChatMessageParam => ({
        role: m.role,
        content: m.content,
      })),
    };
    if (request.temperature !== undefined) params.temperature = request.temperature;
    if (request.maxOutputTokens !== undefined)
      params.max_completion_tokens = request.maxOutputTokens;
    if (request.responseFormat) {
      params.response_format = {
        type: 'json_schema',
        json_schema: {
          name: request.responseFormat.name,
          schema: request.responseFormat.schema,
          strict: true,
        },
      };
    }
    return params;
  }

  /**
   * Structured output must at least be JSON. Whether it fits the schema is for the caller, which
   * validates it anyway (a strict schema is a strong hint to the model, not a guarantee everywhere).
   */
  #checkJson(text: string, finishReason: string): void {
    try {
      JSON.parse(text);
    } catch {
      const why = finishReason === 'length' ? ' (cut at the token limit)' : '';
      throw this.#error('bad-output', `structured output is not valid JSON${why}`);
    }
  }

  #classify(error: unknown, deadline: Expiry): ProviderError {
    if (ProviderError.isInstance(error)) return error;
    if (deadline.cancelled)
      return new ProviderError('cancelled', this.name, `${this.name}: request aborted`, undefined, {
        cause: error,
      });
    if (deadline.timedOut) {
      return new ProviderError(
        'timeout',
        this.name,
        `${this.name}: no answer within ${this.#timeoutMs} ms`,
        undefined,
        { cause: error },
      );
    }
    return toProviderError(error, this.name);
  }

  #error(failure: ProviderError['failure'], message: string): ProviderError {
    return new ProviderError(failure, this.name, `${this.name}: ${message}`);
  }
}

/** The SDK types are what the server should send, not what it did: check before trusting. */
function isObject<T>(value: T): value is NonNullable<T> & object {
  return typeof value === 'object' && value !== null;
}

/**
 * The server's counts when it sent them. A server that ignores `stream_options.include_usage`
 * (older vLLM, some proxies) sends none: then we estimate about four characters per token, which
 * is close enough for budgets and cost dashboards but not for billing.
 */
function toUsage(
  usage: ChatUsage | null | undefined,
  request: ModelRequest,
  text: string,
): TokenUsage {
  if (
    usage &&
    typeof usage.prompt_tokens === 'number' &&
    typeof usage.completion_tokens === 'number'
  ) {
    return { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens };
  }
  const prompt = request.messages.map((m) => m.content).join('\n');
  return { inputTokens: countTokens(prompt), outputTokens: countTokens(text) };
}
