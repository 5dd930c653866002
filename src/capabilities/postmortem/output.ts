/**
 * The postmortem's Markdown layout, shared by the builtin draft, the LLM prompt and the parser:
 * one place defines the headings, labels, time format, action-item format and the placeholder a
 * section carries when the incident data does not ground it.
 */
import { z } from 'zod';
import { OutputInvalidError } from '../capability.js';
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

/** Sections a postmortem cannot do without; the others may be absent (and then need a human). */
const REQUIRED: readonly Section[] = [
  'summary',
  'impact',
  'timeline',
  'rootCause',
  'resolution',
  'actionItems',
];

/** Other names models use for the same sections. */
const ALIASES: Record<string, Section> = {
  'what went wrong': 'whatWentPoorly',
  'what went badly': 'whatWentPoorly',
  'follow-up actions': 'actionItems',
  'follow-ups': 'actionItems',
};

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

// Italic as the layout writes it, or a bare line; a responder's message merely saying "needs a
// human" inside a timeline entry is not a placeholder.
const PLACEHOLDER = /[_*]{1,2}needs a human:[^_*\n]*[_*]{0,2}|^needs a human:.*$/gi;

/** `2026-11-22 09:12 UTC`, with seconds when they are not zero. Postmortems span days: always dated. */
export function formatInstant(at: Date): string {
  const iso = at.toISOString();
  const seconds = iso.slice(17, 19);
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}${seconds === '00' ? '' : `:${seconds}`} UTC`;
}

const INSTANT =
  /(\d{4}-\d{2}-\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(?:UTC|Z|\+00:?00)?/;

/** The first instant written in `value`, in the layout's format or ISO 8601 UTC; else null. */
export function parseInstant(value: string): { at: Date; rest: string } | null {
  const match = INSTANT.exec(value);
  if (!match) return null;
  const at = new Date(`${match[1]}T${match[2]}:${match[3]}:${match[4] ?? '00'}Z`);
  if (Number.isNaN(at.getTime())) return null;
  return { at, rest: value.slice(match.index + match[0].length) };
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
  title: z.string().min(1),
  summary: z.string().min(1),
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
  needsHuman: z.array(z.enum(SECTIONS as [Section, ...Section[]])),
});

export type PostmortemOutput = z.infer<typeof postmortemOutputSchema>;

interface Body {
  lines: string[];
  needsHuman: boolean;
}

function sectionOf(heading: string): Section | undefined {
  const name = heading
    .replace(/^#+\s*/, '')
    .replace(/[:*_]/g, '')
    .trim()
    .toLowerCase();
  return SECTIONS.find((section) => HEADINGS[section].toLowerCase() === name) ?? ALIASES[name];
}

/** The `# ` title and the body of every `## ` section, placeholders noted and removed. */
function split(text: string): { title: string | undefined; bodies: Map<Section, Body> } {
  let title: string | undefined;
  const bodies = new Map<Section, Body>();
  let current: Body | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('# ') && title === undefined) {
      title = line.slice(2).trim();
      if (title.toLowerCase().startsWith(TITLE_PREFIX.toLowerCase()))
        title = title.slice(TITLE_PREFIX.length).trim();
      continue;
    }
    if (line.startsWith('## ')) {
      const section = sectionOf(line);
      current = section ? { lines: [], needsHuman: false } : undefined;
      if (section && !bodies.has(section)) bodies.set(section, current!);
      continue;
    }
    if (!current || line === '') continue;
    const withoutPlaceholder = line.replace(PLACEHOLDER, '').trim();
    if (withoutPlaceholder !== line) current.needsHuman = true;
    if (withoutPlaceholder !== '' && !/^[-*]\s*$/.test(withoutPlaceholder))
      current.lines.push(withoutPlaceholder);
  }
  return { title, bodies };
}

function paragraph(body: Body | undefined): string | null {
  const text = body?.lines.join(' ').trim();
  return text ? text : null;
}

