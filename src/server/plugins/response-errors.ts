/**
 * What the metrics, request-log and tracing plugins report about a response's errors: the codes
 * the client receives. They read the response body, whose errors `formatError` has already given
 * their public codes; `requestContext.errors` holds the raw errors, where a ServiceError thrown by
 * a resolver has no code yet and would be counted as INTERNAL_SERVER_ERROR.
 */
import type { GraphQLResponse } from '@apollo/server';

export function clientErrorCodes(response: GraphQLResponse): string[] {
  const result =
    response.body.kind === 'single' ? response.body.singleResult : response.body.initialResult;
  return [
    ...new Set(
      (result.errors ?? []).map((error) =>
        String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR'),
      ),
    ),
  ];
}
