/**
 * The one public vocabulary of failures. Every error a client can receive carries one of these
 * codes in `extensions.code`; the schema's `AiErrorCode` enum documents the same list, and
 * `src/graphql/enum-sync.ts` keeps the two in step at compile time. This module imports nothing
 * generated: every layer may use it without depending on the GraphQL layer.
 */

export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  RATE_LIMITED: 'RATE_LIMITED',
  PROVIDER_RATE_LIMITED: 'PROVIDER_RATE_LIMITED',
  PROVIDER_TIMEOUT: 'PROVIDER_TIMEOUT',
  PROVIDER_UNAVAILABLE: 'PROVIDER_UNAVAILABLE',
  PROVIDER_BAD_OUTPUT: 'PROVIDER_BAD_OUTPUT',
  PROVIDER_REFUSED: 'PROVIDER_REFUSED',
  PROMPT_INJECTION_SUSPECTED: 'PROMPT_INJECTION_SUSPECTED',
  CANCELLED: 'CANCELLED',
  INTERRUPTED: 'INTERRUPTED',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  BAD_REQUEST: 'BAD_REQUEST',
  OPERATION_RESOLUTION_FAILURE: 'OPERATION_RESOLUTION_FAILURE',
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * An error whose message is safe to show to the caller. Anything thrown that is not a
 * ServiceError is reported to clients as INTERNAL_SERVER_ERROR with its message hidden.
 */
const SERVICE_ERROR = Symbol.for('ai-subgraph.ServiceError');

export class ServiceError extends Error {
  readonly [SERVICE_ERROR] = true;

  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra, client-safe facts placed beside `code` in `extensions` (e.g. `retryAfterSeconds`). */
    readonly details: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ServiceError';
  }

  /** Survives duplicate copies of this module (e.g. a test importing from src and dist). */
  static isInstance(error: unknown): error is ServiceError {
    return error instanceof Error && SERVICE_ERROR in error;
  }
}

export function notFound(what: string, id: string): ServiceError {
  return new ServiceError(ErrorCode.NOT_FOUND, `${what} ${JSON.stringify(id)} was not found`);
}

export function badInput(message: string, details: Record<string, unknown> = {}): ServiceError {
  return new ServiceError(ErrorCode.BAD_USER_INPUT, message, details);
}
