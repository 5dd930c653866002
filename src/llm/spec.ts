/**
 * The provider spec: what every model provider (openai, bedrock, builtin, test doubles) answers.
 * Providers know nothing of GraphQL, accounts or storage; they turn a ModelRequest into text.
 */
import type { Feature, Usage } from '../domain.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A JSON Schema the model's answer must follow (OpenAI `response_format: json_schema`). */
export interface ResponseFormat {
  name: string;
  schema: Record<string, unknown>;
}

/**
 * What the builtin provider drafts from without a model: a feature's validated input and the
 * instant the draft is written for. The spec does not know the features' input types; each
 * feature names its own (`OfflineTask<PostmortemInput>`) where it drafts.
 */
export interface OfflineTask<Input = unknown> {
  input: Input;
  now: Date;
}

/** Drafts the text for one feature from the task the feature placed on the request. */
export type OfflineDrafter = (task: OfflineTask) => string;

export interface ModelRequest {
  /** The model id at the provider (e.g. `gpt-4o-mini`, `anthropic.claude-3-haiku...`). */
  model: string;
  feature: Feature;
  messages: ChatMessage[];
  /**
   * The capability's validated input as data. LLM providers ignore it (they read `messages`);
   * the builtin provider drafts from it directly, which is how it stays grounded in the input.
   */
  task?: OfflineTask;
  responseFormat?: ResponseFormat;
  temperature?: number;
  maxOutputTokens?: number;
}

export type FinishReason = 'stop' | 'length' | 'content-filter' | 'error' | 'other';

export interface ModelResult {
  text: string;
  usage: TokenUsage;
  finishReason: FinishReason;
  /** The model that actually answered, when the provider says (it may differ from the request). */
  model?: string;
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

/** Stream parts: a discriminated union on `type`, ending with exactly one `finish`. */
export type StreamPart =
  | { type: 'text-delta'; text: string }
  | { type: 'finish'; usage: TokenUsage; finishReason: FinishReason; model?: string };

export interface ModelProvider {
  /** The configured instance name (`openai`, `local-vllm`, `bedrock`, `builtin`). */
  readonly name: string;
  /** Whether text sent to it leaves our trust boundary (drives PII redaction). */
  readonly thirdParty: boolean;
  generate(request: ModelRequest, signal: AbortSignal): Promise<ModelResult>;
  stream(request: ModelRequest, signal: AbortSignal): AsyncIterable<StreamPart>;
}

export type { Usage };
