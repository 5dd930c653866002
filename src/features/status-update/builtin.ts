/**
 * The offline status update. It cannot rewrite prose the way a model would, so it chooses what
 * each audience is told:
 * - customers get fixed plain-language sentences about the status, the incident's own
 *   `customerImpact` and the products they know; never a timeline message, since those name
 *   people, hosts, deploys and blame;
 * - executives get business impact, duration so far, status and the next milestone, with the
 *   technical detail reduced to the latest event;
 * - responders get the technical detail: every event and alert since the last update, with authors.
 * Every sentence is a fact of the input, arithmetic on its times, or a fixed phrase, so a draft
 * from this provider has no grounding issues by construction.
 */
import type { DraftContext } from '../capability.js';
import { needsHuman } from '../postmortem/output.js';
import {
  chronological,
  classifyNote,
  formatUtc,
  oneLine,
  type Incident,
  type TimelineEvent,
} from '../shared/incident.js';
import type { Audience, StatusUpdateInput } from './input.js';
import { CHANGES_HEADING, LABELS } from './output.js';

/** Lines only this drafter writes; the parser reads past them. */
const EXTRA_LABELS = {
  duration: 'Duration',
  milestone: 'Next milestone',
  responders: 'Responders',
} as const;
const ALERTS_HEADING = 'Alerts since the last update';

type Status = Incident['status'];

