/**
 * The status update's Markdown layout, shared by the builtin draft and the LLM prompt, and the
 * reading of any model's answer back into typed data. Models label the same facts many ways
 * (`**Status**: x`, `## Current status` over a paragraph, `Customer impact:`), so each fact is
 * looked up under the names models use for it; what an answer does not state stays null and is
 * named in `needsHuman`, never guessed.
 */
import { z } from 'zod';
import { draftReading, type DraftReading } from '../capability.js';
import type { Outline } from '../shared/markdown.js';
import {
  blocksUnder,
  entries,
  field,
  keyedAs,
  named,
  outline,
  section,
  statement,
  tableRows,
} from '../shared/markdown.js';
import { findInstant } from '../shared/instant.js';
import { AUDIENCES, type StatusUpdateInput } from './input.js';

export const LABELS = {
  status: 'Status',
  impact: 'Impact',
  services: 'Affected services',
  next: 'Next update',
} as const;
export const CHANGES_HEADING = 'What changed since the last update';

/** The names models give each part of an update, the layout's own first. */
const NAMES = {
  status: [
    LABELS.status,
    'Current status',
    'Incident status',
    'State',
    'Current state',
    'Where we are',
    'Status update',
  ],
  impact: [
    LABELS.impact,
    'Customer impact',
    'User impact',
    'Business impact',
    'Impact summary',
    'Who is affected',
    'Scope',
    'Scope of impact',
  ],
  services: [
    LABELS.services,
    'Services affected',
    'Services',
    'Affected systems',
    'Systems affected',
    'Affected components',
    'Components',
    'Affected products',
    'Impacted services',
  ],
  changes: [
    CHANGES_HEADING,
    'What changed',
    'What has changed',
    'Changes',
    'Changes since last update',
    'Changes since the last update',
    'Since the last update',
    'Updates',
    'Latest updates',
    'Recent updates',
    'Progress',
    'Timeline',
    'Recent events',
    'What we have done',
    'Actions taken',
    'Key events',
  ],
  next: [
    LABELS.next,
    'Next update at',
    'Next update by',
    'Next update time',
    'Next status update',
    'Next communication',
    'Next checkpoint',
  ],
} as const;

const PARTS = [
  'headline',
  'currentStatus',
  'impact',
  'affectedServices',
  'changesSinceLastUpdate',
  'nextUpdateAt',
] as const;
export type StatusUpdatePart = (typeof PARTS)[number];
/** Without these an update tells its readers nothing: worth one corrective retry. */
export const ESSENTIAL: readonly StatusUpdatePart[] = ['currentStatus', 'impact'];

export const statusUpdateOutputSchema = z.object({
  audience: z.enum(AUDIENCES),
  headline: z.string().min(1).nullable(),
  currentStatus: z.string().min(1).nullable(),
  impact: z.string().min(1).nullable(),
  affectedServices: z.array(z.string()),
  changesSinceLastUpdate: z.array(z.string()),
  nextUpdateAt: z.date().nullable(),
  needsHuman: z.array(z.enum(PARTS)),
});

export type StatusUpdateOutput = z.infer<typeof statusUpdateOutputSchema>;

const ALL_NAMES = Object.values(NAMES).flat();

/** The first heading that names the incident rather than a part of the update. */
function headlineOf(doc: Outline): string | null {
  const heading = doc.sections.find(
    (candidate) => candidate.heading && !keyedAs(candidate.key, ALL_NAMES),
  );
  return heading?.heading ?? null;
}

/** Sentences of an answer written as plain prose, for answers with no layout at all. */
function sentences(text: string): string[] {
  return text
    .replace(/\s+/g, ' ')
    .split(/(?<=[.!?])\s+(?=[A-Z])/)
    .map((sentence) => sentence.trim())
    .filter(Boolean);
}

const STATUS_WORDS =
  /\b(?:investigating|identified|monitoring|resolved|mitigated|restored|recovered|fix(?:ed)? (?:is|has been) (?:deployed|applied|in progress))\b/i;
const IMPACT_WORDS =
  /\b(?:impact|affect(?:s|ed|ing)?|customers?|users?|unable|errors?|failing|degraded|slow|unavailable|outage)\b/i;

