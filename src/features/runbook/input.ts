import { z } from 'zod';

export const runbookContextSchema = z.object({
  service: z.string().trim().min(1, 'must not be empty').max(100).nullish(),
  environment: z.string().trim().min(1, 'must not be empty').max(100).nullish(),
  allowedTools: z.array(z.string().trim().min(1, 'must not be empty').max(100)).max(50).nullish(),
});

export const runbookInputSchema = z.object({
  /** What the operator wants done, in their words. */
  request: z.string().trim().min(1, 'must not be empty').max(4000),
  context: runbookContextSchema.nullish(),
});

export type RunbookContext = z.infer<typeof runbookContextSchema>;
export type RunbookInput = z.infer<typeof runbookInputSchema>;
