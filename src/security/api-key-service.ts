/**
 * API key management as resolvers and the keys CLI use it: list, issue, revoke. Revoking goes
 * through the revocation watch, so that what the key opened on this replica ends at once.
 */
import type { ApiKeyRecord, ApiKeyRepository } from '../infra/store/api-keys.js';
import type { Page } from '../infra/store/generations.js';
import { issueApiKey, type IssuedKey, type KeyRevocationWatch } from './api-keys.js';

export class ApiKeyService {
  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly revocations: KeyRevocationWatch,
  ) {}

  /** Every key, or one account's (null: every account). */
  list(accountId: string | null): Promise<ApiKeyRecord[]> {
    return this.keys.list(accountId);
  }

  /** One page of keys, newest first, and how many match in all. */
  async page(
    accountId: string | null,
    first: number,
    after: { createdAt: Date; id: string } | null,
  ): Promise<{ page: Page<ApiKeyRecord>; totalCount: number }> {
    const [page, totalCount] = await Promise.all([
      this.keys.page(accountId, first, after),
      this.keys.count(accountId),
    ]);
    return { page, totalCount };
  }

  issue(request: Parameters<typeof issueApiKey>[1]): Promise<IssuedKey> {
    return issueApiKey(this.keys, request);
  }

  /** Revokes a key by id or prefix, within an account when given; null when there is none. */
  revoke(idOrPrefix: string, accountId: string | null): Promise<ApiKeyRecord | null> {
    return this.revocations.revoke(idOrPrefix, accountId);
  }

  /** Whether any key can still authenticate (the first one ends the anonymous "dev" account). */
  anyUsable(): Promise<boolean> {
    return this.keys.anyUsable();
  }
}
