import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestContext } from '../../graphql/context.js';
import { clientErrorCodes } from './response-errors.js';

/**
 * One log line per GraphQL request: request id, operation, duration and outcome (with error codes).
 * Variables and query text are never logged: they carry incident data and personal data.
 */
export function requestLogPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      return {
        async willSendResponse({ operationName, operation, response }) {
          const allCodes = clientErrorCodes(response);
          contextValue.logger.info(
            {
              operationName: operationName ?? null,
              operationType: operation?.operation ?? null,
              durationMs: Math.round((performance.now() - started) * 10) / 10,
              outcome: allCodes.length === 0 ? 'ok' : 'error',
              ...(allCodes.length > 0 ? { errorCodes: allCodes } : {}),
            },
            'graphql request',
          );
        },
      };
    },
  };
}
