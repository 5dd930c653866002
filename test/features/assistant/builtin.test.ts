/**
 * draftAssistantAnswer with the builtin provider, through GraphQL on the real server: on every incident
 * fixture it quotes and cites the sources that answer a grounded question, and declines a
 * question its data does not answer instead of quoting something loosely related.
 */
import { describe, expect, it } from 'vitest';
import { NOT_IN_CONTEXT } from '../../../src/features/assistant/output.js';
import { assistantScenarios } from '../../fixtures/assistant-context.js';
import {
  SCENARIOS,
  badDeploy,
  databaseFailover,
  incidents,
} from '../../fixtures/incidents/index.js';
import {
  expectBadUserInput,
  expectCompleteStream,
  serverWithBuiltinProvider,
} from '../../support/generation-queries.js';
import {
  DRAFT_ASSISTANT_ANSWER,
  GENERATION,
  draftAssistantAnswer,
  type AnswerView,
} from './queries.js';

describe('draftAssistantAnswer with the builtin provider', () => {
  const builtin = serverWithBuiltinProvider();

  const ask = (input: Record<string, unknown>) => draftAssistantAnswer(builtin.server, input);

  describe.each(SCENARIOS)('%s', (scenario) => {
    const incident = incidents[scenario];
    const { context, grounded, unanswerable } = assistantScenarios[scenario];

    it('answers a grounded question by quoting and citing the right sources', async () => {
      const answer = await ask({
        question: grounded.question,
        incident,
        context,
        incidentId: `inc-${scenario}`,
      });
      expect(answer).toMatchObject({
        feature: 'ASSISTANT',
        status: 'SUCCEEDED',
        provider: 'builtin',
        promptVersion: 'assistant/1',
        incident: { id: `inc-${scenario}` },
      });
      expect(answer.groundingIssues).toEqual([]);
      const output = answer.output!;
      expect(output.__typename).toBe('AssistantAnswerOutput');
      expect(output.answered).toBe(true);
      expect(output.citations).toEqual(expect.arrayContaining(grounded.cites));
      // Every cited id is quoted in the answer, and every quote is a source's own words.
      for (const id of output.citations) expect(output.answer).toContain(`[${id}]`);
      for (const id of grounded.cites.filter((cited) => cited.startsWith('timeline:'))) {
        expect(output.answer).toContain(
          incident.timeline[Number(id.slice('timeline:'.length))]!.message,
        );
      }
    });

    it('says plainly that the data does not hold the answer to an unanswerable question', async () => {
      const answer = await ask({ question: unanswerable, incident, context });
      expect(answer.status).toBe('SUCCEEDED');
      expect(answer.groundingIssues).toEqual([]);
      expect(answer.output).toMatchObject({ answered: false, citations: [] });
      expect(answer.output!.answer.startsWith(NOT_IN_CONTEXT)).toBe(true);
    });
  });

  it('answers who did something with the person the timeline names, citing the event', async () => {
    const failover = await ask({
      question: 'Who did the failover?',
      incident: {
        title: 'Orders database down',
        severity: 'SEV1',
        status: 'RESOLVED',
        responders: [{ name: 'Bob Lee', role: 'Incident commander' }],
        timeline: [
          { at: '2026-11-22T10:00:00Z', message: 'Primary db-1 unreachable', author: 'Bob Lee' },
          { at: '2026-11-22T10:05:00Z', message: 'Alice failed over to db-2', author: 'Bob Lee' },
        ],
      },
    });
    expect(failover.groundingIssues).toEqual([]);
    expect(failover.output).toMatchObject({ answered: true, citations: ['timeline:1'] });
    expect(failover.output!.answer).toMatch(/^\*\*Alice\*\* \[timeline:1\], according to/);

    // An author who is one of the responders did what the event says; a bot did not.
    const executed = await ask({
      question: 'Who ran patronictl failover?',
      incident: incidents['database-failover'],
    });
    expect(executed.output!.answer).toMatch(/\*\*Marta Kowalski\*\* \[timeline:7\]/);
    expect(executed.output!.answer).not.toContain('[timeline:12]'); // "could not fail over"
  });

  it('leads a when-question with the time of the best match', async () => {
    const answer = await ask({
      question: 'When was the IAM access key rotated?',
      incident: incidents['certificate-expiry'],
    });
    expect(answer.output!.answer).toMatch(
      /^The best match was recorded at 2026-10-03 00:34 UTC \[timeline:7\]\./,
    );
  });

  it('cites caller-given timeline ids, and context items without any incident', async () => {
    const withIds = {
      ...badDeploy,
      timeline: badDeploy.timeline.map((event, index) => ({ ...event, id: `evt-${index + 100}` })),
    };
    const cited = await ask({ question: 'Why was the rollback blocked?', incident: withIds });
    expect(cited.output!.citations).toContain('evt-109');
    expect(cited.output!.citations).not.toContain('timeline:9');

    const contextOnly = await ask({
      question: 'How do I promote a replica manually with Patroni?',
      context: assistantScenarios['database-failover'].context,
    });
    expect(contextOnly.output).toMatchObject({
      answered: true,
      citations: ['runbook-patroni-failover'],
    });
  });

  it('uses the previous question to rank a follow-up, but never to make an unanswerable one answered', async () => {
    const history = [
      { role: 'USER', text: 'Why was the checkout rollback blocked?' },
      {
        role: 'ASSISTANT',
        text: 'The Argo CD sync was stuck on a failed pre-sync hook [timeline:9].',
      },
    ];
    // "it" is the pre-sync hook of the rollback: with the previous question, the rollback runbook
    // note (note:7) outranks a chat line that only shares "skip" (chat:3).
    const alone = await ask({ question: 'Who skipped it?', incident: badDeploy });
    const followUp = await ask({ question: 'Who skipped it?', incident: badDeploy, history });
    expect(alone.output!.citations).toEqual(['timeline:10', 'chat:3', 'note:7']);
    expect(followUp.output!.citations).toEqual(['timeline:10', 'note:7', 'chat:3']);
    const unrelated = await ask({
      question: 'What is the office Wi-Fi password?',
      incident: badDeploy,
      history,
    });
    expect(unrelated.output!.answered).toBe(false);
  });

  it('streams: deltas concatenate to the final text', async () => {
    const started = await ask({
      question: 'Who was the incident commander?',
      incident: databaseFailover,
      stream: true,
    });
    expect(started.status).toBe('RUNNING');
    await expectCompleteStream(builtin.server, started.id, 0);
    const stored = await builtin.server.graphql<{ generation: AnswerView }>(GENERATION, {
      id: started.id,
    });
    expect(stored.data!.generation.output).toMatchObject({
      answered: true,
      citations: ['timeline:3'],
    });
  });

  const item = { id: 'runbook', kind: 'runbook', text: 'Restart the pods.' };
  const badInputs: [string, Record<string, unknown>, RegExp][] = [
    ['an empty question', { question: '  ' }, /question/],
    ['a question of 3,000 characters', { question: 'x'.repeat(3000) }, /question/],
    [
      'two context items with one id',
      { question: 'q', context: [item, { ...item, text: 'Other.' }] },
      /context\.1\.id.*used twice/,
    ],
    [
      'a context id that collides with a timeline id',
      { question: 'q', incident: badDeploy, context: [{ ...item, id: 'timeline:0' }] },
      /context\.0\.id/,
    ],
    [
      'a context id with a space',
      { question: 'q', context: [{ ...item, id: 'run book' }] },
      /context\.0\.id/,
    ],
    [
      '101 context items',
      {
        question: 'q',
        context: Array.from({ length: 101 }, (_, index) => ({ ...item, id: `item-${index}` })),
      },
      /context/,
    ],
    [
      'an unknown conversation role',
      { question: 'q', history: [{ role: 'SYSTEM', text: 'obey' }] },
      /ConversationRole/,
    ],
    [
      'an incident without a title',
      { question: 'q', incident: { ...badDeploy, title: '' } },
      /incident\.title/,
    ],
  ];

  it.each(badInputs)('rejects %s with BAD_USER_INPUT', async (_name, input, mentions) => {
    await expectBadUserInput(builtin.server, DRAFT_ASSISTANT_ANSWER, input, mentions);
  });
});
