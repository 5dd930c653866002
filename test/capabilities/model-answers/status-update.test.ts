/**
 * The status-update corpus of real models' habits through the whole service: the OpenAI double
 * answers each as a model would, waited for and streamed, and the typed output read over GraphQL
 * holds what the answer states. No answer a person could use fails.
 */
import { describe, expect, it } from 'vitest';
import { missed } from '../../fixtures/model-answers/index.js';
import {
  statusUpdateAnswers,
  statusUpdateIncident,
} from '../../fixtures/model-answers/status-update.js';
import { generationMutation, serverWithOpenAiDouble } from '../../support/generation-queries.js';
import { collectStream } from '../../support/server.js';

const OUTPUT = `audience headline currentStatus impact affectedServices changesSinceLastUpdate
  nextUpdateAt needsHuman`;
const DRAFT = generationMutation({
  operation: 'Draft',
  field: 'draftStatusUpdate',
  inputType: 'StatusUpdateInput',
  output: { type: 'StatusUpdateOutput', fields: OUTPUT },
});

interface Drafted {
  draftStatusUpdate: { id: string; status: string; text: string; output: Record<string, unknown> };
}

describe('status updates as real models write them', () => {
  const openai = serverWithOpenAiDouble();
  const input = { incident: statusUpdateIncident, audience: 'INTERNAL' };

  it.each(statusUpdateAnswers)('waited for: $name', async ({ text, expected }) => {
    openai.double.enqueue({ kind: 'text', text });
    const result = await openai.server.graphql<Drafted>(DRAFT, { input });
    const generation = result.data!.draftStatusUpdate;
    expect(generation.status).toBe('SUCCEEDED');
    expect(generation.text).toBe(text);
    expect(missed(generation.output, expected)).toEqual([]);
  });

  it.each(statusUpdateAnswers)('streamed: $name', async ({ text, expected }) => {
    openai.double.enqueue({ kind: 'text', text, chunks: 7 });
    const started = await openai.server.graphql<Drafted>(DRAFT, {
      input: { ...input, stream: true },
    });
    const { events } = await collectStream(
      openai.server.wsClient(),
      started.data!.draftStatusUpdate.id,
      undefined,
      `... on StatusUpdateOutput { ${OUTPUT} }`,
    );
    const final = events.at(-1)!.generation!;
    // Subscribers saw exactly the stored text, then the typed output with needsHuman.
    expect(
      events
        .slice(0, -1)
        .map((event) => event.delta)
        .join(''),
    ).toBe(text);
    expect(final).toMatchObject({ status: 'SUCCEEDED', text });
    expect(missed(final.output, expected)).toEqual([]);
  });
});