function servicesOf(doc: Outline, text: string, input: StatusUpdateInput): string[] {
  const listed = field(doc, NAMES.services)?.text;
  if (listed)
    return listed
      .split(/,|;|\band\b/)
      .map((name) => name.replace(/[`*_.]/g, '').trim())
      .filter(Boolean);
  const heading = section(doc, NAMES.services);
  if (heading)
    return entries(blocksUnder(doc, heading)).map((name) => name.replace(/[`*_.]/g, '').trim());
  // No list of them: the incident's services the update names, in the incident's order.
  const lower = text.toLowerCase();
  return input.incident.affectedServices.filter((name) => lower.includes(name.toLowerCase()));
}

function changesOf(doc: Outline): string[] {
  const heading = section(doc, NAMES.changes);
  if (!heading) return [];
  const blocks = blocksUnder(doc, heading);
  const rows = tableRows(blocks).map((row) => Object.values(row).filter(Boolean).join(': '));
  // A labelled line under the list (`- Next update: ...`) states another part, not a change.
  const labelledPart = (entry: string) =>
    named(/^(.{1,40}?)\s*(?::|\s[—–-]\s)/.exec(entry)?.[1] ?? '', ALL_NAMES);
  return [...entries(blocks), ...rows]
    .filter((entry) => !labelledPart(entry))
    .filter((entry) => !/^no (?:new )?(?:events|changes)\b/i.test(entry));
}

/** `by 10:00 UTC`, `2026-11-22 10:00 UTC`, `in 30 minutes` → an instant near `now`, or null. */
function nextUpdateOf(doc: Outline, text: string, now: Date): Date | null {
  const value =
    statement(doc, NAMES.next) ??
    /next (?:update|communication)[^.\n]*/i.exec(text)?.[0] ??
    undefined;
  if (!value) return null;
  const minutes =
    /\bin\s+(\d{1,4})\s*(?:minutes|mins?)\b/i.exec(value) ??
    /\bin\s+(an?|\d{1,2})\s*hours?\b/i.exec(value);
  if (minutes) {
    const amount = /^an?$/i.test(minutes[1]!) ? 1 : Number(minutes[1]);
    return new Date(now.getTime() + amount * (/hour/i.test(minutes[0]) ? 60 : 1) * 60_000);
  }
  return findInstant(value, [now])?.at ?? null;
}

/** Reads any reasonable Markdown answer (or plain prose) into a status update; never throws. */
export function parseStatusUpdate(
  text: string,
  input: StatusUpdateInput,
  now: Date = new Date(),
): DraftReading<StatusUpdateOutput> {
  const doc = outline(text);
  const structured = doc.fields.length > 0 || doc.sections.length > 1;
  // Sentences are read only from an answer with no layout: a laid-out one is not split into them.
  const prose = structured ? [] : sentences(text.replace(/[#*_`>|]/g, ' '));
  const output: Omit<StatusUpdateOutput, 'needsHuman'> = {
    audience: input.audience,
    headline: headlineOf(doc),
    currentStatus:
      statement(doc, NAMES.status) ?? prose.find((line) => STATUS_WORDS.test(line)) ?? null,
    impact:
      statement(doc, NAMES.impact) ??
      prose.find((line, index) => index > 0 && IMPACT_WORDS.test(line)) ??
      prose.find((line) => IMPACT_WORDS.test(line)) ??
      null,
    affectedServices: servicesOf(doc, text, input),
    changesSinceLastUpdate: changesOf(doc),
    nextUpdateAt: input.incident.status === 'RESOLVED' ? null : nextUpdateOf(doc, text, now),
  };
  const missing = PARTS.filter((part) => {
    if (part === 'nextUpdateAt')
      return input.incident.status !== 'RESOLVED' && output.nextUpdateAt === null;
    if (part === 'affectedServices')
      return input.incident.affectedServices.length > 0 && output.affectedServices.length === 0;
    if (part === 'changesSinceLastUpdate') return false;
    return output[part] === null;
  });
  return draftReading({ ...output, needsHuman: missing }, ESSENTIAL);
}
