import type { z } from 'zod';
import { badInput } from '../errors.js';

/**
 * A model's answer read as JSON and checked against `schema`; text that is not JSON is checked as
 * `undefined`, so it fails like any answer of the wrong shape.
 */
export function safeParseJson<T>(schema: z.ZodType<T>, text: string): z.ZodSafeParseResult<T> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return schema.safeParse(json);
}

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
  return refuseInput(issues);
}

export interface InputIssue {
  /** Dotted, from the argument: `tickets.3.body`. */
  path: string;
  message: string;
}

/** One BAD_USER_INPUT for every issue found, naming the first five in its message. */
export function refuseInput(issues: InputIssue[]): never {
  const summary = issues
    .slice(0, 5)
    .map((issue) => `${issue.path || 'input'}: ${issue.message}`)
    .join('; ');
  throw badInput(
    `invalid input: ${summary}${issues.length > 5 ? `; and ${issues.length - 5} more` : ''}`,
    { issues },
  );
}

/**
 * A NUL, or half of a surrogate pair with its other half missing (text that is not valid UTF-16).
 * PostgreSQL holds neither: it refuses a NUL in text and jsonb, and a lone surrogate in jsonb
 * (in text the driver's UTF-8 encoder silently turns it into U+FFFD).
 */
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Enough to tell the caller what to fix; a 5,000-row import with a NUL in each need not list them all. */
const MAX_TEXT_ISSUES = 20;

/**
 * Every string in `value` (object keys too, at any depth) that the store could not hold, with its
 * path from `at`. Checked at the edge so that such text is refused as the caller's mistake, naming
 * where it is, instead of failing the statement that would store it.
 */
export function unstorableText(value: unknown, at: (string | number)[] = []): InputIssue[] {
  const issues: InputIssue[] = [];
  // One path, grown and shrunk as the walk goes, joined only for an issue: the check runs on the
  // arguments of every field of every request, and a path copied at every node was most of its cost.
  const path = [...at];
  const visit = (node: unknown): void => {
    if (issues.length >= MAX_TEXT_ISSUES) return;
    if (typeof node === 'string') {
      const found = UNSTORABLE.exec(node);
      if (found)
        issues.push({
          path: path.join('.'),
          message:
            found[0] === '\0'
              ? 'contains a NUL character (U+0000), which cannot be stored'
              : 'contains an unpaired surrogate (text that is not valid UTF-16), which cannot be stored',
        });
      return;
    }
    if (Array.isArray(node)) {
      node.forEach((item, index) => {
        path.push(index);
        visit(item);
        path.pop();
      });
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    for (const key of Object.keys(node)) {
      path.push(key);
      visit(key);
      visit((node as Record<string, unknown>)[key]);
      path.pop();
    }
  };
  visit(value);
  return issues;
}
