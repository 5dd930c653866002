import type { FinishReason } from '../../llm/spec.js';

/**
 * OpenAI's `finish_reason` onto ours. `tool_calls`/`function_call` cannot happen (we send no
 * tools) and count as `other`; vLLM may send `abort` or `null` on a cut stream, also `other`.
 */
export function toFinishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    case 'content_filter':
      return 'content-filter';
    default:
      return 'other';
  }
}
