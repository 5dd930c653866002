/**
 * Enforces the schema's `@requiresScopes` (on fields and on types) inside the subgraph itself,
 * whatever the router does: the SDL that tells a router which scopes a field needs is the same
 * declaration this guard reads, so the two cannot drift. `@authenticated` needs no check here:
 * an unauthenticated request never reaches a resolver (the context refuses it).
 */
import {
  defaultFieldResolver,
  isObjectType,
  Kind,
  type ConstDirectiveNode,
  type GraphQLFieldResolver,
  type GraphQLSchema,
} from 'graphql';
import type { Account } from '../domain.js';
import { ErrorCode, ServiceError } from '../errors.js';

/** Alternatives of scope sets: the caller needs every scope of at least one set. */
export type ScopeRule = string[][];

function scopeRule(directives: readonly ConstDirectiveNode[] | undefined): ScopeRule | undefined {
  const directive = directives?.find((candidate) => candidate.name.value === 'requiresScopes');
  const argument = directive?.arguments?.find((candidate) => candidate.name.value === 'scopes');
  if (!argument || argument.value.kind !== Kind.LIST) return undefined;
  return argument.value.values.map((set) =>
    set.kind === Kind.LIST
      ? set.values.flatMap((scope) => (scope.kind === Kind.STRING ? [scope.value] : []))
      : [],
  );
}

export function satisfies(rule: ScopeRule, account: Account): boolean {
  return rule.some((set) => set.every((scope) => account.scopes.has(scope)));
}

export function forbidden(rule: ScopeRule, field: string): ServiceError {
  const needs = rule.map((set) => set.join(' and ')).join(' or ');
  return new ServiceError(ErrorCode.FORBIDDEN, `${field} needs the scope ${needs}`, {
    requiredScopes: rule,
  });
}

/** Wraps the resolvers (and subscribers) of every guarded field; returns the guarded fields' names. */
export function guardFields(schema: GraphQLSchema): string[] {
  const guarded: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    const typeRule =
      scopeRule(type.astNode?.directives) ??
      type.extensionASTNodes.map((node) => scopeRule(node.directives)).find(Boolean);
    for (const field of Object.values(type.getFields())) {
      const rule = scopeRule(field.astNode?.directives) ?? typeRule;
      if (!rule) continue;
      const name = `${type.name}.${field.name}`;
      const check = (context: { account: Account }) => {
        if (!satisfies(rule, context.account)) throw forbidden(rule, name);
      };
      const resolve: GraphQLFieldResolver<unknown, { account: Account }> =
        field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context, info) => {
        check(context);
        return resolve(source, args, context, info);
      };
      const subscribe = field.subscribe as
        GraphQLFieldResolver<unknown, { account: Account }> | undefined;
      if (subscribe) {
        field.subscribe = (source, args, context, info) => {
          check(context);
          return subscribe(source, args, context, info);
        };
      }
      guarded.push(name);
    }
  }
  return guarded;
}
