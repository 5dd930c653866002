/** The incident as callers describe it, shared by status updates, postmortems and the assistant. */
import { z } from 'zod';

export const SEVERITIES = ['SEV1', 'SEV2', 'SEV3', 'SEV4'] as const;
export const INCIDENT_STATUSES = ['INVESTIGATING', 'IDENTIFIED', 'MONITORING', 'RESOLVED'] as const;

export const timelineEventSchema = z.object({
  at: z.date(),
  message: z.string().trim().min(1, 'must not be empty').max(4000),
  author: z.string().trim().max(200).nullish(),
});

export const incidentSchema = z.object({
  title: z.string().trim().min(1, 'must not be empty').max(300),
  severity: z.enum(SEVERITIES),
  status: z.enum(INCIDENT_STATUSES),
  affectedServices: z.array(z.string().trim().min(1).max(100)).max(50).default([]),
  startedAt: z.date().nullish(),
  customerImpact: z.string().trim().max(2000).nullish(),
  timeline: z.array(timelineEventSchema).max(500).default([]),
});

export type TimelineEvent = z.infer<typeof timelineEventSchema>;
export type Incident = z.infer<typeof incidentSchema>;

/** Timeline events oldest first; callers may send them in any order. */
export function chronological(events: readonly TimelineEvent[]): TimelineEvent[] {
  return [...events].sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** `09:12 UTC`, with the date when it differs from `reference`'s. Drafts quote times this way. */
export function formatUtc(at: Date, reference?: Date): string {
  const time = `${at.toISOString().slice(11, 16)} UTC`;
  const sameDay = reference && reference.toISOString().slice(0, 10) === at.toISOString().slice(0, 10);
  return sameDay || !reference ? time : `${at.toISOString().slice(0, 10)} ${time}`;
}
