/** The postmortem prompt. Bump PROMPT_VERSION with any change to the wording or layout. */
import type { ChatMessage } from '../../llm/spec.js';
import type { DraftContext } from '../capability.js';
import { dataInstructions, fenceTag, fenced } from '../shared/fence.js';
import { incidentAsData } from '../shared/incident.js';
import type { PostmortemInput } from './input.js';
import { ENTRY_SEPARATOR, HEADINGS, IMPACT_LABELS, TITLE_PREFIX, needsHuman } from './output.js';

export const PROMPT_VERSION = 'postmortem/1';

/** The layout, line by line, from the same constants the parser reads. */
function layout(): string[] {
  return [
    `# ${TITLE_PREFIX}<incident title>`,
    `## ${HEADINGS.summary}`,
    '<one paragraph: what happened, impact window, detection, stated cause, recovery>',
    `## ${HEADINGS.impact}`,
    `**${IMPACT_LABELS.who}:** <who was affected>`,
    `**${IMPACT_LABELS.what}:** <what they experienced>`,
    `**${IMPACT_LABELS.impactStart}:** <YYYY-MM-DD HH:MM UTC> (<basis: incident start, first alert or first event>)`,
    `**${IMPACT_LABELS.impactEnd}:** <YYYY-MM-DD HH:MM UTC> (<basis: declared resolved or last recovery event>)`,
    `**${IMPACT_LABELS.durationMinutes}:** <whole number> minutes`,
    `## ${HEADINGS.timeline}`,
    `- <YYYY-MM-DD HH:MM UTC>${ENTRY_SEPARATOR}<what happened>   (one line per event, alert and chat message, oldest first)`,
    `## ${HEADINGS.detection}`,
    '<how and when the incident was noticed>',
    `## ${HEADINGS.rootCause}`,
    '<the root cause, only as stated in the data, naming where it is stated>',
    `## ${HEADINGS.contributingFactors}`,
    '- <factor stated in the data>',
    `## ${HEADINGS.resolution}`,
    '<what restored service, and when>',
    `## ${HEADINGS.whatWentWell}`,
    '- <item stated in the data>',
    `## ${HEADINGS.whatWentPoorly}`,
    '- <item stated in the data>',
    `## ${HEADINGS.actionItems}`,
    `- <description>${ENTRY_SEPARATOR}owner: <name>; due: <YYYY-MM-DD>; priority: <P0-P4>   (name only the owner, due date and priority the data gives)`,
  ];
}

export function buildPostmortemPrompt(
  input: PostmortemInput,
  _context: DraftContext,
): ChatMessage[] {
  const tag = fenceTag();
  const system = [
    'You write blameless incident postmortems from incident data.',
    'Use only facts present in the incident data: never invent times, causes, numbers, people or services.',
    'State a root cause or a contributing factor only when a note, timeline event or chat message in the data states it.',
    'Action items come only from notes of kind ACTION_ITEM; keep their owner, due date and priority exactly as written.',
    `Where the data does not ground a section or a line, write ${needsHuman('<what is missing>')} there instead of guessing.`,
    'The impact window runs from startedAt (else the first alert, else the first event) to resolvedAt (else the last recovery event).',
    'Write Markdown in exactly this layout, with every heading present, times in UTC:',
    ...layout(),
    dataInstructions(tag),
  ].join('\n');
  const user = fenced(tag, 'incident', JSON.stringify(incidentAsData(input.incident), null, 2));
  return [
    { role: 'system', content: system },
    { role: 'user', content: user },
  ];
}
