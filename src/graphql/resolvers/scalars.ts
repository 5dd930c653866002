import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { z } from 'zod';

// RFC 3339 with an explicit offset: a timestamp without a zone is ambiguous in incident timelines.
const isoWithOffset = z.iso.datetime({ offset: true });

function parseDateTime(value: unknown): Date {
  if (typeof value !== 'string' || !isoWithOffset.safeParse(value).success) {
    throw new GraphQLError(
      `DateTime must be an ISO 8601 string with a time zone, such as "2026-11-22T09:30:00Z"; got ${JSON.stringify(value)?.slice(0, 60)}`,
      {
        extensions: { code: 'BAD_USER_INPUT' },
      },
    );
  }
  return new Date(value);
}

export const DateTime = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An ISO 8601 / RFC 3339 instant with a time zone offset.',
  serialize(value) {
    // Stored JSON outputs hold ISO strings; records hold Dates.
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime()))
      throw new GraphQLError('DateTime cannot represent an invalid date');
    return date.toISOString();
  },
  parseValue: parseDateTime,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING)
      throw new GraphQLError('DateTime must be a string', {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    return parseDateTime(ast.value);
  },
});
