/** The assistant mutation as clients send it, and the shape of its answer. */
import {
  generationMutation,
  generationQuery,
  mutateGeneration,
  type GenerationView,
  type OutputSelection,
} from '../../support/generation-queries.js';
import type { TestServer } from '../../support/server.js';

/** The typed output a client selects. */
export const ANSWER: OutputSelection = {
  type: 'AssistantAnswerOutput',
  fields: 'answer citations answered needsHuman',
};

export const DRAFT_ASSISTANT_ANSWER = generationMutation({
  operation: 'Draft',
  field: 'draftAssistantAnswer',
  inputType: 'DraftAssistantAnswerInput',
  output: ANSWER,
});

export const GENERATION = generationQuery(ANSWER);

export type AnswerView = GenerationView<{
  __typename: string;
  answer: string;
  citations: string[];
  answered: boolean;
  needsHuman: string[];
}>;

/** draftAssistantAnswer, failing the test on any GraphQL error. */
export function draftAssistantAnswer(
  server: TestServer,
  input: Record<string, unknown>,
): Promise<AnswerView> {
  return mutateGeneration(server, DRAFT_ASSISTANT_ANSWER, 'draftAssistantAnswer', input);
}
