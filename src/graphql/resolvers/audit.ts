/** The audit log of provider calls (scope `admin`): operators see every account's, or one account's. */
import { badInput } from '../../errors.js';
import type { AuditRecord } from '../../infra/store/audit-log.js';
import type {
  AiErrorCode,
  AuditMessageRole,
  AuditOutcome,
  PiiKind,
  ProviderAttemptOutcome,
  Resolvers,
} from '../__generated__/resolvers-types.js';
import { connectionOf, pageSize } from '../connection.js';

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
    errorCode: entry.errorCode as AiErrorCode | null,
    redactions: Object.entries(entry.redactions).map(([kind, count]) => ({
      kind: kind as PiiKind,
      count,
    })),
    rawText: entry.rawText
      ? {
          ...entry.rawText,
          prompt: entry.rawText.prompt.map((message) => ({
            ...message,
            role: message.role.toUpperCase() as AuditMessageRole,
          })),
        }
      : null,
  };
}

export const auditResolvers: Resolvers = {
  Query: {
    auditLog: async (_parent, { accountId, first, after }, { services }) => {
      const size = pageSize(first, 50, 200);
      const [page, totalCount] = await Promise.all([
        services.audit.list({ accountId }, size, after ? decodeCursor(after) : null),
        services.audit.count({ accountId }),
      ]);
      return {
        ...connectionOf(page, (entry) => encodeCursor(entry.id), { after, node: view }),
        totalCount,
      };
    },
  },
  // A generation's provider attempts: the gateway spells outcomes `ok`, the schema `OK`.
  ProviderAttempt: {
    outcome: (attempt) => attempt.outcome.toUpperCase() as ProviderAttemptOutcome,
  },
};
