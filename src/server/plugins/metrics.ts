import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type DocumentNode } from 'graphql';
import type { Metrics } from '../../infra/observability/metrics.js';
import type { RequestContext } from '../../graphql/context.js';
import { KNOWN_OPERATIONS } from './operation-names.js';
import { clientErrorCodes } from './response-errors.js';

/**
 * Counts every GraphQL request over HTTP and times it, by operation name, type and outcome, with
 * the public error codes of errors in the response (request errors and field errors alike).
 */
export function metricsPlugin(metrics: Metrics): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ operationName, operation, request, document, response }) {
          metrics.requestFinished({
            operation: operationLabel(
              operationName ?? request.operationName ?? soleOperation(document)?.name?.value,
            ),
            type: operation?.operation ?? soleOperation(document)?.operation,
            errorCodes: clientErrorCodes(response),
            durationSeconds: (performance.now() - started) / 1000,
          });
        },
      };
    },
  };
}

/** A bounded label for a client-chosen operation name. */
function operationLabel(name: string | null | undefined): string {
  if (!name) return 'anonymous';
  return KNOWN_OPERATIONS.has(name) ? name : 'other';
}

/** The document's operation when it has only one (a request that failed validation has no resolved operation). */
function soleOperation(document: DocumentNode | undefined) {
  const operations =
    document?.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION) ??
    [];
  return operations.length === 1 ? operations[0] : undefined;
}
