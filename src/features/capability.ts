/**
 * What every generation capability (runbook, status update, postmortem, job digest, assistant)
 * provides. The generation runner drives them all the same way: validate, prompt, call the
 * gateway, parse and check the output, store it.
 */
import type { z } from 'zod';
import type { Feature } from '../domain.js';
import type { ChatMessage } from '../llm/spec.js';
import type { GroundingIssueRecord } from '../infra/store/generations.js';

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
  /**
   * Reads the model's Markdown, in any reasonable dialect, into typed output. Never throws for a
   * layout it does not know: what it cannot read is left empty and named in the output's
   * `needsHuman`.
   */
  parseOutput(text: string, input: Input, context: DraftContext): DraftReading<Output>;
  /**
   * Facts a draft may state that the capability derives from the input rather than copies
   * (e.g. the time of the next update), for the grounding check.
   */
  derivedFacts?(input: Input, context: DraftContext): string[];
}

/** A draft as read: its typed output, and what the reading found missing or untrue. */
export interface DraftReading<Output> {
  output: Output;
  /** What a person must still fill in (the output's `needsHuman`). */
  missing: readonly string[];
  /** The missing parts the capability cannot do without: a draft not streamed is asked once more. */
  lacking: readonly string[];
  /** Facts left out of the typed output because the input does not hold them (a made-up source). */
  ungrounded: GroundingIssueRecord[];
}

export function draftReading<Output extends { needsHuman: readonly string[] }>(
  output: Output,
  essential: readonly string[],
  ungrounded: GroundingIssueRecord[] = [],
): DraftReading<Output> {
  return {
    output,
    missing: output.needsHuman,
    lacking: output.needsHuman.filter((part) => essential.includes(part)),
    ungrounded,
  };
}
