import { z } from 'zod';
import {
  alertId,
  chatId,
  citableIdSchema,
  incidentSchema,
  noteId,
  optionalList,
  timelineEventId,
  type Incident,
} from '../shared/incident.js';

export const CONVERSATION_ROLES = ['USER', 'ASSISTANT'] as const;

/** All context items together; one item may hold a whole runbook, but a request is not a document store. */
const MAX_CONTEXT_CHARACTERS = 200_000;

export const contextItemSchema = z.object({
  id: citableIdSchema,
  kind: z.string().trim().min(1, 'must not be empty').max(50),
  text: z.string().trim().min(1, 'must not be empty').max(20_000),
});

export const conversationTurnSchema = z.object({
  role: z.enum(CONVERSATION_ROLES),
  text: z.string().trim().min(1, 'must not be empty').max(8000),
});

/** The ids an answer may cite from the incident: its events, alerts, notes and chat messages. */
export function incidentSourceIds(incident: Incident | null | undefined): string[] {
  if (!incident) return [];
  return [
    ...incident.timeline.map((event, index) => timelineEventId(event, index)),
    ...incident.alerts.map((_, index) => alertId(index)),
    ...incident.notes.map((_, index) => noteId(index)),
    ...incident.chatExcerpts.map((_, index) => chatId(index)),
  ];
}

export const assistantInputSchema = z
  .object({
    question: z.string().trim().min(1, 'must not be empty').max(2000),
    incident: incidentSchema.nullish().transform((incident) => incident ?? null),
    context: optionalList(contextItemSchema, 100),
    history: optionalList(conversationTurnSchema, 50),
  })
  .superRefine((input, check) => {
    // Citations name sources by id, so every id must point at exactly one source.
    const seen = new Set<string>();
    for (const id of incidentSourceIds(input.incident)) {
      if (seen.has(id))
        check.addIssue({
          code: 'custom',
          path: ['incident', 'timeline'],
          message: `the id "${id}" is used twice`,
        });
      seen.add(id);
    }
    input.context.forEach((item, index) => {
      if (seen.has(item.id))
        check.addIssue({
          code: 'custom',
          path: ['context', index, 'id'],
          message: `the id "${item.id}" is used twice`,
        });
      seen.add(item.id);
    });
    const characters = input.context.reduce((sum, item) => sum + item.text.length, 0);
    if (characters > MAX_CONTEXT_CHARACTERS) {
      check.addIssue({
        code: 'custom',
        path: ['context'],
        message: `at most ${MAX_CONTEXT_CHARACTERS} characters of context in all; got ${characters}`,
      });
    }
  });

export type AssistantInput = z.infer<typeof assistantInputSchema>;
export type ContextItem = z.infer<typeof contextItemSchema>;
