/**
 * Mutation payloads report expected, correctable problems (bad input, an unknown id, a conflict) as
 * `userErrors { field code message }`, beside the data, so a form can show each one next to its
 * field. Everything else (authentication, authorization, limits, faults) stays a GraphQL error.
 * Services keep throwing `ServiceError`s; this is where the GraphQL layer sorts them.
 */
import { ServiceError } from '../errors.js';
import type { InputIssue } from '../features/validate.js';
import type { AiUserError, AiUserErrorCode } from './__generated__/resolvers-types.js';

const CORRECTABLE: ReadonlySet<string> = new Set<AiUserErrorCode>([
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'CONFLICT',
]);

/** `input.items[2].name: too long` → path `input.items[2].name`, message `too long`. */
const PATH_PREFIX = /^([A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\.\d+|\[\d+\])*): ([^]+)$/;

/** Where a user error of a code belongs when the error does not say: `{ NOT_FOUND: ['input', 'id'] }`. */
export type FieldOfCode = Partial<Record<AiUserErrorCode, string[]>>;

/** `input.items[2].name` or `items.2.name` → `['input', 'items', '2', 'name']`. */
const pathOf = (path: string): string[] => path.split(/[.[\]]+/).filter((part) => part !== '');

/**
 * The `userErrors` an error stands for, or null when it is not an expected, correctable problem
 * (rethrow it). `argument` is the path of the argument the service checked (`['input']`), which
 * the service's own paths are relative to. `fieldOf` names where a problem of a code belongs when
 * the error names no field itself (an unknown id: the id the client sent).
 */
export function userErrorsOf(
  error: unknown,
  argument: string[] = [],
  fieldOf: FieldOfCode = {},
): AiUserError[] | null {
  if (!ServiceError.isInstance(error) || !CORRECTABLE.has(error.code)) return null;
  const code = error.code as AiUserErrorCode;
  const issues = error.details['issues'] as InputIssue[] | undefined;
  if (Array.isArray(issues) && issues.length > 0)
    return issues.map((issue) => ({
      field: issue.path ? [...argument, ...pathOf(issue.path)] : argument.length ? argument : null,
      code,
      message: issue.message,
    }));
  const field = error.details['field'] ?? fieldOf[code];
  if (Array.isArray(field)) return [{ field: field.map(String), code, message: error.message }];
  const prefixed = PATH_PREFIX.exec(error.message);
  if (prefixed)
    return [{ field: [...argument, ...pathOf(prefixed[1]!)], code, message: prefixed[2]! }];
  return [{ field: null, code, message: error.message }];
}

/**
 * Runs a mutation's work: its payload with empty `userErrors`, or, when the work failed with an
 * expected problem, a payload holding only the `userErrors` (every other field null). Any other
 * error is rethrown as a GraphQL error.
 */
export async function payloadOf<T extends object>(
  work: () => Promise<T>,
  argument: string[] = [],
  fieldOf: FieldOfCode = {},
): Promise<Partial<T> & { userErrors: AiUserError[] }> {
  try {
    return { ...(await work()), userErrors: [] };
  } catch (error) {
    const userErrors = userErrorsOf(error, argument, fieldOf);
    if (!userErrors) throw error;
    // Every other field of the payload is nullable and absent: null to the client.
    return { userErrors } as Partial<T> & { userErrors: AiUserError[] };
  }
}
