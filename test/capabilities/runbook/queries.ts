/** The runbook mutation as clients send it, and the shape of its answer. */

export const GENERATE_RUNBOOK = `mutation Generate($input: RunbookInput!) {
  generateRunbook(input: $input) {
    id feature status text provider model promptVersion incidentId
    groundingIssues { kind value }
    error { code message }
    output { __typename ...Runbook }
  }
}
fragment Runbook on RunbookOutput {
  name description
  parameters { name type default }
  steps { action command expectedResult destructive }
  preconditions rollbackSteps riskLevel matchedTemplate noMatch closestTemplates
}`;

export interface RunbookView {
  __typename: 'RunbookOutput';
  name: string;
  description: string;
  parameters: { name: string; type: string; default: string | null }[];
  steps: { action: string; command: string; expectedResult: string; destructive: boolean }[];
  preconditions: string[];
  rollbackSteps: string[];
  riskLevel: 'LOW' | 'MEDIUM' | 'HIGH' | null;
  matchedTemplate: string | null;
  noMatch: string | null;
  closestTemplates: string[];
}

export interface GenerationView {
  id: string;
  feature: string;
  status: string;
  text: string;
  provider: string | null;
  model: string | null;
  promptVersion: string | null;
  incidentId: string | null;
  groundingIssues: { kind: string; value: string }[];
  error: { code: string; message: string } | null;
  output: RunbookView | null;
}

/** The parameters of a runbook as a name → value map. */
export function parameterValues(output: RunbookView): Record<string, string | null> {
  return Object.fromEntries(output.parameters.map((parameter) => [parameter.name, parameter.default]));
}
