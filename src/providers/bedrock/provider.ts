/**
 * A `ModelProvider` over Amazon Bedrock's Converse and ConverseStream APIs, which speak one
 * message format for every model family on Bedrock.
 *
 * Structured output goes through tool use: one tool whose input schema is the requested JSON
 * schema, and `toolChoice` forcing the model to call it. The tool's input is the answer, returned
 * (and streamed) as JSON text. Forcing a specific tool needs a model that supports it (Anthropic
 * Claude 3+, Amazon Nova, Mistral Large); others answer ValidationException, i.e. `bad-request`.
 */
import type * as BedrockSdkModule from '@aws-sdk/client-bedrock-runtime';
import type {
  BedrockRuntimeClient,
  BedrockRuntimeClientConfig,
  ContentBlock,
  ConverseCommandInput,
  Message,
  SystemContentBlock,
  TokenUsage as BedrockUsage,
  ToolConfiguration,
} from '@aws-sdk/client-bedrock-runtime';
import { ProviderError } from '../../llm/errors.js';
import type {
  ModelProvider,
  ModelRequest,
  ModelResult,
  StreamPart,
  TokenUsage,
} from '../../llm/spec.js';
import { countTokens } from '../../llm/tokens.js';
import { Deadline, expiryOf, type Expiry } from '../../llm/deadline.js';
import { toProviderError } from './map-error.js';
import { isMalformedStop, toFinishReason } from './stop-reason.js';

export interface BedrockProviderOptions {
  /** The instance name, reported on every error (`bedrock`). */
  name: string;
  /** Defaults to the standard AWS chain (AWS_REGION, the shared config file). */
  region?: string;
  /** Overrides the regional endpoint (a VPC endpoint, a test double). */
  endpoint?: string;
  /** Used when a request names no model. */
  defaultModel?: string;
  /** Defaults to the standard AWS credential chain (env, SSO, profile, IMDS/ECS). */
  credentials?: BedrockRuntimeClientConfig['credentials'];
  /** How long to wait for the answer (generate) or the next event (stream) before `timeout`. */
  timeoutMs?: number;
  /** Whether prompts leave our trust boundary. Defaults to true. */
  thirdParty?: boolean;
}

type DocumentType = NonNullable<ConverseCommandInput['additionalModelRequestFields']>;

type BedrockSdk = typeof BedrockSdkModule;
let bedrockSdk: Promise<BedrockSdk> | undefined;
/** The AWS SDK (about 20 MB of memory) is loaded on a Bedrock provider's first call, not by every process. */
const loadBedrockSdk = () => (bedrockSdk ??= import('@aws-sdk/client-bedrock-runtime'));

export class BedrockProvider implements ModelProvider {
  readonly name: string;
  readonly thirdParty: boolean;
  readonly #clientConfig: BedrockRuntimeClientConfig;
  #client: Promise<BedrockRuntimeClient> | undefined;
  readonly #defaultModel: string | undefined;
  readonly #timeoutMs: number | undefined;

