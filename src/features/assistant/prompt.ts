/** The assistant prompt. Bump PROMPT_VERSION with any change to the wording or layout. */
import type { ChatMessage } from '../../llm/spec.js';
import type { DraftContext } from '../capability.js';
import { dataInstructions, fenceTag, fenced } from '../shared/fence.js';
import { incidentAsData } from '../shared/incident.js';
import type { AssistantInput } from './input.js';
import { NOT_IN_CONTEXT, SOURCES_LABEL, sourcesLine } from './output.js';

export const PROMPT_VERSION = 'assistant/1';

export function buildAssistantPrompt(input: AssistantInput, _context: DraftContext): ChatMessage[] {
  const tag = fenceTag();
  const system = [
    'You are an incident-response assistant. You answer questions using only the incident data and context items supplied as data.',
    'Every fact in your answer must come from an item of that data; cite it inline by its id in square brackets, such as [timeline:3] or [runbook-db-failover].',
    'Never use outside knowledge, never guess, and never cite an id that is not in the data.',
    'Write Markdown in exactly this layout:',
    '<the answer, citing sources inline as [id]>',
    '',
    `**${SOURCES_LABEL}:** [<id>], [<id>]   (every id cited above, once each)`,
    'When the data does not hold the answer, write exactly this and nothing else:',
    `${NOT_IN_CONTEXT} <optionally, one sentence on what the data does cover>`,
    '',
    sourcesLine([]),
    'Earlier turns of the conversation are supplied for reference only; answer the current question.',
    dataInstructions(tag),
  ].join('\n');
  const parts = [fenced(tag, 'question', input.question)];
  if (input.incident)
    parts.push(fenced(tag, 'incident', JSON.stringify(incidentAsData(input.incident), null, 2)));
  if (input.context.length > 0)
    parts.push(fenced(tag, 'context', JSON.stringify(input.context, null, 2)));
  if (input.history.length > 0)
    parts.push(fenced(tag, 'conversation', JSON.stringify(input.history, null, 2)));
  return [
    { role: 'system', content: system },
    { role: 'user', content: parts.join('\n') },
  ];
}
