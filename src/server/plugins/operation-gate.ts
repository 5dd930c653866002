/**
 * The gate every GraphQL operation passes after validation and before execution, on both
 * transports: it measures the operation's shape (depth, aliases, root fields, fragment spreads,
 * list lengths, cost; see security/limits/operation-shape.ts, linear in the document), then counts
 * it against the account's requests per minute (RATE_LIMITED, HTTP 429 with Retry-After), then
 * refuses one over a shape limit with QUERY_TOO_COMPLEX (HTTP 400), naming the rule, the measured
 * value and the limit. Nothing has run when either error is sent.
 *
 * Refused operations count too, and so do requests that fail to parse or validate: each cost the
 * server its parse and validation, and a caller sending nothing but bad documents must meet the
 * rate limit as soon as one sending good ones does (issue #14).
 *
 * HTTP: an Apollo Server plugin (`didResolveOperation`; parse and validation failures in their end
 * hooks). graphql-ws: `execute` and `subscribe` wrappers, which see the operation's context (its
 * account) after graphql-ws has parsed and validated it; a refused operation gets one result with
 * the error, then completes.
 */
import type { ApolloServerPlugin, HTTPGraphQLHead } from '@apollo/server';
import type { DocumentNode, ExecutionArgs, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { ErrorCode, ServiceError } from '../../errors.js';
import type { AccountLimits } from '../../security/limits/account-limits.js';
import {
  DEFAULT_LIST_SIZE,
  measureOperation,
  type OperationShape,
} from '../../security/limits/operation-shape.js';
import type { RequestContext } from '../../graphql/context.js';
import { formattedServiceError, refusedResult } from '../errors.js';
import { graphql } from '../graphql-runtime.js';

export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxRootFields: number;
  /** Fragment spreads once every fragment is written out where it is spread. */
  maxFragmentSpreads: number;
  /** Longest list in any argument or variable (a backstop behind each input's own bounds). */
  maxListLength: number;
  maxCost: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxDepth: 12,
  maxAliases: 30,
  maxRootFields: 20,
  maxFragmentSpreads: 500,
  maxListLength: 5000,
  maxCost: 5000,
};

type Rule = 'depth' | 'aliases' | 'rootFields' | 'fragmentSpreads' | 'listLength' | 'cost';

const RULES: {
  rule: Rule;
  limit: keyof QueryLimits;
  measured: keyof OperationShape;
  message: (measured: number, limit: number) => string;
}[] = [
  {
    rule: 'depth',
    limit: 'maxDepth',
    measured: 'depth',
    message: (measured, limit) =>
      `the operation nests fields ${measured} levels deep; at most ${limit} are allowed`,
  },
  {
    rule: 'aliases',
    limit: 'maxAliases',
    measured: 'aliases',
    message: (measured, limit) =>
      `the operation uses ${measured} aliases; at most ${limit} are allowed`,
  },
  {
    rule: 'rootFields',
    limit: 'maxRootFields',
    measured: 'rootFields',
    message: (measured, limit) =>
      `the operation selects ${measured} root fields; at most ${limit} are allowed`,
  },
  {
    rule: 'fragmentSpreads',
    limit: 'maxFragmentSpreads',
    measured: 'fragmentSpreads',
    message: (measured, limit) =>
      `the operation spreads fragments ${measured} times once nested spreads are written out; at most ${limit} are allowed`,
  },
  {
    rule: 'listLength',
    limit: 'maxListLength',
    measured: 'longestList',
    message: (measured, limit) =>
      `a list in the arguments or variables has ${measured} elements; at most ${limit} are allowed`,
  },
  {
    rule: 'cost',
    limit: 'maxCost',
    measured: 'cost',
    message: (measured, limit) =>
      `the operation's estimated cost is ${measured}; at most ${limit} is allowed (see @cost and @listSize in the schema)`,
  },
];

/** The first limit the shape exceeds, as the error to send; null when it fits. A limit of 0 is off. */
export function checkShape(shape: OperationShape, limits: QueryLimits): ServiceError | null {
  for (const { rule, limit, measured, message } of RULES) {
    const maximum = limits[limit];
    // A measure past 2^53 (fragment spreads, cost) is reported as that: Infinity would print as null.
    const value = Math.min(Math.ceil(shape[measured]), Number.MAX_SAFE_INTEGER);
    if (maximum > 0 && value > maximum)
      return new ServiceError(ErrorCode.QUERY_TOO_COMPLEX, message(value, maximum), {
        rule,
        measured: value,
        limit: maximum,
      });
  }
  return null;
}

