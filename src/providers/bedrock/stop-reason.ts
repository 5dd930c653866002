import type { FinishReason } from '../../llm/spec.js';

/**
 * Converse's `stopReason` onto ours. `tool_use` is how a forced structured-output tool ends, so it
 * is a normal stop. The malformed_* reasons never reach this: the provider fails them as bad-output.
 */
export function toFinishReason(reason: string | undefined): FinishReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
    case 'tool_use':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'content_filtered':
    case 'guardrail_intervened':
      return 'content-filter';
    default:
      return 'other';
  }
}

/** Stop reasons that mean the model produced something unusable. */
export function isMalformedStop(reason: string | undefined): boolean {
  return reason === 'malformed_model_output' || reason === 'malformed_tool_use';
}
