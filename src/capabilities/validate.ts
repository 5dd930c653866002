import type { z } from 'zod';
import { badInput } from '../errors.js';

/**
 * Checks a value against a capability's zod schema. Failures become one BAD_USER_INPUT error
 * naming every offending path, e.g. `incident.title: Too big: expected string to have <=300 characters`.
 */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.join('.'),
    message: issue.message,
  }));
  return badInputThrow(issues);
}

function badInputThrow(issues: { path: string; message: string }[]): never {
  const summary = issues
    .slice(0, 5)
    .map((issue) => `${issue.path || 'input'}: ${issue.message}`)
    .join('; ');
  throw badInput(
    `invalid input: ${summary}${issues.length > 5 ? `; and ${issues.length - 5} more` : ''}`,
    { issues },
  );
}
