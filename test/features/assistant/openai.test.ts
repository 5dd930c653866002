/**
 * draftAssistantAnswer through the OpenAI provider, against the OpenAI double: what the model is sent
 * (the question, incident, context and conversation each fenced and labelled; the layout), how its
 * reply becomes typed output, and how a reply that breaks the layout or cites a source that does
 * not exist fails.
 */
import { describe, expect, it } from 'vitest';
import { NOT_IN_CONTEXT } from '../../../src/features/assistant/output.js';
import { assistantScenarios } from '../../fixtures/assistant-context.js';
import { thirdPartyOutage } from '../../fixtures/incidents/index.js';
import { lastPrompt, serverWithOpenAiDouble } from '../../support/generation-queries.js';
import { collectStream } from '../../support/server.js';
import { GENERATION, draftAssistantAnswer, type AnswerView } from './queries.js';

const { context } = assistantScenarios['third-party-outage'];
const input = {
  question: 'Which provider did card payments fail over to?',
  incident: thirdPartyOutage,
  context,
  history: [{ role: 'USER', text: 'Is PayFlow down?' }],
};

const MODEL_ANSWER = `Card payments failed over to CardBridge [timeline:5], the secondary card provider [runbook-payment-provider-failover].

**Sources:** [timeline:5], [runbook-payment-provider-failover]`;

describe('draftAssistantAnswer with the OpenAI provider', () => {
  const openai = serverWithOpenAiDouble();

  it('sends every part fenced and labelled with the layout, and parses the cited answer', async () => {
    openai.double.enqueue({ kind: 'text', text: MODEL_ANSWER, chunks: 5 });
    const answer = await draftAssistantAnswer(openai.server, input);
    expect(answer).toMatchObject({ status: 'SUCCEEDED', provider: 'openai', text: MODEL_ANSWER });
    expect(answer.output).toEqual({
      __typename: 'AssistantAnswerOutput',
      answer: MODEL_ANSWER.split('\n\n')[0],
      citations: ['timeline:5', 'runbook-payment-provider-failover'],
      answered: true,
      needsHuman: [],
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
    const answer = await draftAssistantAnswer(openai.server, {
      ...input,
      question: 'How much revenue did we lose?',
    });
    expect(answer.output).toMatchObject({ answered: false, citations: [] });
  });

  it('keeps a streamed answer with no Sources line, citing nothing, for a person to check', async () => {
    const reply = 'They failed over to CardBridge.';
    openai.double.enqueue({ kind: 'text', text: reply, chunks: 3 });
    const { id } = await draftAssistantAnswer(openai.server, { ...input, stream: true });
    const { events } = await collectStream(
      openai.server.wsClient(),
      id,
      undefined,
      '... on AssistantAnswerOutput { answer citations answered needsHuman }',
    );
    expect(events.at(-1)!.generation).toMatchObject({
      status: 'SUCCEEDED',
      text: reply,
      output: { answer: reply, citations: [], answered: false, needsHuman: ['citations'] },
    });
  });

  it('drops a cited source that is not in the input, reports it, and keeps the answer', async () => {
    const reply =
      'They failed over to CardBridge [runbook-9] [timeline:5].\n\n**Sources:** [runbook-9], [timeline:5]';
    openai.double.enqueue({ kind: 'text', text: reply, chunks: 3 });
    const { id } = await draftAssistantAnswer(openai.server, { ...input, stream: true });
    await collectStream(openai.server.wsClient(), id);
    const stored = await openai.server.graphql<{ generation: AnswerView }>(GENERATION, { id });
    expect(stored.data!.generation).toMatchObject({
      status: 'SUCCEEDED',
      text: reply,
      output: { citations: ['timeline:5'], answered: true },
    });
    expect(stored.data!.generation.groundingIssues).toContainEqual({
      kind: 'SOURCE',
      value: '[runbook-9]',
    });
  });

  it('answers a waited-for question with a bare reply at once, without a second call', async () => {
    openai.double.enqueue({ kind: 'text', text: 'CardBridge.' });
    const before = openai.double.calls;
    const answer = await draftAssistantAnswer(openai.server, input);
    expect(answer).toMatchObject({ status: 'SUCCEEDED', text: 'CardBridge.' });
    expect(openai.double.calls).toBe(before + 1);
  });
});
