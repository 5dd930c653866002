import { describe, expect, it, vi } from 'vitest';
import { buildContext } from '../../src/graphql/context.js';
import type { Account } from '../../src/domain.js';
import type { Logger } from '../../src/infra/observability/logger.js';
import type { Services } from '../../src/graphql/services.js';

/** What Apollo Server does to every HTTP request's context before resolvers see it (its cloneObject). */
const apolloClone = <T extends object>(value: T): T =>
  Object.assign(Object.create(Object.getPrototypeOf(value) as object) as T, value);

describe('request context', () => {
  const account = { id: 'acct-1', scopes: new Set(['read']) } as unknown as Account;

  it('stays lazy through the copy Apollo Server makes of it, and the copy still works', () => {
    const child = vi.fn(() => ({ info: vi.fn() }) as unknown as Logger);
    const logger = { child } as unknown as Logger;
    const context = buildContext({} as Services, logger, account, { requestId: 'req-1' });

    const copy = apolloClone(context);
    expect(child).not.toHaveBeenCalled();

    expect(copy.requestId).toBe('req-1');
    expect(copy.account).toBe(account);
    expect(copy.logger).toBe(copy.logger);
    expect(child).toHaveBeenCalledTimes(1);
    expect(child).toHaveBeenCalledWith({ requestId: 'req-1', accountId: 'acct-1' });
    expect(copy.loaders).toBe(copy.loaders);
  });

  it('makes up a request id when the one given is not a plain token', () => {
    const logger = { child: vi.fn() } as unknown as Logger;
    const context = buildContext({} as Services, logger, account, { requestId: 'a b\nc' });
    expect(context.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
