/**
 * The assistant answer's Markdown layout, shared by the builtin draft, the LLM prompt and the
 * parser: the answer, citing sources inline as `[id]`, then one `**Sources:**` line naming every
 * source used — or the fixed sentence that says the data does not hold the answer.
 */
import { z } from 'zod';
import { OutputInvalidError } from '../capability.js';
import { incidentSourceIds, type AssistantInput } from './input.js';

export const SOURCES_LABEL = 'Sources';
/** The Sources line of an answer that cites nothing. */
export const NO_SOURCES = 'none';
/** The opening of every answer that declines, so clients and the parser can tell it apart. */
export const NOT_IN_CONTEXT =
  'The incident data and context I was given do not hold the answer to this question.';

export function citation(id: string): string {
  return `[${id}]`;
}

export function sourcesLine(ids: readonly string[]): string {
  return `**${SOURCES_LABEL}:** ${ids.length > 0 ? ids.map(citation).join(', ') : NO_SOURCES}`;
}

export const assistantAnswerOutputSchema = z.object({
  answer: z.string().min(1),
  citations: z.array(z.string().min(1)),
  answered: z.boolean(),
});

export type AssistantAnswerOutput = z.infer<typeof assistantAnswerOutputSchema>;

const SOURCES_LINE = new RegExp(`^\\s*(?:\\*\\*)?${SOURCES_LABEL}:(?:\\*\\*)?\\s*(.*)$`, 'i');

/**
 * Turns an answer in the shared layout into typed output. An answer counts as answered only when it
 * cites at least one source and does not open with the declining sentence; citing an id that is
 * not in the input is a made-up source, and the whole answer is rejected.
 */
export function parseAssistantAnswer(text: string, input: AssistantInput): AssistantAnswerOutput {
  const lines = text.trimEnd().split('\n');
  let at = -1;
  for (let index = lines.length - 1; index >= 0; index -= 1) {
    if (SOURCES_LINE.test(lines[index] ?? '')) {
      at = index;
      break;
    }
  }
  if (at < 0)
    throw new OutputInvalidError(
      `the answer must end with a "**${SOURCES_LABEL}:**" line listing the [id] of every source used, or "${NO_SOURCES}"`,
    );
  const answer = lines.slice(0, at).join('\n').trim();
  if (!answer)
    throw new OutputInvalidError(
      `the answer is empty; only a "**${SOURCES_LABEL}:**" line was written`,
    );

  const listed = SOURCES_LINE.exec(lines[at] ?? '')?.[1] ?? '';
  const citations = [...new Set([...listed.matchAll(/\[([^\]\s]+)\]/g)].map((match) => match[1]!))];
  const known = new Set([
    ...incidentSourceIds(input.incident),
    ...input.context.map((item) => item.id),
  ]);
  const unknown = citations.filter((id) => !known.has(id));
  if (unknown.length > 0)
    throw new OutputInvalidError(
      `the answer cites sources that are not in the input: ${unknown.map(citation).join(', ')}`,
    );

  return {
    answer,
    citations,
    answered: citations.length > 0 && !answer.startsWith(NOT_IN_CONTEXT),
  };
}
