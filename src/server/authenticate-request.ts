/**
 * Authentication as the transport answers it: before anything executes, a refused caller gets
 * UNAUTHENTICATED with HTTP status 401 (503 when the key store is unreachable).
 */
import { GraphQLError } from 'graphql';
import type { Account } from '../domain.js';
import { ErrorCode, ServiceError } from '../errors.js';
import type { Services } from '../graphql/services.js';
import type { AuthenticationRequest } from '../security/authenticate.js';

/**
 * The caller's account, or a GraphQL error with UNAUTHENTICATED and HTTP status 401 that Apollo
 * Server sends before anything executes (503 SERVICE_UNAVAILABLE when the key store is unreachable).
 */
export async function authenticateOrThrow(
  services: Services,
  request: AuthenticationRequest,
): Promise<Account> {
  try {
    return await services.authenticator.authenticate(request);
  } catch (error) {
    if (ServiceError.isInstance(error)) {
      throw new GraphQLError(error.message, {
        extensions: {
          code: error.code,
          http: { status: error.code === ErrorCode.SERVICE_UNAVAILABLE ? 503 : 401 },
        },
      });
    }
    throw error;
  }
}
