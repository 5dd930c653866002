/** The audit log of provider calls (scope `admin`): operators see every account's, or one account's. */
import { badInput } from '../../errors.js';
import type { AuditRecord } from '../../infra/store/audit-log.js';
import type { AuditOutcome, ErrorCode, Resolvers } from '../__generated__/resolvers-types.js';

const OUTCOMES: Record<AuditRecord['outcome'], AuditOutcome> = {
  ok: 'OK',
  failed: 'FAILED',
  'cache-hit': 'CACHE_HIT',
  blocked: 'BLOCKED',
  'canary-leak': 'CANARY_LEAK',
};

/** Opaque cursors: base64url of `audit:<id>`. */
const encodeCursor = (id: string) => Buffer.from(`audit:${id}`).toString('base64url');

function decodeCursor(cursor: string): string {
  const match = /^audit:(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw badInput('after: not a cursor of the audit log');
  return match[1]!;
}

function view(entry: AuditRecord) {
  return {
    ...entry,
    provider: entry.provider || null,
    model: entry.model || null,
    outcome: OUTCOMES[entry.outcome],
    errorCode: entry.errorCode as ErrorCode | null,
    redactions: Object.entries(entry.redactions).map(([kind, count]) => ({ kind, count })),
  };
}

export const auditResolvers: Resolvers = {
  Query: {
    auditLog: async (_parent, { accountId, first, after }, { services }) => {
      const size = first ?? 50;
      if (size < 1 || size > 200) throw badInput('first: must be from 1 to 200');
      const page = await services.audit.list(
        { accountId },
        size,
        after ? decodeCursor(after) : null,
      );
      const edges = page.items.map((entry) => ({
        node: view(entry),
        cursor: encodeCursor(entry.id),
      }));
      return {
        edges,
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
      };
    },
  },
};
