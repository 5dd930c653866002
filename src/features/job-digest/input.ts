import { z } from 'zod';

/** The largest log accepted: 2 MiB of UTF-8, enough for a long automation run. */
export const MAX_LOG_BYTES = 2 * 1024 * 1024;

export const jobLogInputSchema = z.object({
  /** The job's raw output; ANSI colour codes, carriage returns and timestamps are tolerated. */
  log: z
    .string()
    // A string longer than the byte bound in UTF-16 units is over it in UTF-8 too: reject it
    // before measuring its bytes.
    .max(MAX_LOG_BYTES, `Too big: at most ${MAX_LOG_BYTES} bytes (2 MiB)`)
    .refine(
      (log) => log.length > MAX_LOG_BYTES || Buffer.byteLength(log, 'utf8') <= MAX_LOG_BYTES,
      `Too big: at most ${MAX_LOG_BYTES} bytes (2 MiB) of UTF-8`,
    )
    .refine((log) => /\S/.test(log), 'must not be empty'),
  jobName: z.string().trim().min(1, 'must not be empty').max(200).nullish(),
  /** The job's exit code as the scheduler reported it; it overrides what the log says. */
  exitCode: z.number().int().nullish(),
});

export type JobLogInput = z.infer<typeof jobLogInputSchema>;
