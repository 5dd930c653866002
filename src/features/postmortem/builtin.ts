/**
 * The offline postmortem: extractive. Every sentence is either a fact of the input (its events,
 * alerts, chat, notes, times and services), arithmetic on those facts (the impact window), or a
 * fixed phrase. Judgements the input does not state — a root cause nobody wrote down, what went
 * well, contributing factors — are left with a "Needs a human" placeholder, never guessed.
 */
import type { DraftContext } from '../capability.js';
import {
  chronological,
  classifyNote,
  oneLine,
  type Alert,
  type ChatExcerpt,
  type Incident,
  type Note,
  type TimelineEvent,
} from '../shared/incident.js';
import type { PostmortemInput } from './input.js';
import {
  ENTRY_SEPARATOR,
  HEADINGS,
  IMPACT_LABELS,
  TITLE_PREFIX,
  formatActionItem,
  formatInstant,
  needsHuman,
  parseActionItem,
  type ActionItem,
  type Section,
} from './output.js';

// A statement is taken as a cause only when it says so plainly; hedges and questions are not.
// The plainer the wording, the stronger the claim: a "root cause" anywhere beats a "because",
// which responders also use for symptoms ("latency degraded because calls time out").
const ROOT_CAUSE_TIERS = [
  /\b(?:root[- ]?cause|(?:identified|confirmed) as the (?:root )?cause|the cause (?:is|was))\b/i,
  /\b(?:caused by|traced (?:back )?to)\b/i,
  /\b(?:because|due to)\b/i,
];
const CONTRIBUTING =
  /\b(?:contributing factors?|contributed to|made (?:it|this|things|the outage) worse|compounded by|exacerbated)\b/i;
const HEDGED =
  /\?|\b(?:unknown|unclear|undetermined|tbd|not (?:yet )?(?:known|identified|clear|sure|confirmed|the cause)|ruled out|not caused|no root cause|maybe|might|possibly|perhaps|probably|suspect(?:ed)?|could be|hypothes[ie]s|theory|still investigating)\b/i;
// An event marks recovery when it says so without qualification.
const RESOLVING =
  /\b(?:resolved|mitigated|recovered|recovery (?:complete|confirmed)|restored|back to normal|returned to (?:normal|baseline)|back (?:to|within) (?:normal|baseline|slo)|rollback (?:complete|completed|finished)|rolled back|fully operational|all clear)\b/i;
