/** The runbook mutation as clients send it, and the shape of its answer. */
import {
  generationMutation,
  mutateGeneration,
  type GenerationView,
  type OutputSelection,
} from '../../support/generation-queries.js';
import type { TestServer } from '../../support/server.js';

/** The typed output a client selects. */
export const RUNBOOK_OUTPUT: OutputSelection = {
  type: 'RunbookOutput',
  fields: `name description
      parameters { name type default }
      steps { action command expectedResult destructive }
      preconditions rollbackSteps riskLevel matchedTemplate noMatch closestTemplates needsHuman`,
};

export const DRAFT_RUNBOOK = generationMutation({
  operation: 'Draft',
  field: 'draftRunbook',
  inputType: 'DraftRunbookInput',
  output: RUNBOOK_OUTPUT,
});

export interface RunbookView {
  __typename: 'RunbookOutput';
  name: string | null;
  description: string | null;
  parameters: { name: string; type: string; default: string | null }[];
  steps: {
    action: string;
    command: string | null;
    expectedResult: string | null;
    destructive: boolean;
  }[];
  preconditions: string[];
  rollbackSteps: string[];
  riskLevel: 'LOW' | 'MEDIUM' | 'HIGH' | null;
  matchedTemplate: string | null;
  noMatch: string | null;
  closestTemplates: string[];
  needsHuman: string[];
}

export type RunbookGeneration = GenerationView<RunbookView>;

/** draftRunbook, failing the test on any GraphQL error. */
export function draftRunbook(
  server: TestServer,
  input: Record<string, unknown>,
): Promise<RunbookGeneration> {
  return mutateGeneration(server, DRAFT_RUNBOOK, 'draftRunbook', input);
}

/** The parameters of a runbook as a name → value map. */
export function parameterValues(output: RunbookView): Record<string, string | null> {
  return Object.fromEntries(
    output.parameters.map((parameter) => [parameter.name, parameter.default]),
  );
}
