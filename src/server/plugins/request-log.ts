import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestContext } from '../../graphql/context.js';
import type { Logger } from '../../infra/observability/logger.js';
import { clientErrorCodes } from './response-errors.js';

/**
 * One log line per GraphQL request: request id, operation, duration and outcome (with error codes).
 * Variables and query text are never logged: they carry incident data and personal data.
 *
 * With info lines off (`logger`'s level, read per request), a request gets no hooks at all: the
 * request's child logger (pino passes its bindings through redaction) was built for every request
 * only to drop its line, 2.8 % of what a whole draft allocated.
 */
export function requestLogPlugin(logger: Logger): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart({ contextValue }) {
      if (!logger.isLevelEnabled('info')) return;
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
