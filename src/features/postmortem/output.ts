/**
 * The postmortem's Markdown layout, shared by the builtin draft, the LLM prompt and the parser:
 * one place defines the headings, labels, time format, action-item format and the placeholder a
 * section carries when the incident data does not ground it.
 */
import { z } from 'zod';
import { draftReading, type DraftReading } from '../capability.js';
import { findInstant } from '../shared/instant.js';
import {
  blocksUnder,
  column,
  entries,
  field,
  isPlaceholder,
  keyedAs,
  outline,
  section,
  subsections,
  tableRows,
  type Block,
  type Outline,
  type Section as OutlineSection,
} from '../shared/markdown.js';
import type { PostmortemInput } from './input.js';

export const TITLE_PREFIX = 'Postmortem: ';

export const HEADINGS = {
  summary: 'Summary',
  impact: 'Impact',
  timeline: 'Timeline',
  detection: 'Detection',
  rootCause: 'Root cause',
  contributingFactors: 'Contributing factors',
  resolution: 'Resolution',
  whatWentWell: 'What went well',
  whatWentPoorly: 'What went poorly',
  actionItems: 'Action items',
} as const;

export type Section = keyof typeof HEADINGS;
export const SECTIONS = Object.keys(HEADINGS) as Section[];

/**
 * Without these a postmortem is no postmortem: worth one corrective retry. The root cause is not
 * among them: while the incident data does not state one, no answer can, and a second call would
 * only pay for the same gap (it stays in `needsHuman`).
 */
export const ESSENTIAL: readonly Section[] = ['summary', 'timeline'];

export const IMPACT_LABELS = {
  who: 'Who',
  what: 'What',
  impactStart: 'Impact start',
  impactEnd: 'Impact end',
  durationMinutes: 'Duration',
} as const;

/** Written where the data does not ground a section, or a part of one, instead of a guess. */
export const NEEDS_HUMAN = 'Needs a human';

export function needsHuman(reason: string): string {
  return `_${NEEDS_HUMAN}: ${reason}_`;
}

