import { z } from 'zod';
import { incidentSchema } from '../shared/incident.js';

export const postmortemInputSchema = z.object({
  incident: incidentSchema,
});

export type PostmortemInput = z.infer<typeof postmortemInputSchema>;