const STATUS_WORDS: Record<Status, Record<Audience, string>> = {
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

/** What customers are told has happened so far: progress, never the responders' own words. */
const CUSTOMER_PROGRESS: Record<Status, string[]> = {
  INVESTIGATING: ['Our engineers are aware of the issue and are investigating it.'],
  IDENTIFIED: ['We have found what is causing the issue.', 'Our engineers are working on a fix.'],
  MONITORING: [
    'We have applied a fix and the service is recovering.',
    'We are watching closely to make sure it stays healthy.',
  ],
  RESOLVED: [
    'The service is working normally again.',
    'We will keep monitoring it and review what happened.',
  ],
};

/** The milestone executives should expect next, when no decision note names one. */
const NEXT_MILESTONE: Record<Status, string> = {
  INVESTIGATING: 'identify the cause and decide on a fix.',
  IDENTIFIED: 'roll out the fix and confirm recovery.',
  MONITORING: 'confirm recovery holds, then close the incident.',
  RESOLVED: 'postmortem review and its action items.',
};

const SEVERITY_WORDS: Record<Incident['severity'], string> = {
  SEV1: 'Critical',
  SEV2: 'Major',
  SEV3: 'Minor',
  SEV4: 'Low',
};

// Words that name how a service is built, not what customers use: dropped from the name.
const TECHNICAL_WORDS = new Set([
  'api',
  'app',
  'backend',
  'frontend',
  'gateway',
  'server',
  'service',
  'svc',
  'web',
  'worker',
  'prod',
  'v1',
  'v2',
]);
// Infrastructure customers never see: a service named with one of these is left out entirely.
const INFRASTRUCTURE_WORDS = new Set([
  'cache',
  'coredns',
  'database',
  'db',
  'dns',
  'edge',
  'etcd',
  'ingress',
  'kafka',
  'lb',
  'mq',
  'mysql',
  'postgres',
  'proxy',
  'queue',
  'rabbitmq',
  'redis',
]);

/**
 * The products customers know among the affected services: `checkout-api` → `Checkout`,
 * `notifications-worker` → `Notifications`; databases, DNS and other infrastructure are left out.
 */
function customerFacingServices(services: readonly string[]): string[] {
  const names = new Set<string>();
  for (const service of services) {
    const words = service
      .toLowerCase()
      .split(/[-_.\s]+/)
      .filter(Boolean);
    if (words.some((word) => INFRASTRUCTURE_WORDS.has(word) || /^db\d*$/.test(word))) continue;
    const kept = words.filter((word) => !TECHNICAL_WORDS.has(word) && !/\d/.test(word));
    if (kept.length === 0) continue;
    const name = kept.join(' ');
    names.add(name[0]!.toUpperCase() + name.slice(1));
  }
  return [...names];
}

function joinNames(names: readonly string[]): string {
  return names.length <= 1
    ? (names[0] ?? '')
    : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** When the incident began: its declared start, else its detection, else its first event. */
function startOf(incident: Incident, events: readonly TimelineEvent[]): Date | undefined {
  return incident.startedAt ?? incident.detectedAt ?? events[0]?.at ?? undefined;
}

function endOf(incident: Incident, events: readonly TimelineEvent[], now: Date): Date {
  if (incident.status !== 'RESOLVED') return now;
  return incident.resolvedAt ?? events[events.length - 1]?.at ?? now;
}

function formatDuration(minutes: number): string {
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  const parts = [days > 0 ? `${days} d` : '', hours > 0 ? `${hours} h` : '', `${rest} min`];
  return parts.filter(Boolean).join(' ');
}

/**
 * How long the incident has lasted (until its resolution, or so far), e.g. `1 h 25 min`; undefined
 * when the input gives no start. Exported for the grounding check, which must know it is derived.
 */
export function incidentDuration(incident: Incident, now: Date): string | undefined {
  const events = chronological(incident.timeline);
  const start = startOf(incident, events);
  if (!start) return undefined;
  const minutes = Math.round((endOf(incident, events, now).getTime() - start.getTime()) / 60_000);
  return formatDuration(Math.max(0, minutes));
}

/** The time of the next update promised, from the request time. */
export function nextUpdateAt(input: StatusUpdateInput, now: Date): Date {
  return new Date(now.getTime() + input.nextUpdateInMinutes * 60_000);
}

function statusTitle(status: Status): string {
  return status[0] + status.slice(1).toLowerCase();
}

function empathy(input: StatusUpdateInput): string[] {
  if (input.tone !== 'EMPATHETIC') return [];
  return [
    input.audience === 'CUSTOMER'
      ? 'We know this disrupts your work, and we are sorry.'
      : 'This is affecting people who depend on us; here is where things stand.',
    '',
  ];
}

function nextUpdateLine(input: StatusUpdateInput, now: Date): string {
  return input.incident.status === 'RESOLVED'
    ? `**${LABELS.next}:** none; this is the final update.`
    : `**${LABELS.next}:** by ${formatUtc(nextUpdateAt(input, now), now)}.`;
}

function customerDraft(input: StatusUpdateInput, now: Date): string[] {
  const { incident } = input;
  const events = chronological(incident.timeline);
  const start = startOf(incident, events);
  const products = customerFacingServices(incident.affectedServices);
  const subject =
    products.length > 0 ? `Disruption to ${joinNames(products)}` : 'Service disruption';
  const since = start ? ` since ${formatUtc(start, now)}` : '';
  const impact = incident.customerImpact
    ? `${start ? `Since ${formatUtc(start, now)}: ` : ''}${oneLine(incident.customerImpact)}`
    : `We are still assessing how customers are affected${since}. ${needsHuman('the incident has no customer impact written for customers.')}`;
  const progress = [...CUSTOMER_PROGRESS[incident.status]];
  if (incident.status === 'RESOLVED' && incident.resolvedAt)
    progress[0] = `The service has been working normally since ${formatUtc(incident.resolvedAt, now)}.`;
  return [
    `# ${subject}: ${statusTitle(incident.status)}`,
    '',
    ...empathy(input),
    `**${LABELS.status}:** ${STATUS_WORDS[incident.status].CUSTOMER}`,
    `**${LABELS.impact}:** ${impact}`,
    ...(products.length > 0 ? [`**${LABELS.services}:** ${products.join(', ')}`] : []),
    '',
    `## ${CHANGES_HEADING}`,
    ...progress.map((line) => `- ${line}`),
    '',
    nextUpdateLine(input, now),
  ];
}

/** The latest decision a responder recorded, which is what leadership waits on next. */
function latestDecision(incident: Incident): string | undefined {
  const decisions = incident.notes
    .map((note) => ({ at: note.at, ...classifyNote(note) }))
    .filter((note) => note.kind === 'DECISION');
  return decisions.length > 0 ? oneLine(decisions[decisions.length - 1]!.text) : undefined;
}

function executiveDraft(input: StatusUpdateInput, changes: TimelineEvent[], now: Date): string[] {
  const { incident } = input;
  const events = chronological(incident.timeline);
  const start = startOf(incident, events);
  const services = incident.affectedServices.join(', ');
  const impact = incident.customerImpact
    ? oneLine(incident.customerImpact)
    : `${SEVERITY_WORDS[incident.severity]} impact on ${services || 'the affected service'}; customer impact not yet written. ${needsHuman('the incident has no customer impact.')}`;
  const duration = incidentDuration(incident, now);
  const durationLine = duration
    ? `${duration} ${incident.status === 'RESOLVED' ? 'in total' : 'so far'}, since ${formatUtc(start!, now)}`
    : needsHuman('the incident has no start time and no events.');
  const decision = latestDecision(incident);
  const latest = changes[changes.length - 1];
  return [
    `# [${incident.severity}] ${incident.title}: ${statusTitle(incident.status)}`,
    '',
    ...empathy(input),
    `**${LABELS.status}:** ${STATUS_WORDS[incident.status].EXECUTIVE}`,
    `**${LABELS.impact}:** ${impact}`,
    `**${EXTRA_LABELS.duration}:** ${durationLine}`,
    ...(services ? [`**${LABELS.services}:** ${services}`] : []),
    `**${EXTRA_LABELS.milestone}:** ${decision ? `decision taken: ${decision}` : NEXT_MILESTONE[incident.status]}`,
    '',
    `## ${CHANGES_HEADING}`,
    // The technical detail in one line: the latest thing responders reported.
    latest
      ? `- Latest from the responders, ${formatUtc(latest.at, now)}: ${oneLine(latest.message)}`
      : '- No new events since the last update.',
    '',
    nextUpdateLine(input, now),
  ];
}

function internalDraft(input: StatusUpdateInput, changes: TimelineEvent[], now: Date): string[] {
  const { incident, previousUpdateAt: since } = input;
  const events = chronological(incident.timeline);
  const start = startOf(incident, events);
  const services = incident.affectedServices.join(', ');
  const impact = incident.customerImpact
    ? oneLine(incident.customerImpact)
    : `${SEVERITY_WORDS[incident.severity]} impact on ${services || 'the affected service'}`;
  const alerts = [...incident.alerts]
    .filter((alert) => !since || alert.at > since)
    .sort((a, b) => a.at.getTime() - b.at.getTime())
    .slice(-(input.tone === 'BRIEF' ? 3 : 10));
  const responders = incident.responders.map((responder) =>
    responder.role ? `${responder.name} (${responder.role})` : responder.name,
  );
  return [
    `# [${incident.severity}] ${incident.title}: ${statusTitle(incident.status)}`,
    '',
    ...empathy(input),
    `**${LABELS.status}:** ${STATUS_WORDS[incident.status].INTERNAL}`,
    `**${LABELS.impact}:** ${impact}${start ? ` (since ${formatUtc(start, now)})` : ''}`,
    ...(services ? [`**${LABELS.services}:** ${services}`] : []),
    ...(responders.length > 0 ? [`**${EXTRA_LABELS.responders}:** ${responders.join('; ')}`] : []),
    '',
    `## ${CHANGES_HEADING}`,
    ...(changes.length > 0
      ? changes.map(
          (event) =>
            `- ${formatUtc(event.at, now)}: ${oneLine(event.message)}${event.author ? ` (${event.author})` : ''}`,
        )
      : ['- No new events since the last update.']),
    ...(alerts.length > 0
      ? [
          '',
          `## ${ALERTS_HEADING}`,
          ...alerts.map(
            (alert) =>
              `- ${formatUtc(alert.at, now)}: ${oneLine(alert.message)}${alert.source ? ` (${alert.source})` : ''}`,
          ),
        ]
      : []),
    '',
    nextUpdateLine(input, now),
  ];
}

export function draftStatusUpdateOffline(input: StatusUpdateInput, { now }: DraftContext): string {
  const { incident, audience, tone } = input;
  if (audience === 'CUSTOMER') return customerDraft(input, now).join('\n');
  const since = input.previousUpdateAt;
  const events = chronological(incident.timeline);
  const limit = tone === 'BRIEF' ? 5 : 20;
  const changes = (since ? events.filter((event) => event.at > since) : events).slice(-limit);
  return (
    audience === 'EXECUTIVE'
      ? executiveDraft(input, changes, now)
      : internalDraft(input, changes, now)
  ).join('\n');
}
