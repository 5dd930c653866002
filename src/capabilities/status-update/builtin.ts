/**
 * The offline status update: every sentence is assembled from the input's own facts (title,
 * severity, status, services, timeline, impact) and the request time. Nothing is invented, so a
 * draft from this provider has no grounding issues by construction.
 */
import type { DraftContext } from '../capability.js';
import { chronological, formatUtc, type TimelineEvent } from '../shared/incident.js';
import type { Audience, StatusUpdateInput } from './input.js';
import { CHANGES_HEADING, LABELS } from './output.js';

const STATUS_WORDS: Record<StatusUpdateInput['incident']['status'], Record<Audience, string>> = {
  INVESTIGATING: {
    INTERNAL: 'Investigating: cause not yet identified.',
    EXECUTIVE: 'Investigating: the team is working to identify the cause.',
    CUSTOMER: 'We are investigating the issue.',
  },
  IDENTIFIED: {
    INTERNAL: 'Identified: cause known, fix in progress.',
    EXECUTIVE: 'Identified: the cause is known and a fix is in progress.',
    CUSTOMER: 'We have identified the cause and are working on a fix.',
  },
  MONITORING: {
    INTERNAL: 'Monitoring: fix deployed, watching for recurrence.',
    EXECUTIVE: 'Monitoring: a fix is in place and the team is confirming recovery.',
    CUSTOMER: 'A fix has been applied and we are monitoring the results.',
  },
  RESOLVED: {
    INTERNAL: 'Resolved.',
    EXECUTIVE: 'Resolved: service has been restored.',
    CUSTOMER: 'This issue has been resolved.',
  },
};

const SEVERITY_WORDS: Record<StatusUpdateInput['incident']['severity'], string> = {
  SEV1: 'critical',
  SEV2: 'major',
  SEV3: 'minor',
  SEV4: 'low-impact',
};

function impactSentence(input: StatusUpdateInput, start: Date | undefined, now: Date): string {
  const { incident, audience } = input;
  const since = start ? ` since ${formatUtc(start, now)}` : '';
  if (incident.customerImpact)
    return `${incident.customerImpact}${since ? ` (${since.trim()})` : ''}`;
  const services =
    incident.affectedServices.length > 0
      ? incident.affectedServices.join(', ')
      : 'the affected service';
  if (audience === 'CUSTOMER') return `Some requests to ${services} may fail or be slow${since}.`;
  return `${SEVERITY_WORDS[incident.severity][0]!.toUpperCase()}${SEVERITY_WORDS[incident.severity].slice(1)} impact on ${services}${since}.`;
}

function describeEvent(event: TimelineEvent, audience: Audience, now: Date): string {
  const by = audience === 'INTERNAL' && event.author ? ` (${event.author})` : '';
  return `${formatUtc(event.at, now)}: ${event.message}${by}`;
}

export function draftStatusUpdateOffline(input: StatusUpdateInput, { now }: DraftContext): string {
  const { incident, audience, tone } = input;
  const events = chronological(incident.timeline);
  const start = incident.startedAt ?? events[0]?.at ?? undefined;
  const since = input.previousUpdateAt;
  // Executives and customers get the latest few events, not the whole log; a brief tone, fewer still.
  const limit = audience === 'INTERNAL' ? (tone === 'BRIEF' ? 5 : 20) : tone === 'BRIEF' ? 2 : 5;
  const changes = (since ? events.filter((event) => event.at > since) : events).slice(-limit);

  const lines: string[] = [];
  const statusTitle = incident.status[0] + incident.status.slice(1).toLowerCase();
  lines.push(
    audience === 'CUSTOMER'
      ? `# ${incident.title}: ${statusTitle}`
      : `# [${incident.severity}] ${incident.title}: ${statusTitle}`,
    '',
  );
  if (tone === 'EMPATHETIC') {
    lines.push(
      audience === 'CUSTOMER'
        ? 'We know this disrupts your work, and we are sorry.'
        : 'This is affecting people who depend on us; here is where things stand.',
      '',
    );
  }
  lines.push(`**${LABELS.status}:** ${STATUS_WORDS[incident.status][audience]}`);
  lines.push(`**${LABELS.impact}:** ${impactSentence(input, start, now)}`);
  if (incident.affectedServices.length > 0)
    lines.push(`**${LABELS.services}:** ${incident.affectedServices.join(', ')}`);
  lines.push('');
  lines.push(`## ${CHANGES_HEADING}`);
  if (changes.length === 0) lines.push('- No new events since the last update.');
  for (const event of changes) lines.push(`- ${describeEvent(event, audience, now)}`);
  lines.push('');
  if (incident.status === 'RESOLVED') {
    lines.push(`**${LABELS.next}:** none; this is the final update.`);
  } else {
    const next = new Date(now.getTime() + input.nextUpdateInMinutes * 60_000);
    lines.push(`**${LABELS.next}:** by ${formatUtc(next, now)}.`);
  }
  return lines.join('\n');
}
