/** The assistant's answer layout and the lexical index under it, without a server. */
import { describe, expect, it } from 'vitest';
import { assistant } from '../../../src/features/assistant/index.js';
import type { AssistantInput } from '../../../src/features/assistant/input.js';
import { NOT_IN_CONTEXT, parseAssistantAnswer } from '../../../src/features/assistant/output.js';
import {
  LexicalIndex,
  passagesOf,
  stem,
  terms,
} from '../../../src/features/shared/lexical-index.js';
import { parseInput } from '../../../src/features/validate.js';

const input: AssistantInput = parseInput(assistant.inputSchema, {
  question: 'How do I restart the worker?',
  context: [
    {
      id: 'runbook-worker',
      kind: 'runbook',
      text: 'Restart the worker with `kubectl rollout restart deploy/worker`.',
    },
    { id: 'dashboard', kind: 'dashboard-note', text: 'The worker dashboard shows queue depth.' },
  ],
  incident: {
    title: 'Worker stuck',
    severity: 'SEV3',
    status: 'RESOLVED',
    timeline: [{ at: new Date('2026-11-22T10:00:00Z'), message: 'Worker restarted' }],
  },
});

describe('parseAssistantAnswer', () => {
  it('reads the answer, the cited ids in order without repeats, and whether it answered', () => {
    const { output } = parseAssistantAnswer(
      'Run the rollout restart [runbook-worker].\n\nSources: [runbook-worker], [timeline:0], [runbook-worker]\n',
      input,
    );
    expect(output).toEqual({
      answer: 'Run the rollout restart [runbook-worker].',
      citations: ['runbook-worker', 'timeline:0'],
      answered: true,
      needsHuman: [],
    });
  });

  it('counts an answer as not answered when it declines or cites nothing', () => {
    expect(
      parseAssistantAnswer(`${NOT_IN_CONTEXT}\n\n**Sources:** none`, input).output.answered,
    ).toBe(false);
    expect(
      parseAssistantAnswer('Probably restart it.\n\n**Sources:** none', input).output,
    ).toMatchObject({ answered: false, citations: [], needsHuman: ['citations'] });
  });

  it('reads sources as a bulleted list under a heading, or only inline', () => {
    const listed = parseAssistantAnswer(
      'Restart the worker.\n\n### References\n- [runbook-worker]\n- timeline:0 (the restart)\n',
      input,
    );
    expect(listed.output).toMatchObject({
      answer: 'Restart the worker.',
      citations: ['runbook-worker', 'timeline:0'],
      answered: true,
    });
    expect(
      parseAssistantAnswer('It was restarted at 10:00 [timeline:0].', input).output.citations,
    ).toEqual(['timeline:0']);
  });

  it('keeps an answer without a Sources line, and drops a source not in the input, reporting it', () => {
    expect(parseAssistantAnswer('Restart it.', input).output).toMatchObject({
      answer: 'Restart it.',
      citations: [],
      needsHuman: ['citations'],
    });
    const made = parseAssistantAnswer(
      'Restart it [kb-42].\n\n**Sources:** [kb-42], [timeline:0]',
      input,
    );
    expect(made.output.citations).toEqual(['timeline:0']);
    expect(made.ungrounded).toEqual([{ kind: 'SOURCE', value: '[kb-42]' }]);
  });

  it('parses its own builtin drafts back (the round trip), answered or not', () => {
    const now = new Date();
    const answered = assistant.parseOutput(assistant.draftOffline(input, { now }), input, {
      now,
    }).output;
    expect(answered).toMatchObject({ answered: true, citations: ['timeline:0', 'runbook-worker'] });
    const declined = { ...input, question: 'What is the office Wi-Fi password?' };
    expect(
      assistant.parseOutput(assistant.draftOffline(declined, { now }), declined, { now }).output,
    ).toMatchObject({ answered: false, citations: [] });
  });
});

describe('the lexical index', () => {
  it('stems inflections together and drops function words', () => {
    expect(['deploy', 'deployed', 'deploys', 'deploying'].map(stem)).toEqual([
      'deploy',
      'deploy',
      'deploy',
      'deploy',
    ]);
    expect(['replica', 'replicas'].map(stem)).toEqual(['replica', 'replica']);
    expect(['cause', 'caused', 'causes'].map(stem)).toEqual(['caus', 'caus', 'caus']);
    expect(['stopped', 'rolled', 'added'].map(stem)).toEqual(['stop', 'roll', 'add']);
    expect(terms('Why was the rollback of checkout-api blocked?')).toEqual([
      'rollback',
      'checkout',
      'api',
      'block',
    ]);
  });

  it('ranks by BM25 and measures coverage by the IDF mass of the counted query terms', () => {
    const index = new LexicalIndex([
      { text: 'Rollback blocked by a stuck hook', meta: 'a' },
      { text: 'Rollback complete', meta: 'b' },
      { text: 'Database migration running', meta: 'c' },
    ]);
    const hits = index.search([{ text: 'why was the rollback blocked', weight: 1, counts: true }]);
    expect(hits.map((hit) => hit.passage.meta)).toEqual(['a', 'b']);
    expect(hits[0]!.coverage).toBe(1);
    expect(hits[1]!.coverage).toBeGreaterThan(0);
    expect(hits[1]!.coverage).toBeLessThan(0.5);
    // A term no passage holds weighs the most: it is exactly what the passages lack.
    expect(index.idf('password')).toBeGreaterThan(index.idf('rollback'));
    // History-like parts help ranking but do not count toward coverage.
    const helped = index.search([
      { text: 'database', weight: 1, counts: true },
      { text: 'rollback blocked', weight: 0.5, counts: false },
    ]);
    expect(helped.find((hit) => hit.passage.meta === 'a')!.coverage).toBe(0);
  });

  it('splits long texts into paragraphs, lines, then sentences', () => {
    const long = `${'Step one is long. '.repeat(40)}\n\nShort paragraph.`;
    const passages = passagesOf(long, 200);
    expect(passages.at(-1)).toBe('Short paragraph.');
    expect(passages.every((passage) => passage.length <= 200)).toBe(true);
    expect(passages.length).toBeGreaterThan(3);
  });
});
