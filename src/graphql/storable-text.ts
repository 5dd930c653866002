/**
 * Refuses text the store cannot hold (a NUL, an unpaired surrogate) in any argument of any field,
 * before its resolver runs: BAD_USER_INPUT naming each place (`tickets.3.body`). One check over
 * the arguments as graphql-js coerced them covers inline literals and variables alike, every
 * capability's input, and `_entities` representations (a Ticket's `subject` and `body` arrive
 * there). Without it the statement storing such text fails and the caller gets
 * INTERNAL_SERVER_ERROR, after a batch's other tickets have been processed for nothing.
 * A mutation that answers with a payload gets the refusal as its `userErrors`, like any other
 * input it refuses.
 */
import {
  defaultFieldResolver,
  getNamedType,
  isObjectType,
  type GraphQLFieldResolver,
  type GraphQLSchema,
} from 'graphql';
import { refuseInput, unstorableText } from '../features/validate.js';
import { userErrorsOf } from './user-errors.js';

/** Wraps the resolvers (and subscribers) of every field that takes arguments. */
export function refuseUnstorableText(schema: GraphQLSchema): void {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.args.length === 0) continue;
      const check = (args: Record<string, unknown>) => {
        const issues = unstorableText(args);
        if (issues.length > 0) refuseInput(issues);
      };
      const subscribe = field.subscribe;
      // A subscription's arguments are checked once, when it starts: its resolver then runs on
      // every event with the same arguments, and checking them again per event only cost time.
      if (subscribe) {
        field.subscribe = (source, args, context, info) => {
          check(args);
          return subscribe(source, args, context, info);
        };
        continue;
      }
      const resolve: GraphQLFieldResolver<unknown, unknown> = field.resolve ?? defaultFieldResolver;
      const returned = getNamedType(field.type);
      const answersPayload = isObjectType(returned) && 'userErrors' in returned.getFields();
      field.resolve = (source, args, context, info) => {
        try {
          check(args);
        } catch (error) {
          const userErrors = answersPayload ? userErrorsOf(error) : null;
          if (userErrors) return { userErrors };
          throw error;
        }
        return resolve(source, args, context, info);
      };
    }
  }
}
