/** The assistant mutation as clients send it, and the shape of its answer. */

export const ASK_ASSISTANT = `mutation Ask($input: AssistantInput!) {
  askAssistant(input: $input) {
    id feature status text provider promptVersion incidentId
    groundingIssues { kind value }
    error { code message }
    output { __typename ... on AssistantAnswerOutput { answer citations answered } }
  }
}`;

export const GENERATION = `query Generation($id: ID!) {
  generation(id: $id) {
    id status text provider error { code message }
    output { __typename ... on AssistantAnswerOutput { answer citations answered } }
  }
}`;

export interface AnswerView {
  id: string;
  feature: string;
  status: string;
  text: string;
  provider: string | null;
  promptVersion: string | null;
  incidentId: string | null;
  groundingIssues: { kind: string; value: string }[];
  error: { code: string; message: string } | null;
  output: { __typename: string; answer: string; citations: string[]; answered: boolean } | null;
}
