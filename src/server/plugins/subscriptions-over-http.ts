import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../../errors.js';
import type { RequestContext } from '../../graphql/context.js';

/**
 * Subscriptions are served over graphql-ws only. Apollo Server, without its callback protocol,
 * executes a subscription sent over HTTP and fails on the stream it gets back: the client read
 * "Internal server error" and the log an error-level stack trace for a client's mistake. This
 * answers it with 400 and a code and message that say where to go instead.
 */
export function subscriptionsOverHttpPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation !== 'subscription') return;
          throw new GraphQLError(
            'subscriptions are served over WebSocket (graphql-ws, subprotocol graphql-transport-ws) at this same URL, not over HTTP',
            { extensions: { code: ErrorCode.BAD_REQUEST, http: { status: 400 } } },
          );
        },
      };
    },
  };
}
