/**
 * What every generation capability (runbook, status update, postmortem, job digest, assistant)
 * provides. The generation runner drives them all the same way: validate, prompt, call the
 * gateway, parse and check the output, store it.
 */
import type { z } from 'zod';
import type { Feature } from '../domain.js';
import type { ChatMessage } from '../llm/spec.js';

export interface DraftContext {
  /** The request's time: the only fact a draft may use that is not in the input. */
  now: Date;
}

export interface GenerationCapability<Input = unknown, Output = unknown> {
  feature: Feature;
  /** Bumped whenever the prompt template changes; stored with each generation. */
  promptVersion: string;
  /** GraphQL `__typename` of the typed output in the `GenerationOutput` union. */
  outputTypename: string;
  /** Bounds and shape of the input, checked before anything is stored or sent. */
  inputSchema: z.ZodType<Input>;
  /** The messages an LLM receives; untrusted text fenced and labelled as data. */
  buildPrompt(input: Input, context: DraftContext): ChatMessage[];
  /** The builtin provider's draft: deterministic Markdown built only from the input. */
  draftOffline(input: Input, context: DraftContext): string;
  /** Turns the Markdown draft into typed output; throws OutputInvalidError when it does not fit. */
  parseOutput(text: string, input: Input, context: DraftContext): Output;
  /**
   * Facts a draft may state that the capability derives from the input rather than copies
   * (e.g. the time of the next update), for the grounding check.
   */
  derivedFacts?(input: Input, context: DraftContext): string[];
}

/** The draft's text does not have the structure the capability promises. */
export class OutputInvalidError extends Error {
  override name = 'OutputInvalidError';
}
