/**
 * askAssistant through the OpenAI provider, against the OpenAI double: what the model is sent
 * (the question, incident, context and conversation each fenced and labelled; the layout), how its
 * reply becomes typed output, and how a reply that breaks the layout or cites a source that does
 * not exist fails.
 */
import { describe, expect, it } from 'vitest';
import { NOT_IN_CONTEXT } from '../../../src/capabilities/assistant/output.js';
import { assistantScenarios } from '../../fixtures/assistant-context.js';
import { thirdPartyOutage } from '../../fixtures/incidents/index.js';
import { lastPrompt, serverWithOpenAiDouble } from '../../support/generation-queries.js';
import { collectStream } from '../../support/server.js';
import { ASK_ASSISTANT, GENERATION, askAssistant, type AnswerView } from './queries.js';

const { context } = assistantScenarios['third-party-outage'];
const input = {
  question: 'Which provider did card payments fail over to?',
  incident: thirdPartyOutage,
  context,
  history: [{ role: 'USER', text: 'Is PayFlow down?' }],
};

const MODEL_ANSWER = `Card payments failed over to CardBridge [timeline:5], the secondary card provider [runbook-payment-provider-failover].

**Sources:** [timeline:5], [runbook-payment-provider-failover]`;

describe('askAssistant with the OpenAI provider', () => {
  const openai = serverWithOpenAiDouble();

  it('sends every part fenced and labelled with the layout, and parses the cited answer', async () => {
    openai.double.enqueue({ kind: 'text', text: MODEL_ANSWER, chunks: 5 });
    const answer = await askAssistant(openai.server, input);
    expect(answer).toMatchObject({ status: 'SUCCEEDED', provider: 'openai', text: MODEL_ANSWER });
    expect(answer.output).toEqual({
      __typename: 'AssistantAnswerOutput',
      answer: MODEL_ANSWER.split('\n\n')[0],
      citations: ['timeline:5', 'runbook-payment-provider-failover'],
      answered: true,
    });

    const { system, user } = lastPrompt(openai.double);
    expect(system).toContain('**Sources:**');
    expect(system).toContain(NOT_IN_CONTEXT);
    const tag = /<(data-[0-9a-f]{12}) label="question">/.exec(user)?.[1];
    expect(tag).toBeDefined();
    for (const label of ['question', 'incident', 'context', 'conversation'])
      expect(user).toContain(`<${tag} label="${label}">`);
    expect(user).toContain(input.question);
    expect(user).toContain('"id": "timeline:5"');
    expect(user).toContain('"id": "runbook-payment-provider-failover"');
    expect(user).toContain('Is PayFlow down?');
  });

  it('takes a declining reply as not answered', async () => {
    openai.double.enqueue({
      kind: 'text',
      text: `${NOT_IN_CONTEXT} The data covers the outage, not its cost.\n\n**Sources:** none`,
    });
    const answer = await askAssistant(openai.server, {
      ...input,
      question: 'How much revenue did we lose?',
    });
    expect(answer.output).toMatchObject({ answered: false, citations: [] });
  });

  it.each([
    ['breaks the layout (no Sources line)', 'They failed over to CardBridge.', /Sources/],
    [
      'cites a source that is not in the input',
      'They failed over to CardBridge [runbook-9].\n\n**Sources:** [runbook-9]',
      /runbook-9/,
    ],
  ])(
    'fails a streamed answer that %s with PROVIDER_BAD_OUTPUT, keeping the text',
    async (_name, reply, mentions) => {
      openai.double.enqueue({ kind: 'text', text: reply, chunks: 3 });
      const { id } = await askAssistant(openai.server, { ...input, stream: true });
      const { events } = await collectStream(openai.server.wsClient(), id);
      expect(events.at(-1)!.generation).toMatchObject({
        status: 'FAILED',
        text: reply,
        error: { code: 'PROVIDER_BAD_OUTPUT' },
      });
      const stored = await openai.server.graphql<{ generation: AnswerView }>(GENERATION, { id });
      expect(stored.data!.generation).toMatchObject({
        status: 'FAILED',
        text: reply,
        output: null,
        error: { code: 'PROVIDER_BAD_OUTPUT' },
      });
      expect(stored.data!.generation.error!.message).toMatch(mentions);
    },
  );

  it('fails a waited-for answer that keeps breaking the layout with PROVIDER_BAD_OUTPUT', async () => {
    openai.double.setDefault({ kind: 'text', text: 'CardBridge.' });
    const result = await openai.server.graphql<{ askAssistant: AnswerView | null }>(ASK_ASSISTANT, {
      input,
    });
    expect(result.errors?.[0]?.extensions?.code).toBe('PROVIDER_BAD_OUTPUT');
    const stored = await openai.server.graphql<{ generation: AnswerView }>(GENERATION, {
      id: String(result.errors![0]!.extensions!.generationId),
    });
    expect(stored.data!.generation).toMatchObject({
      status: 'FAILED',
      text: 'CardBridge.',
      output: null,
    });
  });
});
