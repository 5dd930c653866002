/**
 * One place turns any error into what a client sees, for HTTP (Apollo's formatError) and
 * graphql-ws alike: ServiceErrors keep their code, message and details; GraphQL's own errors keep
 * their standard code; Apollo Server's refusals of a malformed request that carry a 4xx status but
 * no code (an APQ hash that does not match its query, an unknown APQ version) are BAD_REQUEST;
 * anything else is INTERNAL_SERVER_ERROR with its message hidden.
 */
import { unwrapResolverError } from '@apollo/server/errors';
import type { ExecutionResult, GraphQLError, GraphQLFormattedError } from 'graphql';
import { ErrorCode, ServiceError } from '../errors.js';
import type { Logger } from '../infra/observability/logger.js';
import { graphql } from './graphql-runtime.js';

const PUBLIC_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

export function createErrorFormatter(logger: Logger) {
  return function formatError(
    formatted: GraphQLFormattedError,
    error: unknown,
  ): GraphQLFormattedError {
    const unwrapped = unwrapResolverError(error);
    // A ServiceError raised outside resolvers (a plugin, a graphql-ws hook) arrives wrapped in a GraphQLError without a path.
    const inner = (unwrapped as { originalError?: unknown } | null)?.originalError;
    const original = ServiceError.isInstance(inner) ? inner : unwrapped;
    if (ServiceError.isInstance(original)) {
      return { ...formatted, ...formattedServiceError(original) };
    }
    const code = formatted.extensions?.code;
    if (
      typeof code === 'string' &&
      PUBLIC_CODES.has(code) &&
      code !== ErrorCode.INTERNAL_SERVER_ERROR
    ) {
      return { ...formatted, extensions: { code } };
    }
    const status = (unwrapped as { extensions?: { http?: { status?: unknown } } } | null)
      ?.extensions?.http?.status;
    if (typeof status === 'number' && status >= 400 && status < 500)
      return { message: formatted.message, extensions: { code: ErrorCode.BAD_REQUEST } };
    logger.error(
      { err: original, path: formatted.path },
      'unexpected error while resolving a request',
    );
    return {
      message: 'Internal server error',
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}

/** The same formatting for graphql-js errors outside Apollo Server (graphql-ws). */
export function formatGraphQLErrors(
  formatError: ReturnType<typeof createErrorFormatter>,
  errors: readonly GraphQLError[],
): GraphQLFormattedError[] {
  return errors.map((error) => formatError(error.toJSON(), error));
}

/** What a client sees of a ServiceError: its message, and its code beside its details. */
export function formattedServiceError(error: ServiceError): GraphQLFormattedError {
  return { message: error.message, extensions: { ...error.details, code: error.code } };
}

/** A ServiceError raised outside resolvers (a graphql-ws hook), as the GraphQLError graphql-ws sends. */
export function graphQLErrorOf(error: ServiceError): GraphQLError {
  return new graphql.GraphQLError(error.message, {
    originalError: error,
    extensions: { ...error.details, code: error.code },
  });
}

/** A graphql-ws operation refused before it runs: one result carrying the error, with its code. */
export function refusedResult(error: ServiceError): ExecutionResult {
  return { errors: [graphQLErrorOf(error)] };
}
