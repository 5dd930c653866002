/**
 * What the benchmarks send and what the double answers: the tests' own fixtures (plain modules,
 * free of vitest), plus the small selections a benchmark client asks for.
 */
export {
  MODEL_STATUS_UPDATE,
  checkoutIncident,
  statusUpdateInput,
} from '../../test/fixtures/status-update.js';

/** The mutation with a small selection: what a client waiting for the draft needs. */
export const DRAFT = `mutation Draft($input: DraftStatusUpdateInput!) {
  draftStatusUpdate(input: $input) { generation { id status text provider error { code message } } }
}`;

export const WATCH = `subscription Watch($id: ID!) {
  generationStream(id: $id) {
    __typename
    seq
    ... on GenerationTextDelta { text }
    ... on GenerationFinished { generation { id status error { code message } } }
  }
}`;

/** The model name the benchmarks' LLM_CONFIG routes to the double. */
export const BENCH_MODEL = 'gpt-bench';

/** The account whose API key every benchmark's subgraph is called with (init-store.ts issues it). */
export const BENCH_ACCOUNT = 'bench';