/** A query text over MAX_QUERY_BYTES, refused before it is parsed. */
export function queryTooLarge(measured: number, limit: number): ServiceError {
  return new ServiceError(
    ErrorCode.QUERY_TOO_COMPLEX,
    `the query text is ${measured} bytes; at most ${limit} are allowed (variables may be larger)`,
    { rule: 'queryBytes', measured, limit },
  );
}

/** 429 with Retry-After for RATE_LIMITED, 400 for QUERY_TOO_COMPLEX. */
export function setHttpHead(http: HTTPGraphQLHead, error: ServiceError): void {
  http.status = error.code === ErrorCode.RATE_LIMITED ? 429 : 400;
  const retryAfter = error.details.retryAfterSeconds;
  if (typeof retryAfter === 'number') http.headers.set('retry-after', String(retryAfter));
}

export interface OperationGateOptions {
  queryLimits: QueryLimits;
  accountLimits: AccountLimits;
  /** Multiplier of a list field without `@listSize`. */
  defaultListSize?: number;
}

export class OperationGate {
  constructor(private readonly options: OperationGateOptions) {}

  /** Measures the operation, counts it for the account, then refuses it if over a limit; throws a ServiceError. */
  async admit(
    accountId: string,
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Readonly<Record<string, unknown>> | null | undefined,
  ): Promise<void> {
    const shape = measureOperation(schema, document, operation, variables, {
      defaultListSize: this.options.defaultListSize ?? DEFAULT_LIST_SIZE,
    });
    const refusal = checkShape(shape, this.options.queryLimits);
    await this.options.accountLimits.countRequest(accountId);
    if (refusal) throw refusal;
  }

  /** Counts a request whose document failed to parse or validate; the RATE_LIMITED error once over. */
  async countFailure(accountId: string): Promise<ServiceError | null> {
    try {
      await this.options.accountLimits.countRequest(accountId);
      return null;
    } catch (error) {
      if (ServiceError.isInstance(error)) return error;
      throw error;
    }
  }

  /** The HTTP side: refuses in `didResolveOperation`, after validation and before execution. */
  plugin(): ApolloServerPlugin<RequestContext> {
    return {
      requestDidStart: async ({ contextValue }) => {
        // A failed parse or validation over the rate limit is answered with RATE_LIMITED instead.
        let overLimit: ServiceError | null = null;
        const countIfFailed = async (failed: boolean) => {
          if (failed) overLimit = await this.countFailure(contextValue.account.id);
        };
        return {
          parsingDidStart: async () => (error) => countIfFailed(error !== undefined),
          validationDidStart: async () => (errors) => countIfFailed((errors?.length ?? 0) > 0),
          didResolveOperation: async ({ schema, document, operation, request, response }) => {
            if (!operation) return;
            try {
              await this.admit(
                contextValue.account.id,
                schema,
                document,
                operation,
                request.variables,
              );
            } catch (error) {
              if (ServiceError.isInstance(error)) setHttpHead(response.http, error);
              throw error;
            }
          },
          willSendResponse: async ({ response }) => {
            if (!overLimit) return;
            setHttpHead(response.http, overLimit);
            response.body = {
              kind: 'single',
              singleResult: { errors: [formattedServiceError(overLimit)] },
            };
          },
        };
      },
    };
  }

  /**
   * The graphql-ws side: `execute` and `subscribe` for `useServer`, refusing before either runs;
   * `subscribe` runs an admitted subscription (graphql's own unless given).
   */
  webSocketExecution(
    subscribe: (args: ExecutionArgs) => ReturnType<typeof graphql.subscribe> = (args) =>
      graphql.subscribe(args),
  ) {
    const refusal = async (args: ExecutionArgs) => {
      const operation = graphql.getOperationAST(args.document, args.operationName);
      if (!operation) return null;
      try {
        await this.admit(
          (args.contextValue as RequestContext).account.id,
          args.schema,
          args.document,
          operation,
          args.variableValues,
        );
        return null;
      } catch (error) {
        if (!ServiceError.isInstance(error)) throw error;
        return refusedResult(error);
      }
    };
    return {
      execute: async (args: ExecutionArgs) => (await refusal(args)) ?? graphql.execute(args),
      subscribe: async (args: ExecutionArgs) => (await refusal(args)) ?? subscribe(args),
    };
  }
}
