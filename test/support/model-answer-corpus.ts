/**
 * Runs a capability's corpus of real models' answers (test/fixtures/model-answers) through the
 * whole service: the OpenAI double answers each as a model would, waited for and streamed, and the
 * typed output read over GraphQL holds what the answer states. No answer a person could use fails.
 */
import { describe, expect, it } from 'vitest';
import { missed, type ModelAnswer } from '../fixtures/model-answers/index.js';
import {
  generationMutation,
  serverWithOpenAiDouble,
  type OutputSelection,
} from './generation-queries.js';
import { collectStream } from './server.js';

export interface ModelAnswerCorpus {
  /** What the describe block is called, e.g. "status updates". */
  title: string;
  /** The mutation field and its input type, e.g. `draftStatusUpdate`, `DraftStatusUpdateInput`. */
  field: string;
  inputType: string;
  output: OutputSelection;
  input: Record<string, unknown>;
  answers: ModelAnswer[];
}

interface Drafted {
  generation: {
    id: string;
    status: string;
    text: string;
    output: Record<string, unknown>;
  };
}

export function describeModelAnswers(corpus: ModelAnswerCorpus): void {
  const mutation = generationMutation({
    operation: 'Draft',
    field: corpus.field,
    inputType: corpus.inputType,
    output: corpus.output,
  });

  describe(`${corpus.title} as real models write them`, () => {
    const openai = serverWithOpenAiDouble();

    it.each(corpus.answers)('waited for: $name', async ({ text, expected }) => {
      openai.double.enqueue({ kind: 'text', text });
      const result = await openai.server.graphql<Record<string, Drafted>>(mutation, {
        input: corpus.input,
      });
      expect(result.errors).toBeUndefined();
      const generation = result.data![corpus.field]!.generation;
      expect(generation.status).toBe('SUCCEEDED');
      expect(generation.text).toBe(text);
      expect(missed(generation.output, expected)).toEqual([]);
    });

    it.each(corpus.answers)('streamed: $name', async ({ text, expected }) => {
      openai.double.enqueue({ kind: 'text', text, chunks: 7 });
      const started = await openai.server.graphql<Record<string, Drafted>>(mutation, {
        input: { ...corpus.input, stream: true },
      });
      expect(started.errors).toBeUndefined();
      const { events } = await collectStream(
        openai.server.wsClient(),
        started.data![corpus.field]!.generation.id,
        undefined,
        `... on ${corpus.output.type} { ${corpus.output.fields} }`,
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
}
