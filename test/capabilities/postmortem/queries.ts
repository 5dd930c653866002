/** The postmortem mutation as clients send it, and the shape of its answer. */

export const GENERATE_POSTMORTEM = `mutation Generate($input: PostmortemInput!) {
  generatePostmortem(input: $input) {
    id feature status text provider model promptVersion incidentId
    groundingIssues { kind value }
    error { code message }
    output { __typename ...Postmortem }
  }
}
fragment Postmortem on PostmortemOutput {
  title summary
  impact { who what impactStart impactEnd durationMinutes }
  timeline { at text }
  detection rootCause contributingFactors resolution whatWentWell whatWentPoorly
  actionItems { description owner due priority }
  needsHuman
}`;

export const GENERATION = `query Generation($id: ID!) {
  generation(id: $id) {
    id status text provider error { code message }
    output { __typename ... on PostmortemOutput { title rootCause needsHuman actionItems { description owner due priority } timeline { at text } } }
  }
}`;

export interface PostmortemView {
  title: string;
  summary: string;
  impact: { who: string | null; what: string | null; impactStart: string | null; impactEnd: string | null; durationMinutes: number | null };
  timeline: { at: string; text: string }[];
  detection: string | null;
  rootCause: string | null;
  contributingFactors: string[];
  resolution: string | null;
  whatWentWell: string[];
  whatWentPoorly: string[];
  actionItems: { description: string; owner: string | null; due: string | null; priority: string | null }[];
  needsHuman: string[];
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
  output: ({ __typename: string } & PostmortemView) | null;
}
