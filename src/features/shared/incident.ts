/** The incident as callers describe it, shared by status updates, postmortems and the assistant. */
import { z } from 'zod';

export const SEVERITIES = ['SEV1', 'SEV2', 'SEV3', 'SEV4'] as const;
export const INCIDENT_STATUSES = ['INVESTIGATING', 'IDENTIFIED', 'MONITORING', 'RESOLVED'] as const;

export const NOTE_KINDS = ['NOTE', 'ACTION_ITEM', 'DECISION'] as const;

/** Ids callers give to events and context items: cited back verbatim as `[id]`, so no spaces or brackets. */
export const citableIdSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9._:/#-]{1,100}$/, 'must be 1 to 100 letters, digits or . _ : / # -');

const boundedText = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);
const personName = z.string().trim().min(1, 'must not be empty').max(200);

/** An optional list of at most `max` items: absent and null both mean empty. */
export function optionalList<T extends z.ZodType>(item: T, max: number) {
  return z
    .array(item)
    .max(max)
    .nullish()
    .transform((items) => items ?? []);
}

export const timelineEventSchema = z.object({
  /** The caller's own id for the event; drafts that cite events fall back to `timeline:<index>`. */
  id: citableIdSchema.nullish(),
  at: z.date(),
  message: boundedText(4000),
  author: z.string().trim().max(200).nullish(),
});

export const responderSchema = z.object({
  name: personName,
  role: z.string().trim().max(200).nullish(),
});

export const alertSchema = z.object({
  at: z.date(),
  source: z.string().trim().max(200).nullish(),
  message: boundedText(4000),
});

export const noteSchema = z.object({
  at: z.date().nullish(),
  author: z.string().trim().max(200).nullish(),
  text: boundedText(4000),
  kind: z
    .enum(NOTE_KINDS)
    .nullish()
    .transform((kind) => kind ?? 'NOTE'),
});

export const chatMessageSchema = z.object({
  at: z.date(),
  author: personName,
  text: boundedText(4000),
});

export const incidentSchema = z.object({
  title: z.string().trim().min(1, 'must not be empty').max(300),
  severity: z.enum(SEVERITIES),
  status: z.enum(INCIDENT_STATUSES),
  affectedServices: z.array(z.string().trim().min(1).max(100)).max(50).default([]),
  startedAt: z.date().nullish(),
  detectedAt: z.date().nullish(),
  resolvedAt: z.date().nullish(),
  customerImpact: z.string().trim().max(2000).nullish(),
  timeline: z.array(timelineEventSchema).max(500).default([]),
  responders: optionalList(responderSchema, 100),
  alerts: optionalList(alertSchema, 200),
  notes: optionalList(noteSchema, 200),
  chatExcerpts: optionalList(chatMessageSchema, 500),
});

export type TimelineEvent = z.infer<typeof timelineEventSchema>;
export type Responder = z.infer<typeof responderSchema>;
export type Alert = z.infer<typeof alertSchema>;
export type Note = z.infer<typeof noteSchema>;
export type NoteKind = Note['kind'];
export type ChatExcerpt = z.infer<typeof chatMessageSchema>;
export type Incident = z.infer<typeof incidentSchema>;

// Responders often type action items and decisions as plain notes; a prefix counts as a mark.
const ACTION_PREFIX = /^\s*(?:todo|action item|ai)\s*:\s*/i;
const DECISION_PREFIX = /^\s*decision\s*:\s*/i;

/**
 * A note's kind, from its `kind` or, for a plain note, from a "TODO:", "Action item:", "AI:" or
 * "Decision:" prefix; with the text stripped of that prefix.
 */
export function classifyNote(note: Pick<Note, 'text' | 'kind'>): { kind: NoteKind; text: string } {
  const action = note.text.match(ACTION_PREFIX);
  if (action) return { kind: 'ACTION_ITEM', text: note.text.slice(action[0].length).trim() };
  const decision = note.text.match(DECISION_PREFIX);
  if (decision && note.kind !== 'ACTION_ITEM')
    return { kind: 'DECISION', text: note.text.slice(decision[0].length).trim() };
  return { kind: note.kind, text: note.text };
}

/**
 * Stable ids for the parts of an incident, for citations: the caller's id when a timeline event has
 * one, else `<part>:<index>` with the index in the order the caller sent the list (0-based).
 */
export function timelineEventId(event: Pick<TimelineEvent, 'id'>, index: number): string {
  return event.id ?? `timeline:${index}`;
}
export const alertId = (index: number) => `alert:${index}`;
export const noteId = (index: number) => `note:${index}`;
export const chatId = (index: number) => `chat:${index}`;

/** One line of text: responders' multi-line messages would break a Markdown list item. */
export function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

/** Timeline events oldest first; callers may send them in any order. */
export function chronological(events: readonly TimelineEvent[]): TimelineEvent[] {
  return [...events].sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** `09:12 UTC`, with the date when it differs from `reference`'s. Drafts quote times this way. */
export function formatUtc(at: Date, reference?: Date): string {
  const time = `${at.toISOString().slice(11, 16)} UTC`;
  const sameDay =
    reference && reference.toISOString().slice(0, 10) === at.toISOString().slice(0, 10);
  return sameDay || !reference ? time : `${at.toISOString().slice(0, 10)} ${time}`;
}

/**
 * The incident as prompt data: times as ISO strings, and every event, alert, note and chat message
 * carrying the id an answer cites it by. Lists keep the caller's order, which the ids refer to.
 */
export function incidentAsData(incident: Incident): Record<string, unknown> {
  const iso = (at: Date | null | undefined) => at?.toISOString() ?? null;
  return {
    title: incident.title,
    severity: incident.severity,
    status: incident.status,
    affectedServices: incident.affectedServices,
    startedAt: iso(incident.startedAt),
    detectedAt: iso(incident.detectedAt),
    resolvedAt: iso(incident.resolvedAt),
    customerImpact: incident.customerImpact ?? null,
    responders: incident.responders,
    timeline: incident.timeline.map((event, index) => ({
      id: timelineEventId(event, index),
      at: iso(event.at),
      message: event.message,
      author: event.author ?? null,
    })),
    alerts: incident.alerts.map((alert, index) => ({
      id: alertId(index),
      at: iso(alert.at),
      source: alert.source ?? null,
      message: alert.message,
    })),
    notes: incident.notes.map((note, index) => ({
      id: noteId(index),
      at: iso(note.at),
      author: note.author ?? null,
      kind: classifyNote(note).kind,
      text: note.text,
    })),
    chatExcerpts: incident.chatExcerpts.map((message, index) => ({
      id: chatId(index),
      at: iso(message.at),
      author: message.author,
      text: message.text,
    })),
  };
}
