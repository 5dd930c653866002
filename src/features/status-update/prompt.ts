/** The status-update prompt. Bump PROMPT_VERSION with any change to the wording or layout. */
import type { ChatMessage } from '../../llm/spec.js';
import type { DraftContext } from '../capability.js';
import { dataInstructions, fenceTag, fenced } from '../shared/fence.js';
import { chronological } from '../shared/incident.js';
import type { StatusUpdateInput } from './input.js';
import { CHANGES_HEADING, LABELS } from './output.js';

export const PROMPT_VERSION = 'status-update/1';

const REGISTER: Record<StatusUpdateInput['audience'], string> = {
  INTERNAL: 'responders and engineers: be specific and technical, keep times, services and authors',
  EXECUTIVE:
    'company leadership: business impact, what is being done and when they will hear next; no jargon',
  CUSTOMER:
    'customers: plain, calm language; no internal system names beyond the affected products; no blame, no speculation',
};

export function buildStatusUpdatePrompt(
  input: StatusUpdateInput,
  { now }: DraftContext,
): ChatMessage[] {
  const tag = fenceTag();
  const events = chronological(input.incident.timeline).map((event) => ({
    ...event,
    at: event.at.toISOString(),
  }));
  const incident = { ...input.incident, timeline: events };
  const system = [
    'You write incident status updates for stakeholders.',
    `Audience: ${REGISTER[input.audience]}. Tone: ${input.tone.toLowerCase()}.`,
    'Use only facts present in the incident data: never invent times, causes, numbers, people or services.',
    'Write Markdown in exactly this layout:',
    `# <one-line headline with the incident and its status>`,
    `**${LABELS.status}:** <where the response stands>`,
    `**${LABELS.impact}:** <who or what is affected and since when>`,
    `**${LABELS.services}:** <comma-separated affected services>`,
    `## ${CHANGES_HEADING}`,
    '- <HH:MM UTC: event>, one line per event after the previous update',
    input.incident.status === 'RESOLVED'
      ? `**${LABELS.next}:** none; this is the final update.`
      : `**${LABELS.next}:** by <HH:MM UTC>, ${input.nextUpdateInMinutes} minutes after ${now.toISOString()}`,
    dataInstructions(tag),
  ].join('\n');
  const user = [
    fenced(tag, 'incident', JSON.stringify(incident, null, 2)),
    input.previousUpdateAt
      ? `The previous update went out at ${input.previousUpdateAt.toISOString()}.`
      : 'This is the first update.',
  ].join('\n');
  return [
    { role: 'system', content: system },
    { role: 'user', content: user },
  ];
}