/** `- ` or `* ` items; lines that are not items continue the one before. */
function items(body: Body | undefined): string[] {
  const result: string[] = [];
  for (const line of body?.lines ?? []) {
    const item = /^[-*]\s+(?:\[[ xX]\]\s+)?(.*)$/.exec(line);
    if (item) result.push((item[1] ?? '').trim());
    else if (result.length > 0) result[result.length - 1] = `${result.at(-1)} ${line}`;
  }
  return result.filter((entry) => entry !== '');
}

function labelled(body: Body | undefined, label: string): string | null {
  const prefix = `**${label.toLowerCase()}:**`;
  const line = body?.lines.find((candidate) => candidate.toLowerCase().startsWith(prefix));
  const value = line?.slice(prefix.length).trim();
  return value ? value : null;
}

function parseTimeline(body: Body | undefined): PostmortemOutput['timeline'] {
  return items(body).map((entry) => {
    const parsed = /^[*_`\s]*\d{4}-\d{2}-\d{2}/.test(entry) ? parseInstant(entry) : null;
    const text = parsed?.rest.replace(/^[*_`]*\s*(?:[—–:-]\s*)?/, '').trim();
    if (!parsed || !text)
      throw new OutputInvalidError(
        `every timeline entry must start with a time like "2026-11-22 09:12 UTC" followed by "${ENTRY_SEPARATOR.trim()}" and text; got "${entry.slice(0, 80)}"`,
      );
    return { at: parsed.at, text };
  });
}

function parseImpact(body: Body | undefined): PostmortemOutput['impact'] {
  const start = labelled(body, IMPACT_LABELS.impactStart);
  const end = labelled(body, IMPACT_LABELS.impactEnd);
  const impactStart = start ? (parseInstant(start)?.at ?? null) : null;
  const impactEnd = end ? (parseInstant(end)?.at ?? null) : null;
  const written = /(\d+)\s*min/i.exec(labelled(body, IMPACT_LABELS.durationMinutes) ?? '');
  const computed =
    impactStart && impactEnd && impactEnd >= impactStart
      ? Math.round((impactEnd.getTime() - impactStart.getTime()) / 60_000)
      : null;
  return {
    who: labelled(body, IMPACT_LABELS.who),
    what: labelled(body, IMPACT_LABELS.what),
    impactStart,
    impactEnd,
    durationMinutes: written?.[1] ? Number(written[1]) : computed,
  };
}

/** Turns a postmortem in the shared layout into typed output; throws OutputInvalidError when it does not fit. */
export function parsePostmortem(text: string, _input: PostmortemInput): PostmortemOutput {
  const { title, bodies } = split(text);
  const missing = REQUIRED.filter((section) => !bodies.has(section)).map(
    (section) => `"## ${HEADINGS[section]}"`,
  );
  if (!title) missing.unshift(`a "# ${TITLE_PREFIX}<title>" line`);
  if (missing.length > 0)
    throw new OutputInvalidError(`the postmortem is missing ${missing.join(', ')}`);

  const leftForHuman = SECTIONS.filter(
    (section) => !bodies.has(section) || bodies.get(section)!.needsHuman,
  );
  const candidate = {
    title,
    summary: paragraph(bodies.get('summary')),
    impact: parseImpact(bodies.get('impact')),
    timeline: parseTimeline(bodies.get('timeline')),
    detection: paragraph(bodies.get('detection')),
    rootCause: paragraph(bodies.get('rootCause')),
    contributingFactors: items(bodies.get('contributingFactors')),
    resolution: paragraph(bodies.get('resolution')),
    whatWentWell: items(bodies.get('whatWentWell')),
    whatWentPoorly: items(bodies.get('whatWentPoorly')),
    actionItems: items(bodies.get('actionItems')).map(parseActionItem),
    needsHuman: leftForHuman,
  };
  const parsed = postmortemOutputSchema.safeParse(candidate);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => issue.path.join('.')).join(', ');
    throw new OutputInvalidError(
      `the postmortem does not fit its layout; missing or empty: ${problems}`,
    );
  }
  return parsed.data;
}
