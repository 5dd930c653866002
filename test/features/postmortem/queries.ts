/** The postmortem mutation as clients send it, and the shape of its answer. */
import {
  generationMutation,
  generationQuery,
  mutateGeneration,
  type GenerationView,
  type OutputSelection,
} from '../../support/generation-queries.js';
import type { TestServer } from '../../support/server.js';

/** The typed output a client selects. */
export const POSTMORTEM_OUTPUT: OutputSelection = {
  type: 'PostmortemOutput',
  fields: `title summary
      impact { who what impactStart impactEnd durationMinutes }
      timeline { at text }
      detection rootCause contributingFactors resolution whatWentWell whatWentPoorly
      actionItems { description owner due priority }
      needsHuman`,
};

export const DRAFT_POSTMORTEM = generationMutation({
  operation: 'Draft',
  field: 'draftPostmortem',
  inputType: 'DraftPostmortemInput',
  output: POSTMORTEM_OUTPUT,
});

/** A stored postmortem: the parts the tests read back. */
export const GENERATION = generationQuery({
  type: 'PostmortemOutput',
  fields:
    'title rootCause needsHuman actionItems { description owner due priority } timeline { at text }',
});

export interface PostmortemView {
  title: string;
  summary: string;
  impact: {
    who: string | null;
    what: string | null;
    impactStart: string | null;
    impactEnd: string | null;
    durationMinutes: number | null;
  };
  timeline: { at: string; text: string }[];
  detection: string | null;
  rootCause: string | null;
  contributingFactors: string[];
  resolution: string | null;
  whatWentWell: string[];
  whatWentPoorly: string[];
  actionItems: {
    description: string;
    owner: string | null;
    due: string | null;
    priority: string | null;
  }[];
  needsHuman: string[];
}

export type PostmortemGeneration = GenerationView<{ __typename: string } & PostmortemView>;

/** draftPostmortem, failing the test on any GraphQL error. */
export function draftPostmortem(
  server: TestServer,
  input: Record<string, unknown>,
): Promise<PostmortemGeneration> {
  return mutateGeneration(server, DRAFT_POSTMORTEM, 'draftPostmortem', input);
}
