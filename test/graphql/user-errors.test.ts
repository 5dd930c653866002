import { describe, expect, it } from 'vitest';
import { ServiceError, badInput, notFound } from '../../src/errors.js';
import { refuseInput } from '../../src/features/validate.js';
import { payloadOf, userErrorsOf } from '../../src/graphql/user-errors.js';
import { connectionOf, pageSize } from '../../src/graphql/connection.js';

describe('userErrors', () => {
  it('names each invalid field of a checked input as a path from the argument', () => {
    let thrown: unknown;
    try {
      refuseInput([
        { path: 'incident.title', message: 'Too big: expected string to have <=300 characters' },
        { path: 'tickets.3.body', message: 'must not be empty' },
      ]);
    } catch (error) {
      thrown = error;
    }
    expect(userErrorsOf(thrown, ['input'])).toEqual([
      {
        field: ['input', 'incident', 'title'],
        code: 'BAD_USER_INPUT',
        message: 'Too big: expected string to have <=300 characters',
      },
      {
        field: ['input', 'tickets', '3', 'body'],
        code: 'BAD_USER_INPUT',
        message: 'must not be empty',
      },
    ]);
  });

  it('takes the field from a `path: message` error and keeps the message without it', () => {
    expect(
      userErrorsOf(badInput('context.allowedTools[2]: at most 100 characters'), ['input']),
    ).toEqual([
      {
        field: ['input', 'context', 'allowedTools', '2'],
        code: 'BAD_USER_INPUT',
        message: 'at most 100 characters',
      },
    ]);
  });

  it('reports an unknown id and a conflict without a field, and leaves every other error alone', () => {
    expect(userErrorsOf(notFound('taxonomy', 'x'))).toEqual([
      { field: null, code: 'NOT_FOUND', message: 'taxonomy "x" was not found' },
    ]);
    expect(userErrorsOf(new ServiceError('RATE_LIMITED', 'slow down'))).toBeNull();
    expect(userErrorsOf(new ServiceError('FORBIDDEN', 'no'))).toBeNull();
    expect(userErrorsOf(new Error('boom'))).toBeNull();
  });

  it('puts a problem that names no field where the mutation says it belongs, never over one that does', () => {
    const at = { NOT_FOUND: ['input', 'id'] };
    expect(userErrorsOf(notFound('evaluation run', 'x'), ['input'], at)).toEqual([
      { field: ['input', 'id'], code: 'NOT_FOUND', message: 'evaluation run "x" was not found' },
    ]);
    expect(
      userErrorsOf(new ServiceError('NOT_FOUND', 'gone', { field: ['input', 'other'] }), [], at),
    ).toEqual([{ field: ['input', 'other'], code: 'NOT_FOUND', message: 'gone' }]);
    expect(userErrorsOf(badInput('oops'), ['input'], at)).toEqual([
      { field: null, code: 'BAD_USER_INPUT', message: 'oops' },
    ]);
  });

  it('a payload holds the result with no userErrors, or only the userErrors; other errors are thrown', async () => {
    await expect(payloadOf(async () => ({ taxonomy: { id: 't' } }))).resolves.toEqual({
      taxonomy: { id: 't' },
      userErrors: [],
    });
    await expect(
      payloadOf(async () => {
        throw badInput('name: must not be empty');
      }, ['input']),
    ).resolves.toEqual({
      userErrors: [
        { field: ['input', 'name'], code: 'BAD_USER_INPUT', message: 'must not be empty' },
      ],
    });
    await expect(
      payloadOf(async () => {
        throw new ServiceError('UNAUTHENTICATED', 'who are you');
      }),
    ).rejects.toThrow('who are you');
  });
});

describe('connections', () => {
  it('give edges, nodes and a complete pageInfo for a page', () => {
    const page = { items: [{ id: 'a' }, { id: 'b' }], hasNextPage: true };
    expect(connectionOf(page, (item) => `c-${item.id}`, { after: 'c-z' })).toEqual({
      edges: [
        { cursor: 'c-a', node: { id: 'a' } },
        { cursor: 'c-b', node: { id: 'b' } },
      ],
      nodes: [{ id: 'a' }, { id: 'b' }],
      pageInfo: { hasNextPage: true, hasPreviousPage: true, startCursor: 'c-a', endCursor: 'c-b' },
    });
    expect(connectionOf({ items: [], hasNextPage: false }, String).pageInfo).toEqual({
      hasNextPage: false,
      hasPreviousPage: false,
      startCursor: null,
      endCursor: null,
    });
  });

  it('refuse a page size out of bounds, naming the argument', () => {
    expect(pageSize(undefined, 20, 100)).toBe(20);
    expect(() => pageSize(0, 20, 100)).toThrow('first: must be from 1 to 100');
    expect(() => pageSize(101, 20, 100)).toThrow('first: must be from 1 to 100');
    expect(() => pageSize(2.5, 20, 100)).toThrow('first: must be from 1 to 100');
  });
});