/** `2026-11-22 09:12 UTC`, with seconds when they are not zero. Postmortems span days: always dated. */
export function formatInstant(at: Date): string {
  const iso = at.toISOString();
  const seconds = iso.slice(17, 19);
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}${seconds === '00' ? '' : `:${seconds}`} UTC`;
}

/** Between a timeline entry's time and its text. */
export const ENTRY_SEPARATOR = ' — ';

export interface ActionItem {
  description: string;
  owner: string | null;
  due: string | null;
  priority: string | null;
}

/** `Add a canary stage — owner: Dana Whitfield; due: 2026-12-01; priority: P1`, naming only what is known. */
export function formatActionItem(item: ActionItem): string {
  const facts = [
    item.owner && `owner: ${item.owner}`,
    item.due && `due: ${item.due}`,
    item.priority && `priority: ${item.priority}`,
  ].filter(Boolean);
  return facts.length > 0
    ? `${item.description}${ENTRY_SEPARATOR}${facts.join('; ')}`
    : item.description;
}

const METADATA_KEY = /\b(?:owner|due|priority)\b|\bP[0-4]\b/i;
const DASH_SUFFIX = /\s+[—–]\s+((?:owner|due|priority)\b[^—–]*)$/i;
const BRACKET_SUFFIX = /\s*[([]([^()[\]]*)[)\]]\s*\.?\s*$/;
const NOBODY = /^(?:none|nobody|unassigned|tbd|n\/a|-)$/i;

/**
 * Reads an action item's owner, due date and priority where they are written: as the layout's
 * `— owner: X; due: YYYY-MM-DD; priority: P1` suffix, or as a trailing parenthetical such as
 * `(owner: Dana, due 2026-12-01, P1)`. What is not written stays null; nothing is guessed.
 */
export function parseActionItem(text: string): ActionItem {
  const trimmed = text.trim();
  const suffix = DASH_SUFFIX.exec(trimmed) ?? BRACKET_SUFFIX.exec(trimmed);
  const item: ActionItem = { description: trimmed, owner: null, due: null, priority: null };
  if (!suffix || !METADATA_KEY.test(suffix[1] ?? '')) return item;
  let understood = false;
  for (const part of (suffix[1] ?? '').split(/[;,]/)) {
    const fact = part.trim();
    const owner = /^owner\s*[:=]?\s*(.+)$/i.exec(fact);
    const due = /^due(?:\s+(?:by|on))?\s*[:=]?\s*(\d{4}-\d{2}-\d{2})$/i.exec(fact);
    const priority =
      /^(?:priority\s*[:=]?\s*)?(P[0-4])$/i.exec(fact) ?? /^priority\s*[:=]?\s*(\S+)$/i.exec(fact);
    if (owner?.[1]) {
      item.owner = NOBODY.test(owner[1].trim()) ? null : owner[1].trim();
      understood = true;
    } else if (due?.[1] && !Number.isNaN(new Date(`${due[1]}T00:00:00Z`).getTime())) {
      item.due = due[1];
      understood = true;
    } else if (priority?.[1]) {
      item.priority = /^p[0-4]$/i.test(priority[1]) ? priority[1].toUpperCase() : priority[1];
      understood = true;
    }
  }
  if (understood) item.description = trimmed.slice(0, suffix.index).trim() || trimmed;
  return item;
}

const timelineEntrySchema = z.object({ at: z.date(), text: z.string().min(1) });

const actionItemSchema = z.object({
  description: z.string().min(1),
  owner: z.string().nullable(),
  due: z.string().nullable(),
  priority: z.string().nullable(),
});

export const postmortemOutputSchema = z.object({
  title: z.string().min(1).nullable(),
  summary: z.string().min(1).nullable(),
  impact: z.object({
    who: z.string().nullable(),
    what: z.string().nullable(),
    impactStart: z.date().nullable(),
    impactEnd: z.date().nullable(),
    durationMinutes: z.number().int().min(0).nullable(),
  }),
  timeline: z.array(timelineEntrySchema),
  detection: z.string().nullable(),
  rootCause: z.string().nullable(),
  contributingFactors: z.array(z.string().min(1)),
  resolution: z.string().nullable(),
  whatWentWell: z.array(z.string().min(1)),
  whatWentPoorly: z.array(z.string().min(1)),
  actionItems: z.array(actionItemSchema),
  /** Sections, by field name, that the draft leaves for a person because the data does not ground them. */
  needsHuman: z.array(z.enum(['title', ...SECTIONS] as [Section | 'title', ...Section[]])),
});

export type PostmortemOutput = z.infer<typeof postmortemOutputSchema>;

/** The names models give each section, the layout's own first. */
const NAMES: Record<Section, readonly string[]> = {
  summary: [
    HEADINGS.summary,
    'Executive summary',
    'Incident summary',
    'Overview',
    'TL;DR',
    'TLDR',
    'What happened',
    'Description',
    'Incident overview',
  ],
  impact: [
    HEADINGS.impact,
    'Customer impact',
    'User impact',
    'Business impact',
    'Impact assessment',
    'Impact summary',
  ],
  timeline: [
    HEADINGS.timeline,
    'Incident timeline',
    'Timeline of events',
    'Chronology',
    'Sequence of events',
    'Key events',
    'Detailed timeline',
  ],
  detection: [
    HEADINGS.detection,
    'How it was detected',
    'How we found out',
    'Detection and response',
    'Discovery',
  ],
  rootCause: [
    HEADINGS.rootCause,
    'Root causes',
    'Cause',
    'Causes',
    'Root cause analysis',
    'RCA',
    'What caused it',
    'Why it happened',
    'Technical root cause',
  ],
  contributingFactors: [
    HEADINGS.contributingFactors,
    'Contributing causes',
    'Factors',
    'Contributing conditions',
  ],
  resolution: [
    HEADINGS.resolution,
    'Mitigation',
    'Resolution and recovery',
    'Resolution & recovery',
    'Recovery',
    'How it was resolved',
    'Mitigation and resolution',
    'Fix',
    'Remediation',
  ],
  whatWentWell: [
    HEADINGS.whatWentWell,
    'Went well',
    'What worked',
    'What worked well',
    'Things that went well',
  ],
  whatWentPoorly: [
    HEADINGS.whatWentPoorly,
    'What went wrong',
    'What went badly',
    "What didn't go well",
    'What did not go well',
    'What could have gone better',
    'What could be improved',
    'Areas for improvement',
    'Opportunities for improvement',
    'Went poorly',
  ],
  actionItems: [
    HEADINGS.actionItems,
    'Follow-up actions',
    'Follow-ups',
    'Follow ups',
    'Follow-up items',
    'Corrective actions',
    'Corrective and preventive actions',
    'Preventive actions',
    'Preventive measures',
    'Remediation items',
    'Action plan',
    'Next steps',
    'Actions',
  ],
};

const IMPACT_NAMES = {
  who: [
    IMPACT_LABELS.who,
    'Who was affected',
    'Affected users',
    'Users affected',
    'Affected customers',
    'Customers affected',
    'Affected',
  ],
  what: [
    IMPACT_LABELS.what,
    'What was affected',
    'Effect',
    'Symptoms',
    'User-facing impact',
    'Customer impact',
  ],
  impactStart: [
    IMPACT_LABELS.impactStart,
    'Start',
    'Started',
    'Start time',
    'Began',
    'Impact began',
    'Impact started',
  ],
  impactEnd: [
    IMPACT_LABELS.impactEnd,
    'End',
    'Ended',
    'End time',
    'Impact ended',
    'Recovered',
    'Resolved',
  ],
  durationMinutes: [
    IMPACT_LABELS.durationMinutes,
    'Total duration',
    'Impact duration',
    'Length',
    'Time to resolve',
    'Time to recovery',
  ],
} as const;

const TIME_COLUMN = [
  'Time',
  'Timestamp',
  'When',
  'UTC',
  'Date',
  'Date/time',
  'Datetime',
  'Time UTC',
];
const EVENT_COLUMN = [
  'Event',
  'Description',
  'What happened',
  'Details',
  'Action',
  'Activity',
  'Update',
];
const ACTION_COLUMN = ['Action', 'Action item', 'Item', 'Description', 'Task', 'What'];
const OWNER_COLUMN = ['Owner', 'Assignee', 'Responsible', 'Who', 'Team', 'Owner team'];
const DUE_COLUMN = ['Due', 'Due date', 'Deadline', 'Target date', 'By', 'When'];
const PRIORITY_COLUMN = ['Priority', 'Pri', 'Severity'];

const TITLE_PREFIXES =
  /^(?:(?:incident\s+)?post[- ]?mortem|post[- ]incident (?:review|report)|incident (?:review|report)|pir|rca)\s*[:\-–—]\s*/i;

/** The sections of the outline under the postmortem's names, placeholders set apart. */
interface Found {
  blocks: Block[];
  /** It holds a placeholder ("Needs a human: ...") instead of, or beside, facts. */
  placeholder: boolean;
}

function withoutPlaceholders(blocks: readonly Block[]): Found {
  let placeholder = false;
  const kept = blocks.filter((block) => {
    if (block.kind !== 'line' && block.kind !== 'item') return true;
    // The whole line, or the value of a `Label: value` line, holds the place of a fact.
    const value = /^[^:]{1,40}:\s*(.+)$/.exec(block.text)?.[1];
    if (isPlaceholder(block.text) || (value !== undefined && isPlaceholder(value))) {
      placeholder = true;
      return false;
    }
    return true;
  });
  return { blocks: kept, placeholder };
}

function find(doc: Outline, part: Section): { found: Found; heading: OutlineSection } | undefined {
  const heading = section(doc, NAMES[part]);
  if (heading) return { found: withoutPlaceholders(blocksUnder(doc, heading)), heading };
  // `**Root cause:** ...`: a label with its value on the line, in place of a heading.
  const labelled = field(doc, NAMES[part]);
  return (
    labelled && {
      found: withoutPlaceholders([{ kind: 'line', text: labelled.text, spans: labelled.spans }]),
      heading: labelled.section,
    }
  );
}

function paragraph(found: Found | undefined): string | null {
  const text = found ? entries(found.blocks).join(' ').trim() : '';
  return text || null;
}

// `POSTMORTEM: CHECKOUT ERRORS` or `Title: ...` on a line of its own, in place of a heading.
const TITLE_LABELS = ['Title', 'Postmortem', 'Post-mortem', 'Incident postmortem', 'Incident'];

function titleOf(doc: Outline): string | null {
  const all = Object.values(NAMES).flat();
  const heading = doc.sections.find(
    (candidate) => candidate.heading && !keyedAs(candidate.key, all),
  );
  const title = (heading?.heading ?? field(doc, TITLE_LABELS)?.text)
    ?.replace(TITLE_PREFIXES, '')
    .trim();
  return title || null;
}

/** `55 minutes`, `1h 5m`, `1 hour 5 minutes`, `~2 hours`. */
function minutesIn(value: string | null | undefined): number | null {
  if (!value) return null;
  const hours = /(\d+(?:\.\d+)?)\s*(?:h|hr|hrs|hours?)\b/i.exec(value);
  const minutes = /(\d+)\s*(?:m|min|mins|minutes?)\b/i.exec(value);
  if (!hours && !minutes) return null;
  return Math.round(Number(hours?.[1] ?? 0) * 60 + Number(minutes?.[1] ?? 0));
}

function anchorsOf(input: PostmortemInput): Date[] {
  const { incident } = input;
  return [
    incident.startedAt,
    incident.detectedAt,
    incident.resolvedAt,
    ...incident.timeline.map((event) => event.at),
    ...incident.alerts.map((alert) => alert.at),
    ...incident.chatExcerpts.map((message) => message.at),
  ].filter((at): at is Date => at instanceof Date);
}

function parseImpact(
  doc: Outline,
  found: Found | undefined,
  heading: OutlineSection | undefined,
  anchors: Date[],
) {
  const inImpact = new Set(heading ? [heading, ...subsections(doc, heading)] : []);
  const labelled = (names: readonly string[], anywhere: boolean) => {
    const hit = doc.fields.find(
      (candidate) =>
        (anywhere || inImpact.has(candidate.section)) &&
        candidate.text !== '' &&
        keyedAs(candidate.key, names),
    );
    return hit && !isPlaceholder(hit.text) ? hit.text : null;
  };
  const start =
    labelled(IMPACT_NAMES.impactStart, false) ?? labelled([IMPACT_LABELS.impactStart], true);
  const end = labelled(IMPACT_NAMES.impactEnd, false) ?? labelled([IMPACT_LABELS.impactEnd], true);
  const impactStart = start ? (findInstant(start, anchors)?.at ?? null) : null;
  const impactEnd = end ? (findInstant(end, anchors)?.at ?? null) : null;
  const computed =
    impactStart && impactEnd && impactEnd >= impactStart
      ? Math.round((impactEnd.getTime() - impactStart.getTime()) / 60_000)
      : null;
  const labelledLines = new Set(
    doc.fields
      .filter((candidate) => inImpact.has(candidate.section))
      .map((candidate) => `${candidate.label}: ${candidate.text}`),
  );
  // An impact section written as prose says what the impact was.
  const prose = found?.blocks
    .filter(
      (block) => (block.kind === 'line' || block.kind === 'item') && !labelledLines.has(block.text),
    )
    .map((block) => (block as { text: string }).text)
    .join(' ')
    .trim();
  return {
    who: labelled(IMPACT_NAMES.who, false),
    what: labelled(IMPACT_NAMES.what, false) ?? (prose || null),
    impactStart,
    impactEnd,
    durationMinutes:
      minutesIn(
        labelled(IMPACT_NAMES.durationMinutes, false) ??
          labelled([IMPACT_LABELS.durationMinutes], true),
      ) ?? computed,
  };
}

const LEAD = /^[\s*_`[\]()|:,.\-–—]+/;