const NOT_RESOLVING = /\?|\b(?:not|partial|partially|still|yet|in progress|unresolved)\b/i;
// "Root cause: X" reads as "X" once it sits under a heading or after "Stated root cause:".
const STATEMENT_LABEL = /^\s*(?:root[- ]?cause(?: confirmed)?|contributing factors?)\s*:\s*/i;
const WENT_WELL = /^\s*(?:what )?went well\s*:\s*/i;
const WENT_POORLY =
  /^\s*(?:what )?(?:went (?:poorly|badly|wrong)|didn't go well|did not go well)\s*:\s*/i;
/** Notes already filed under another section: not candidates for the root cause. */
const OTHER_SECTION = /^\s*(?:contributing factors?|(?:what )?went \w+|decision)\s*:/i;

interface Statement {
  text: string;
  /** Where it is stated, for the reader to check. */
  source: string;
}

interface Facts {
  incident: Incident;
  alerts: Alert[];
  timeline: { at: Date; text: string }[];
  impactStart: { at: Date; basis: string } | null;
  impactEnd: { at: Date; basis: string } | null;
  resolvingEvent: TimelineEvent | undefined;
  rootCause: Statement | undefined;
  contributingFactors: Statement[];
  wentWell: string[];
  wentPoorly: string[];
  decisions: Statement[];
  actionItems: ActionItem[];
}

const byTime = <T extends { at: Date }>(items: readonly T[]): T[] =>
  [...items].sort((a, b) => a.at.getTime() - b.at.getTime());

function describeEvent(event: TimelineEvent): string {
  return `${oneLine(event.message)}${event.author ? ` (${oneLine(event.author)})` : ''}`;
}

function describeAlert(alert: Alert): string {
  return `Alert${alert.source ? ` from ${oneLine(alert.source)}` : ''}: ${oneLine(alert.message)}`;
}

function describeChat(message: ChatExcerpt): string {
  return `${oneLine(message.author)} in chat: "${oneLine(message.text)}"`;
}

const comparable = (text: string) =>
  oneLine(text)
    .toLowerCase()
    .replace(/[^a-z0-9%]+/g, ' ');

/**
 * An alert that a timeline event records at the same minute, in the same words (one containing the
 * other), is one moment: responders often paste the alert into the timeline.
 */
function echoedInTimeline(alert: Alert, events: readonly TimelineEvent[]): boolean {
  const minute = Math.floor(alert.at.getTime() / 60_000);
  const words = comparable(alert.message);
  return events.some((event) => {
    if (Math.floor(event.at.getTime() / 60_000) !== minute) return false;
    const other = comparable(event.message);
    return other.includes(words) || words.includes(other);
  });
}

/**
 * Events, alerts and chat in one list, oldest first; at the same instant alerts come first, then
 * events, then chat. An alert the timeline repeats appears once, as the event.
 */
function mergedTimeline(incident: Incident): Facts['timeline'] {
  const entries = [
    ...incident.alerts
      .map((alert, index) => ({ alert, index }))
      .filter(({ alert }) => !echoedInTimeline(alert, incident.timeline))
      .map(({ alert, index }) => ({
        at: alert.at,
        rank: 0,
        index,
        text: describeAlert(alert),
      })),
    ...incident.timeline.map((event, index) => ({
      at: event.at,
      rank: 1,
      index,
      text: describeEvent(event),
    })),
    ...incident.chatExcerpts.map((message, index) => ({
      at: message.at,
      rank: 2,
      index,
      text: describeChat(message),
    })),
  ];
  entries.sort((a, b) => a.at.getTime() - b.at.getTime() || a.rank - b.rank || a.index - b.index);
  return entries.map(({ at, text }) => ({ at, text }));
}

/** Where a statement came from, for the reader to check it. */
function noteSource(note: Note): string {
  return `a note${note.author ? ` by ${oneLine(note.author)}` : ''}${note.at ? ` at ${formatInstant(note.at)}` : ''}`;
}

/**
 * Statements from notes (what responders wrote down on reflection), then the timeline, then chat:
 * the first source that states something wins, and within a source the latest statement, since
 * understanding improves as an incident goes on.
 */
function statements(incident: Incident): Statement[][] {
  const notes = incident.notes
    .map((note) => ({ note, classified: classifyNote(note) }))
    .filter(({ classified }) => classified.kind !== 'ACTION_ITEM')
    .map(({ note, classified }) => ({ text: oneLine(classified.text), source: noteSource(note) }));
  const events = chronological(incident.timeline).map((event) => ({
    text: oneLine(event.message),
    source: `the timeline at ${formatInstant(event.at)}${event.author ? ` (${oneLine(event.author)})` : ''}`,
  }));
  const chat = byTime(incident.chatExcerpts).map((message) => ({
    text: oneLine(message.text),
    source: `chat, ${oneLine(message.author)} at ${formatInstant(message.at)}`,
  }));
  return [notes, events, chat];
}

function stated(groups: Statement[][], pattern: RegExp): Statement | undefined {
  for (const group of groups) {
    const found = group
      .filter((statement) => pattern.test(statement.text) && !HEDGED.test(statement.text))
      .at(-1);
    if (found) return found;
  }
  return undefined;
}

function statedRootCause(groups: Statement[][]): Statement | undefined {
  const candidates = groups.map((group) =>
    group.filter((statement) => !OTHER_SECTION.test(statement.text)),
  );
  for (const tier of ROOT_CAUSE_TIERS) {
    const found = stated(candidates, tier);
    if (found) return found;
  }
  return undefined;
}

function gatherFacts(incident: Incident): Facts {
  const events = chronological(incident.timeline);
  const alerts = byTime(incident.alerts);
  const groups = statements(incident);

  const firstAlert = alerts[0];
  const firstEvent = events[0];
  const impactStart = incident.startedAt
    ? { at: incident.startedAt, basis: 'incident start' }
    : firstAlert
      ? { at: firstAlert.at, basis: 'first alert' }
      : firstEvent
        ? { at: firstEvent.at, basis: 'first timeline event' }
        : null;
  // With a declared resolution time, the recovery is the last one up to it (a later "status page
  // says resolved" is an echo); without one, the last recovery recorded.
  const recoveries = events.filter(
    (event) => RESOLVING.test(event.message) && !NOT_RESOLVING.test(event.message),
  );
  const resolvedAt = incident.resolvedAt;
  const resolvingEvent = resolvedAt
    ? (recoveries.filter((event) => event.at <= resolvedAt).at(-1) ?? recoveries[0])
    : recoveries.at(-1);
  const impactEnd = incident.resolvedAt
    ? { at: incident.resolvedAt, basis: 'declared resolved' }
    : resolvingEvent
      ? { at: resolvingEvent.at, basis: 'last recovery event' }
      : null;

  const plainNotes = incident.notes.map(classifyNote).filter((note) => note.kind !== 'ACTION_ITEM');
  const contributing = groups
    .flat()
    .filter((statement) => CONTRIBUTING.test(statement.text) && !HEDGED.test(statement.text));
  return {
    incident,
    alerts,
    timeline: mergedTimeline(incident),
    impactStart,
    impactEnd,
    resolvingEvent,
    rootCause: statedRootCause(groups),
    contributingFactors: contributing,
    wentWell: plainNotes
      .filter((note) => WENT_WELL.test(note.text))
      .map((note) => oneLine(note.text.replace(WENT_WELL, ''))),
    wentPoorly: plainNotes
      .filter((note) => WENT_POORLY.test(note.text))
      .map((note) => oneLine(note.text.replace(WENT_POORLY, ''))),
    // A note kept as a decision that states the root cause is the root cause, not a decision.
    decisions: incident.notes
      .map((note) => ({ note, classified: classifyNote(note) }))
      .filter(({ classified }) => classified.kind === 'DECISION')
      .filter(({ classified }) => !STATEMENT_LABEL.test(classified.text))
      .map(({ note, classified }) => ({
        text: oneLine(classified.text),
        source: noteSource(note),
      })),
    actionItems: incident.notes
      .map(classifyNote)
      .filter((note) => note.kind === 'ACTION_ITEM')
      .map((note) => parseActionItem(oneLine(note.text))),
  };
}

function minutesBetween(start: Date, end: Date): number {
  return Math.round((end.getTime() - start.getTime()) / 60_000);
}

function impactLines(facts: Facts): string[] {
  const { incident, impactStart, impactEnd } = facts;
  const services = incident.affectedServices;
  const ordered = impactStart && impactEnd && impactEnd >= impactStart;
  return [
    `**${IMPACT_LABELS.who}:** ${services.length > 0 ? `Users of ${services.join(', ')}` : needsHuman('the incident names no affected service or audience.')}`,
    `**${IMPACT_LABELS.what}:** ${incident.customerImpact ? oneLine(incident.customerImpact) : needsHuman('no customer impact was written for this incident.')}`,
    `**${IMPACT_LABELS.impactStart}:** ${impactStart ? `${formatInstant(impactStart.at)} (${impactStart.basis})` : needsHuman('no start time, alert or timeline event.')}`,
    `**${IMPACT_LABELS.impactEnd}:** ${impactEnd ? `${formatInstant(impactEnd.at)} (${impactEnd.basis})` : needsHuman('no resolution time and no recovery event.')}`,
    `**${IMPACT_LABELS.durationMinutes}:** ${
      ordered
        ? `${minutesBetween(impactStart.at, impactEnd.at)} minutes`
        : needsHuman(
            impactStart && impactEnd
              ? 'the impact end precedes its start.'
              : 'the impact window is incomplete.',
          )
    }`,
  ];
}

/** Alerts that fired before a known impact start were warnings, not the detection. */
function detectionAlerts(facts: Facts): { warnings: Alert[]; during: Alert[] } {
  const start = facts.impactStart?.basis === 'incident start' ? facts.impactStart.at : undefined;
  if (!start) return { warnings: [], during: facts.alerts };
  return {
    warnings: facts.alerts.filter((alert) => alert.at < start),
    during: facts.alerts.filter((alert) => alert.at >= start),
  };
}

function detectionText(facts: Facts): string {
  const { incident, impactStart } = facts;
  const { warnings, during } = detectionAlerts(facts);
  const first = during[0];
  const parts: string[] = [];
  if (first) {
    parts.push(
      `First detected by an alert${first.source ? ` from ${oneLine(first.source)}` : ''} at ${formatInstant(first.at)}: "${oneLine(first.message)}".`,
    );
    if (impactStart && impactStart.basis === 'incident start')
      parts.push(
        `That was ${minutesBetween(impactStart.at, first.at)} minutes after impact began.`,
      );
    if (during.length > 1) parts.push(`${during.length} alerts fired during the incident.`);
  }
  const warning = warnings[0];
  if (warning) {
    parts.push(
      `${warnings.length} ${warnings.length === 1 ? 'alert' : 'alerts'} fired before impact began, the first at ${formatInstant(warning.at)}${warning.source ? ` from ${oneLine(warning.source)}` : ''}: "${oneLine(warning.message)}".`,
    );
  }
  if (incident.detectedAt)
    parts.push(
      `The incident record gives ${formatInstant(incident.detectedAt)} as the detection time.`,
    );
  if (!first)
    parts.push(
      needsHuman(
        incident.detectedAt
          ? 'no alert fired during the incident; how it was noticed is not recorded.'
          : 'no alert and no detection time are recorded.',
      ),
    );
  return parts.join(' ');
}

function resolutionText(facts: Facts): string {
  const { incident, resolvingEvent } = facts;
  const parts: string[] = [];
  if (resolvingEvent)
    parts.push(
      `Recovery recorded at ${formatInstant(resolvingEvent.at)}: ${describeEvent(resolvingEvent)}.`,
    );
  if (incident.resolvedAt)
    parts.push(`The incident was declared resolved at ${formatInstant(incident.resolvedAt)}.`);
  for (const decision of facts.decisions)
    parts.push(`Decision recorded in ${decision.source}: "${decision.text}"`);
  if (!resolvingEvent) {
    parts.push(
      needsHuman(
        incident.status === 'RESOLVED' || incident.resolvedAt
          ? 'no timeline event records what restored service.'
          : `the incident is still ${incident.status.toLowerCase()}; describe the resolution once it is over.`,
      ),
    );
  }
  return parts.join(' ');
}

function summaryText(facts: Facts): string {
  const { incident, impactStart, impactEnd, rootCause, resolvingEvent, actionItems } = facts;
  const services =
    incident.affectedServices.length > 0
      ? ` affecting ${incident.affectedServices.join(', ')}`
      : '';
  const window =
    impactStart && impactEnd && impactEnd >= impactStart
      ? ` from ${formatInstant(impactStart.at)} to ${formatInstant(impactEnd.at)} (${minutesBetween(impactStart.at, impactEnd.at)} minutes)`
      : impactStart
        ? ` starting ${formatInstant(impactStart.at)}`
        : '';
  const sentences = [
    `${incident.severity} incident "${oneLine(incident.title)}"${services}${window}.`,
  ];
  const first = detectionAlerts(facts).during[0];
  if (first)
    sentences.push(
      `It was detected by an alert${first.source ? ` from ${oneLine(first.source)}` : ''}.`,
    );
  sentences.push(
    rootCause
      ? `Stated root cause: ${rootCause.text.replace(STATEMENT_LABEL, '')}`
      : 'No root cause has been stated yet.',
  );
  if (resolvingEvent) sentences.push(`Recovery: ${oneLine(resolvingEvent.message)}`);
  else sentences.push(`Status: ${incident.status.toLowerCase()}.`);
  sentences.push(
    `${actionItems.length} action ${actionItems.length === 1 ? 'item was' : 'items were'} recorded.`,
  );
  return sentences
    .map((sentence) => (/[.!?"]$/.test(sentence) ? sentence : `${sentence}.`))
    .join(' ');
}

function section(key: Section, body: string[]): string[] {
  return [`## ${HEADINGS[key]}`, ...body, ''];
}

export function draftPostmortemOffline(input: PostmortemInput, _context: DraftContext): string {
  const facts = gatherFacts(input.incident);
  const { incident } = facts;
  const lines: string[] = [`# ${TITLE_PREFIX}${oneLine(incident.title)}`, ''];
  lines.push(`**Severity:** ${incident.severity} · **Status:** ${incident.status.toLowerCase()}`);
  if (incident.responders.length > 0) {
    lines.push(
      `**Responders:** ${incident.responders.map((responder) => `${oneLine(responder.name)}${responder.role ? ` (${oneLine(responder.role)})` : ''}`).join(', ')}`,
    );
  }
  lines.push('');

  lines.push(...section('summary', [summaryText(facts)]));
  lines.push(...section('impact', impactLines(facts)));
  lines.push(
    ...section(
      'timeline',
      facts.timeline.length > 0
        ? facts.timeline.map(
            (entry) => `- ${formatInstant(entry.at)}${ENTRY_SEPARATOR}${entry.text}`,
          )
        : [needsHuman('no events, alerts or chat messages were supplied.')],
    ),
  );
  lines.push(...section('detection', [detectionText(facts)]));
  lines.push(
    ...section('rootCause', [
      facts.rootCause
        ? `As stated in ${facts.rootCause.source}: "${facts.rootCause.text}"`
        : needsHuman(
            'no note, timeline event or chat message states the root cause; it is not inferred here.',
          ),
    ]),
  );
  lines.push(
    ...section(
      'contributingFactors',
      facts.contributingFactors.length > 0
        ? facts.contributingFactors.map(
            (statement) => `- ${statement.text.replace(STATEMENT_LABEL, '')} (${statement.source})`,
          )
        : [needsHuman('no contributing factor is stated in the incident data.')],
    ),
  );
  lines.push(...section('resolution', [resolutionText(facts)]));
  lines.push(
    ...section(
      'whatWentWell',
      facts.wentWell.length > 0
        ? facts.wentWell.map((text) => `- ${text}`)
        : [needsHuman('no note records what went well.')],
    ),
  );
  lines.push(
    ...section(
      'whatWentPoorly',
      facts.wentPoorly.length > 0
        ? facts.wentPoorly.map((text) => `- ${text}`)
        : [needsHuman('no note records what went poorly.')],
    ),
  );
  lines.push(
    ...section(
      'actionItems',
      facts.actionItems.length > 0
        ? facts.actionItems.map((item) => `- ${formatActionItem(item)}`)
        : [needsHuman('no note is marked as an action item.')],
    ),
  );
  return lines.join('\n').trimEnd();
}

/**
 * Numbers a postmortem states that are arithmetic on the input rather than copies of it (the
 * impact duration, the minutes from impact to detection, counts), for the grounding check.
 */
export function postmortemDerivedFacts(input: PostmortemInput): string[] {
  const facts = gatherFacts(input.incident);
  const { warnings, during } = detectionAlerts(facts);
  const numbers = [during.length, warnings.length, facts.actionItems.length];
  const { impactStart, impactEnd } = facts;
  if (impactStart && impactEnd) numbers.push(minutesBetween(impactStart.at, impactEnd.at));
  if (impactStart && during[0]) numbers.push(minutesBetween(impactStart.at, during[0].at));
  return numbers.map(String);
}
