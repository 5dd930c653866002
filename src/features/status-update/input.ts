import { z } from 'zod';
import { incidentSchema } from '../shared/incident.js';

export const AUDIENCES = ['INTERNAL', 'EXECUTIVE', 'CUSTOMER'] as const;
export const TONES = ['NEUTRAL', 'EMPATHETIC', 'BRIEF'] as const;

export const statusUpdateInputSchema = z.object({
  incident: incidentSchema,
  audience: z.enum(AUDIENCES),
  tone: z
    .enum(TONES)
    .nullish()
    .transform((tone) => tone ?? 'NEUTRAL'),
  previousUpdateAt: z.date().nullish(),
  nextUpdateInMinutes: z
    .number()
    .int()
    .min(5)
    .max(1440)
    .nullish()
    .transform((minutes) => minutes ?? 30),
});

export type StatusUpdateInput = z.infer<typeof statusUpdateInputSchema>;
export type Audience = StatusUpdateInput['audience'];
