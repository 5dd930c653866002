/**
 * The three answers that are no draft at all, whatever their layout: empty, cut off by the
 * provider (its token limit or its content filter), or a refusal ("I'm sorry, but I can't help
 * with that"). Everything else a model writes is a draft a person could use and is read as one.
 */
import { ErrorCode, ServiceError } from '../../errors.js';
import type { FinishReason } from '../../llm/spec.js';

// A refusal is short and says so in its opening sentence; a draft that mentions "I can't" later
// (quoting a responder, say) is not one.
const REFUSAL =
  /^\W*(?:i(?:'m| am) sorry,? but |sorry,? but |unfortunately,? )?(?:i|we)(?:'m| am| are)? (?:can(?:'|no)t|cannot|won'?t|will not|am (?:not able|unable)|(?:'m|are) (?:not able|unable)|unable|must decline|do not feel comfortable)\b[^.\n]{0,160}\b(?:help|assist|provide|comply|do that|write|complete|fulfil|fulfill|create|draft|with (?:this|that))\b/i;
const APOLOGY = /^\W*(?:i(?:'m| am) sorry|i apologi[sz]e|as an ai\b)/i;

export function unusableAnswer(
  text: string,
  finishReason: FinishReason | undefined,
): ServiceError | null {
  const trimmed = text.trim();
  if (trimmed === '')
    return new ServiceError(ErrorCode.PROVIDER_BAD_OUTPUT, 'the model returned an empty answer');
  if (finishReason === 'content-filter')
    return new ServiceError(
      ErrorCode.PROVIDER_REFUSED,
      "the provider's content filter stopped the answer",
    );
  if (finishReason === 'length')
    return new ServiceError(
      ErrorCode.PROVIDER_BAD_OUTPUT,
      'the answer was cut off at the token limit before it was finished',
    );
  if (
    trimmed.length < 600 &&
    (REFUSAL.test(trimmed) || (APOLOGY.test(trimmed) && !/\n\s*(?:#|\*\*|[-*]\s)/.test(trimmed)))
  )
    return new ServiceError(ErrorCode.PROVIDER_REFUSED, 'the model declined to write the draft');
  return null;
}