function parseTimeline(found: Found | undefined, anchors: Date[]): PostmortemOutput['timeline'] {
  if (!found) return [];
  const rows = tableRows(found.blocks).map((row) => {
    const time = column(row, TIME_COLUMN) ?? Object.values(row)[0] ?? '';
    const event =
      column(row, EVENT_COLUMN) ?? Object.values(row).slice(1).filter(Boolean).join(' — ');
    return `${time} — ${event}`;
  });
  const timeline: PostmortemOutput['timeline'] = [];
  let previous: Date | undefined;
  for (const entry of [...entries(found.blocks), ...rows]) {
    // A time-only entry is dated from the input, then kept in order across midnight.
    const found = findInstant(entry, previous ? [previous, ...anchors] : anchors);
    if (!found || found.index > 12) continue;
    const text = entry.slice(found.end).replace(LEAD, '').trim();
    if (!text) continue;
    timeline.push({ at: found.at, text });
    previous = found.at;
  }
  return timeline;
}

function parseActionItems(found: Found | undefined): ActionItem[] {
  if (!found) return [];
  // Written as a list or a table, the lines around it are remarks, not actions.
  const listing = found.blocks.some((block) => block.kind === 'item' || block.kind === 'table');
  const listed = found.blocks.flatMap((block) => {
    if (block.kind !== 'item' && (block.kind !== 'line' || listing)) return [];
    const item = parseActionItem(block.text);
    // Owner, due date and priority written as sub-lines or sub-items under the action.
    const facts = block.kind === 'item' ? block.children : [];
    for (const fact of facts) {
      if (fact.kind !== 'line' && fact.kind !== 'item') continue;
      const detail = parseActionItem(`x (${fact.text})`);
      item.owner ??= detail.owner;
      item.due ??= detail.due;
      item.priority ??= detail.priority;
    }
    return item.description ? [item] : [];
  });
  const tabled = tableRows(found.blocks).flatMap((row) => {
    const description = column(row, ACTION_COLUMN) ?? Object.values(row)[0];
    if (!description) return [];
    const owner = column(row, OWNER_COLUMN);
    const due = column(row, DUE_COLUMN)?.match(/\d{4}-\d{2}-\d{2}/)?.[0];
    const priority = column(row, PRIORITY_COLUMN);
    return [
      {
        description,
        owner: owner && !isPlaceholder(owner) ? owner : null,
        due: due ?? null,
        priority:
          priority && !isPlaceholder(priority)
            ? /^p[0-4]$/i.test(priority)
              ? priority.toUpperCase()
              : priority
            : null,
      },
    ];
  });
  return [...listed, ...tabled];
}

