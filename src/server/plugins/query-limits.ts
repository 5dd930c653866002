/**
 * The gate every GraphQL operation passes after validation and before execution, on both
 * transports: it counts the operation against the account's requests per minute (RATE_LIMITED,
 * HTTP 429 with Retry-After), then measures its shape (depth, aliases, root fields, list lengths,
 * cost; see security/limits/operation-shape.ts) and refuses one over a limit with
 * QUERY_TOO_COMPLEX (HTTP 400), naming the rule, the measured value and the limit. Nothing has
 * run when either error is sent.
 *
 * HTTP: an Apollo Server plugin (`didResolveOperation`). graphql-ws: `execute` and `subscribe`
 * wrappers, which see the operation's context (its account) after graphql-ws has parsed and
 * validated it; a refused operation gets one result with the error, then completes.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { DocumentNode, ExecutionArgs, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { ErrorCode, ServiceError } from '../../errors.js';
import type { AccountLimits } from '../../security/limits/account-limits.js';
import {
  DEFAULT_LIST_SIZE,
  measureOperation,
  type OperationShape,
} from '../../security/limits/operation-shape.js';
import type { RequestContext } from '../context.js';
import { refusedResult } from '../errors.js';
import { graphql } from '../graphql-runtime.js';

export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxRootFields: number;
  /** Longest list in any argument or variable (a backstop behind each input's own bounds). */
  maxListLength: number;
  maxCost: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxDepth: 12,
  maxAliases: 30,
  maxRootFields: 20,
  maxListLength: 5000,
  maxCost: 5000,
};

type Rule = 'depth' | 'aliases' | 'rootFields' | 'listLength' | 'cost';

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
    const value = Math.ceil(shape[measured]);
    if (maximum > 0 && value > maximum)
      return new ServiceError(ErrorCode.QUERY_TOO_COMPLEX, message(value, maximum), {
        rule,
        measured: value,
        limit: maximum,
      });
  }
  return null;
}

/** 429 with Retry-After for RATE_LIMITED, 400 for QUERY_TOO_COMPLEX. */
function httpStatusOf(error: ServiceError): number {
  return error.code === ErrorCode.RATE_LIMITED ? 429 : 400;
}

export interface OperationGateOptions {
  queryLimits: QueryLimits;
  accountLimits: AccountLimits;
  /** Multiplier of a list field without `@listSize`. */
  defaultListSize?: number;
}

export class OperationGate {
  constructor(private readonly options: OperationGateOptions) {}

  /** Counts the operation for the account, then checks its shape; throws a ServiceError. */
  async admit(
    accountId: string,
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Readonly<Record<string, unknown>> | null | undefined,
  ): Promise<void> {
    await this.options.accountLimits.countRequest(accountId);
    const shape = measureOperation(schema, document, operation, variables, {
      defaultListSize: this.options.defaultListSize ?? DEFAULT_LIST_SIZE,
    });
    const refusal = checkShape(shape, this.options.queryLimits);
    if (refusal) throw refusal;
  }

  /** The HTTP side: refuses in `didResolveOperation`, after validation and before execution. */
  plugin(): ApolloServerPlugin<RequestContext> {
    return {
      requestDidStart: async () => ({
        didResolveOperation: async ({
          contextValue,
          schema,
          document,
          operation,
          request,
          response,
        }) => {
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
            if (ServiceError.isInstance(error)) {
              // Apollo Server sends the thrown error (formatted from the ServiceError) with this head.
              response.http.status = httpStatusOf(error);
              const retryAfter = error.details.retryAfterSeconds;
              if (typeof retryAfter === 'number')
                response.http.headers.set('retry-after', String(retryAfter));
            }
            throw error;
          }
        },
      }),
    };
  }

  /** The graphql-ws side: `execute` and `subscribe` for `useServer`, refusing before either runs. */
  webSocketExecution() {
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
      subscribe: async (args: ExecutionArgs) => (await refusal(args)) ?? graphql.subscribe(args),
    };
  }
}
