/**
 * The audit log's gateway observer: every call that reached a provider becomes one row per attempt
 * (retries and fallbacks included; targets skipped by an open circuit were not called and leave
 * none), a cache hit one row, and a call refused before any provider (prompt injection) one row
 * with no provider; a `screenText` call one row with no provider either. Rows carry counts and the injection score, never the text, unless
 * `rawText` (AUDIT_RAW_TEXT) is on: then the prompt and answer with personal data replaced.
 *
 * Writing is asynchronous and never fails the call: a row that cannot be written is logged.
 */
import type { Feature } from '../../domain.js';
import { ErrorCode } from '../../errors.js';
import type {
  Answered,
  Attempt,
  GatewayError,
  GatewayObserver,
  ObservedCall,
} from '../../llm/gateway.js';
import type { Logger } from '../../infra/observability/logger.js';
import type {
  AuditLogRepository,
  AuditOutcome,
  AuditRecord,
  NewAuditEntry,
} from '../../infra/store/audit-log.js';
import { GroupCommit } from '../../infra/store/group-commit.js';
import { ProtectionSession } from './protection.js';
import type { TextScreening } from './text-screening.js';

export interface AuditOptions {
  /** AUDIT_RAW_TEXT: keep the redacted prompt and answer of each call (off by default). */
  rawText: boolean;
  /**
   * AUDIT_WRITE_DELAY_MS: how long a row waits for others before its INSERT, at least as long as
   * a generation takes to store its outcome. Rows of the calls that end in that time share one
   * statement: at 10 ms a replica at 50 calls/s wrote nearly one statement per call, a database
   * round trip and a parse for each; nobody waits for the rows, and shutdown writes the last ones.
   */
  writeDelayMs: number;
}

export class AuditObserver implements GatewayObserver {
  private readonly pending = new Set<Promise<void>>();
  /**
   * The rows of concurrent calls go to the database in one statement (see GroupCommit), after the
   * generation's own outcome: nobody waits for them.
   */
  private readonly rowsOfCalls: GroupCommit<NewAuditEntry[], undefined>;

  constructor(
    private readonly log: AuditLogRepository,
    private readonly logger: Logger,
    private readonly options: AuditOptions,
  ) {
    this.rowsOfCalls = new GroupCommit(
      async (calls: NewAuditEntry[][]) => {
        await this.log.insertMany(calls.flat());
        return calls.map(() => undefined);
      },
      { delayMs: options.writeDelayMs },
    );
  }

  /** The audit rows already written, newest first (one account's, or every account's). */
  list(
    filter: { accountId?: string | null },
    first: number,
    afterId: string | null,
  ): Promise<{ items: AuditRecord[]; hasNextPage: boolean }> {
    return this.log.list(filter, first, afterId);
  }

  /** How many rows `list` pages through with the same filter. */
  count(filter: { accountId?: string | null }): Promise<number> {
    return this.log.count(filter);
  }

  finished(
    feature: Feature,
    answered: Answered,
    _durationMs: number,
    context?: ObservedCall,
  ): void {
    if (context) this.write(this.rows(feature, answered.attempts, context, answered, null));
  }

  failed(feature: Feature, error: GatewayError, _durationMs: number, context?: ObservedCall): void {
    if (context) this.write(this.rows(feature, error.attempts, context, null, error));
  }

  /**
   * One row for a `screenText` call: no provider, the highest score of its texts, the PII found
   * per kind; `blocked` when the policy would have refused any of them. Never the texts.
   */
  screened(
    call: { accountId: string; requestId: string | null; latencyMs: number },
    screenings: readonly TextScreening[],
  ): void {
    const redactions: Record<string, number> = {};
    for (const { pii } of screenings)
      for (const { kind } of pii) redactions[kind] = (redactions[kind] ?? 0) + 1;
    this.write([
      {
        accountId: call.accountId,
        feature: 'SCREEN',
        provider: '',
        model: '',
        outcome: screenings.some((s) => s.action === 'block') ? 'blocked' : 'ok',
        errorCode: null,
        inputTokens: 0,
        outputTokens: 0,
        costUsd: 0,
        latencyMs: call.latencyMs,
        redactions,
        injectionScore: Math.max(0, ...screenings.map((s) => s.score)),
        requestId: call.requestId,
        rawText: null,
      },
    ]);
  }

  /** Resolves once every row handed over so far is written (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  private write(rows: NewAuditEntry[]): void {
    if (rows.length === 0) return;
    const done: Promise<void> = this.rowsOfCalls
      .push(rows)
      .catch((error: unknown) =>
        this.logger.warn({ err: error, rows: rows.length }, 'could not write the audit log'),
      )
      .finally(() => this.pending.delete(done));
    this.pending.add(done);
  }

  private rows(
    feature: Feature,
    attempts: readonly Attempt[],
    { call, protection }: ObservedCall,
    answered: Answered | null,
    error: GatewayError | null,
  ): NewAuditEntry[] {
    const session = protection instanceof ProtectionSession ? protection : null;
    const common = {
      accountId: call.accountId,
      feature,
      injectionScore: session?.screening?.score ?? null,
      requestId: call.requestId ?? null,
    };
    if (error?.code === ErrorCode.PROMPT_INJECTION_SUSPECTED && attempts.length === 0) {
      const rawText =
        this.options.rawText && session ? { prompt: session.redactedPrompt(), answer: null } : null;
      return [
        {
          ...common,
          provider: '',
          model: '',
          outcome: 'blocked',
          errorCode: error.code,
          inputTokens: 0,
          outputTokens: 0,
          costUsd: 0,
          latencyMs: 0,
          redactions: {},
          rawText,
        },
      ];
    }
    const called = attempts.filter((attempt) => attempt.outcome !== 'skipped');
    return called.map((attempt, index) => {
      const last = index === called.length - 1 && attempt === attempts.at(-1);
      const outcome: AuditOutcome =
        attempt.outcome === 'ok'
          ? answered?.cacheHit && last
            ? 'cache-hit'
            : 'ok'
          : last && session?.canaryLeaked && attempt.errorCode === ErrorCode.PROVIDER_BAD_OUTPUT
            ? 'canary-leak'
            : 'failed';
      // Tokens and cost are known for the attempt that answered; a cache hit used none.
      const usage =
        outcome === 'ok' && answered
          ? answered.usage
          : { inputTokens: 0, outputTokens: 0, costUsd: 0 };
      const rawText =
        this.options.rawText && session
          ? { prompt: session.redactedPrompt(), answer: last ? session.redactedAnswer() : null }
          : null;
      return {
        ...common,
        provider: attempt.provider,
        model: attempt.model,
        outcome,
        errorCode: attempt.errorCode,
        ...usage,
        latencyMs: attempt.latencyMs,
        redactions: session ? { ...session.redactionsFor(attempt.provider) } : {},
        rawText,
      } satisfies NewAuditEntry;
    });
  }
}

/** One observer that tells several, each shielded from the others' failures. */
export function observeAll(...observers: GatewayObserver[]): GatewayObserver {
  return {
    finished: (...args) => {
      for (const observer of observers) {
        try {
          observer.finished(...args);
        } catch {
          // An observer must not throw; one that does must not silence the others.
        }
      }
    },
    failed: (...args) => {
      for (const observer of observers) {
        try {
          observer.failed(...args);
        } catch {
          // As above.
        }
      }
    },
  };
}