/**
 * Reads any reasonable Markdown postmortem (or prose) into typed output; never throws. A section
 * that is absent, empty or holds a placeholder is named in `needsHuman`.
 */
export function parsePostmortem(
  text: string,
  input: PostmortemInput,
): DraftReading<PostmortemOutput> {
  const doc = outline(text);
  const anchors = anchorsOf(input);
  const parts = Object.fromEntries(SECTIONS.map((part) => [part, find(doc, part)])) as Record<
    Section,
    ReturnType<typeof find>
  >;
  const list = (part: Section) => (parts[part] ? entries(parts[part].found.blocks) : []);
  const anyStructure = SECTIONS.some((part) => parts[part]);
  const output: Omit<PostmortemOutput, 'needsHuman'> = {
    title: titleOf(doc),
    // An answer with none of the sections is prose: all of it is the summary a person can start from.
    summary: paragraph(parts.summary?.found) ?? (anyStructure ? null : text.trim() || null),
    impact: parseImpact(doc, parts.impact?.found, parts.impact?.heading, anchors),
    timeline: parseTimeline(parts.timeline?.found, anchors),
    detection: paragraph(parts.detection?.found),
    rootCause: paragraph(parts.rootCause?.found),
    contributingFactors: list('contributingFactors'),
    resolution: paragraph(parts.resolution?.found),
    whatWentWell: list('whatWentWell'),
    whatWentPoorly: list('whatWentPoorly'),
    actionItems: parseActionItems(parts.actionItems?.found),
  };
  const empty = (part: Section) => {
    const value = output[part];
    if (Array.isArray(value)) return value.length === 0;
    if (part === 'impact') return output.impact.who === null && output.impact.what === null;
    return value === null;
  };
  const needs: PostmortemOutput['needsHuman'] = output.title ? [] : ['title'];
  needs.push(...SECTIONS.filter((part) => empty(part) || parts[part]?.found.placeholder));
  return draftReading({ ...output, needsHuman: needs }, ESSENTIAL);
}