  constructor(options: BedrockProviderOptions) {
    this.name = options.name;
    this.thirdParty = options.thirdParty ?? true;
    this.#defaultModel = options.defaultModel;
    this.#timeoutMs = options.timeoutMs;
    this.#clientConfig = {
      ...(options.region === undefined ? {} : { region: options.region }),
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
      // The gateway owns retries and fallback; one attempt here, always.
      maxAttempts: 1,
    };
  }

  async generate(request: ModelRequest, signal: AbortSignal): Promise<ModelResult> {
    const deadline = expiryOf(signal, this.#timeoutMs);
    try {
      const input = this.#input(request);
      const [client, { ConverseCommand }] = await Promise.all([
        this.#sdkClient(),
        loadBedrockSdk(),
      ]);
      const response = await client.send(new ConverseCommand(input), {
        abortSignal: deadline.signal,
      });
      if (isMalformedStop(response.stopReason))
        throw this.#error('bad-output', `the model stopped with ${response.stopReason}`);
      const output = response.output;
      const blocks: ContentBlock[] =
        output && 'message' in output && output.message ? (output.message.content ?? []) : [];
      const plain = blocks.map((block) => block.text ?? '').join('');
      let text = plain;
      if (request.responseFormat) {
        const tool = blocks.find(
          (block) => block.toolUse?.name === toolName(request.responseFormat?.name),
        )?.toolUse;
        text = tool ? JSON.stringify(tool.input ?? null) : plain;
        this.#checkJson(text, tool === undefined);
      }
      return {
        text,
        usage: toUsage(response.usage, request, text),
        finishReason: toFinishReason(response.stopReason),
      };
    } catch (error) {
      throw this.#classify(error, deadline);
    } finally {
      deadline.dispose();
    }
  }

  async *stream(request: ModelRequest, signal: AbortSignal): AsyncGenerator<StreamPart> {
    const deadline = new Deadline(signal, this.#timeoutMs);
    let completed = false;
    try {
      const input = this.#input(request);
      const structured = input.toolConfig !== undefined;
      const [client, { ConverseStreamCommand }] = await Promise.all([
        this.#sdkClient(),
        loadBedrockSdk(),
      ]);
      const response = await client.send(new ConverseStreamCommand(input), {
        abortSignal: deadline.signal,
      });
      deadline.touch();
      if (!response.stream) throw this.#error('bad-output', 'the response carries no event stream');

      let text = '';
      let prose = ''; // text blocks beside the forced tool call: not part of a structured answer
      let stopReason: string | undefined;
      let stopped = false;
      let usage: BedrockUsage | undefined;
      for await (const event of response.stream) {
        deadline.touch();
        const exception =
          event.internalServerException ??
          event.modelStreamErrorException ??
          event.serviceUnavailableException ??
          event.throttlingException ??
          event.validationException;
        if (exception) throw exception;
        if (event.contentBlockDelta) {
          const delta = event.contentBlockDelta.delta;
          const piece = structured ? delta?.toolUse?.input : delta?.text;
          if (structured && typeof delta?.text === 'string') prose += delta.text;
          if (typeof piece === 'string' && piece !== '') {
            text += piece;
            yield { type: 'text-delta', text: piece };
          }
        } else if (event.messageStop) {
          stopped = true;
          stopReason = event.messageStop.stopReason;
        } else if (event.metadata) {
          usage = event.metadata.usage;
        }
      }

      if (deadline.cancelled) throw this.#error('cancelled', 'request aborted');
      if (deadline.timedOut) throw this.#error('timeout', `no event within ${this.#timeoutMs} ms`);
      if (!stopped) throw this.#error('unavailable', 'the stream ended before the answer finished');
      if (isMalformedStop(stopReason))
        throw this.#error('bad-output', `the model stopped with ${stopReason}`);
      if (structured && text === '' && prose !== '') {
        // The model answered in prose instead of calling the tool; accept it only if it is JSON.
        this.#checkJson(prose, true);
        text = prose;
        yield { type: 'text-delta', text };
      } else if (structured) {
        this.#checkJson(text, false);
      }
      completed = true;
      yield {
        type: 'finish',
        usage: toUsage(usage, request, text),
        finishReason: toFinishReason(stopReason),
      };
    } catch (error) {
      throw this.#classify(error, deadline);
    } finally {
      // A consumer that stops early (`break`) must not leave the HTTP request running.
      deadline.dispose(!completed);
    }
  }

  #sdkClient(): Promise<BedrockRuntimeClient> {
    this.#client ??= loadBedrockSdk().then(
      ({ BedrockRuntimeClient }) => new BedrockRuntimeClient(this.#clientConfig),
    );
    return this.#client;
  }

  #input(request: ModelRequest): ConverseCommandInput {
    const modelId = request.model || this.#defaultModel;
    if (!modelId) throw this.#error('bad-request', 'no model named by the request or the provider');
    const system: SystemContentBlock[] = [];
    const messages: Message[] = [];
    for (const message of request.messages) {
      if (message.role === 'system') {
        system.push({ text: message.content });
        continue;
      }
      // Converse wants user and assistant turns to alternate: fold neighbours of one role together.
      const last = messages.at(-1);
      if (last?.role === message.role)
        last.content = [...(last.content ?? []), { text: message.content }];
      else messages.push({ role: message.role, content: [{ text: message.content }] });
    }
    const input: ConverseCommandInput = { modelId, messages };
    if (system.length > 0) input.system = system;
    if (request.maxOutputTokens !== undefined || request.temperature !== undefined) {
      input.inferenceConfig = {
        ...(request.maxOutputTokens === undefined ? {} : { maxTokens: request.maxOutputTokens }),
        ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
      };
    }
    if (request.responseFormat) {
      const name = toolName(request.responseFormat.name);
      const toolConfig: ToolConfiguration = {
        tools: [
          {
            toolSpec: {
              name,
              description:
                'Give the answer. Its input is the complete answer in the required shape.',
              inputSchema: { json: request.responseFormat.schema as DocumentType },
            },
          },
        ],
        toolChoice: { tool: { name } },
      };
      input.toolConfig = toolConfig;
    }
    return input;
  }

  /** Structured output must at least be JSON; whether it fits the schema is for the caller. */
  #checkJson(text: string, noToolCall: boolean): void {
    try {
      JSON.parse(text);
    } catch {
      throw this.#error(
        'bad-output',
        noToolCall
          ? 'the model did not call the answer tool'
          : 'structured output is not valid JSON',
      );
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

/** Bedrock tool names must match `[a-zA-Z0-9_-]{1,64}`. */
export function toolName(format: string | undefined): string {
  const name = (format ?? '').replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);
  return name === '' ? 'answer' : name;
}

/** Bedrock's counts from `usage`/`metadata`; without them, about four characters per token. */
function toUsage(usage: BedrockUsage | undefined, request: ModelRequest, text: string): TokenUsage {
  if (usage && typeof usage.inputTokens === 'number' && typeof usage.outputTokens === 'number') {
    return { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens };
  }
  const prompt = request.messages.map((m) => m.content).join('\n');
  return { inputTokens: countTokens(prompt), outputTokens: countTokens(text) };
}
