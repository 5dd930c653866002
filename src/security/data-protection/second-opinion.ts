/**
 * An optional second opinion on the injection screen's uncertain band (issue #21), off unless
 * INJECTION_SECOND_OPINION names a configured `provider:model`. A text whose score falls from the
 * log threshold up to (not including) the block threshold is shown to that model, fenced as data
 * and redacted like any provider call; a verdict at or above the configured confidence moves the
 * decision one step:
 *
 * - "injection": LOG becomes FLAG and FLAG becomes BLOCK (a confident model is the second,
 *   independent strong signal the default policy asks of a block), never past INJECTION_ACTION;
 * - "benign": FLAG becomes LOG; LOG stays LOG, so the weak signal is still on record.
 *
 * It fails safe: a failed, slow (INJECTION_SECOND_OPINION_TIMEOUT_MS) or unparsable answer, a
 * day's budget spent (calls and USD, per replica), or as many calls already waiting for the model
 * as INJECTION_SECOND_OPINION_CONCURRENCY allows, leaves the screen's own decision. Each outcome
 * is logged with the score and the model, never the text, and counted.
 *
 * The security layer does not build prompts (the fence lives with the features): the model is
 * asked through an `InjectionJudge` the composition root hands in.
 */
import type { Logger } from '../../infra/observability/logger.js';
import type { InjectionAction } from '../injection/index.js';
import { weakerAction, type InjectionSettings, type Screening } from './injection-screen.js';

/** What the model said: whether the text is an injection, and how sure it is (0 to 1). */
export interface InjectionVerdict {
  injection: boolean;
  confidence: number;
}

export interface JudgeRequest {
  /** The untrusted passage that gave the screen its score. */
  text: string;
  accountId: string;
  requestId?: string;
  /** Aborted at the second opinion's own timeout, or when the caller gives up. */
  signal: AbortSignal;
}

/** The port a model is asked through (services/screening/injection-judge.ts over the gateway). */
export interface InjectionJudge {
  /** `provider:model`, for logs and the screening's record. */
  readonly model: string;
  /** The verdict (null when the answer did not parse) and what the call cost; throws when the call failed. */
  judge(request: JudgeRequest): Promise<{ verdict: InjectionVerdict | null; costUsd: number }>;
}

export interface SecondOpinionSettings {
  /** A verdict moves the decision only from this confidence (INJECTION_SECOND_OPINION_CONFIDENCE). */
  minConfidence: number;
  /** Model calls per UTC day and replica (INJECTION_SECOND_OPINION_CALLS_PER_DAY). */
  callsPerDay: number;
  /** Spending per UTC day and replica, priced from LLM_CONFIG (INJECTION_SECOND_OPINION_USD_PER_DAY). */
  usdPerDay: number;
  /** How long the screen waits for an answer (INJECTION_SECOND_OPINION_TIMEOUT_MS). */
  timeoutMs: number;
  /**
   * Calls waiting for the model at once, per replica (INJECTION_SECOND_OPINION_CONCURRENCY). A
   * `screenText` of 500 uncertain texts would otherwise ask 500 questions at once.
   */
  maxInFlight: number;
}

export type SecondOpinionOutcome =
  'moved' | 'kept' | 'unsure' | 'unparsable' | 'failed' | 'timeout' | 'over-budget' | 'busy';

/** A usable opinion, as a screening reports it. */
export interface SecondOpinionRecord extends InjectionVerdict {
  model: string;
  /** The screen's own action, before the opinion. */
  screenAction: InjectionAction;
}

export type ReviewedScreening = Screening & { secondOpinion: SecondOpinionRecord | null };

export interface SecondOpinionOptions {
  judge: InjectionJudge;
  settings: SecondOpinionSettings;
  injection: InjectionSettings;
  logger: Logger;
  /** Counts each outcome (metrics); must not throw. */
  counted?: (outcome: SecondOpinionOutcome) => void;
  /** Epoch ms; tests move the day. */
  now?: () => number;
}

const STEP_UP: Partial<Record<InjectionAction, InjectionAction>> = { log: 'flag', flag: 'block' };
const STEP_DOWN: Partial<Record<InjectionAction, InjectionAction>> = { flag: 'log' };

export class SecondOpinion {
  private day = '';
  private calls = 0;
  private spentUsd = 0;
  private inFlight = 0;

  constructor(private readonly options: SecondOpinionOptions) {}

  /** The uncertain band: from the log threshold up to, not including, the block threshold. */
  inBand(score: number): boolean {
    const { policy } = this.options.injection;
    return score >= policy.log && score < policy.block;
  }

  /** The screening with the opinion applied; the screen's own when none was asked or usable. */
  async review(
    screening: Screening,
    call: Omit<JudgeRequest, 'text' | 'signal'> & { signal?: AbortSignal },
  ): Promise<ReviewedScreening> {
    const own: ReviewedScreening = { ...screening, secondOpinion: null };
    if (!this.inBand(screening.score)) return own;
    // Not waiting for a slot: a queue would make the caller wait one timeout per text ahead of it.
    if (this.inFlight >= this.options.settings.maxInFlight) return this.report(own, call, 'busy');
    if (!this.reserve()) return this.report(own, call, 'over-budget');
    const timeout = AbortSignal.timeout(this.options.settings.timeoutMs);
    const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
    let answer: { verdict: InjectionVerdict | null; costUsd: number };
    this.inFlight++;
    try {
      answer = await this.options.judge.judge({
        text: screening.passage,
        accountId: call.accountId,
        requestId: call.requestId,
        signal,
      });
    } catch (error) {
      return this.report(own, call, timeout.aborted ? 'timeout' : 'failed', error);
    } finally {
      this.inFlight--;
    }
    this.spentUsd += answer.costUsd;
    const { verdict } = answer;
    if (!verdict) return this.report(own, call, 'unparsable');
    const record: SecondOpinionRecord = {
      ...verdict,
      model: this.options.judge.model,
      screenAction: screening.action,
    };
    const action = this.revised(screening.action, verdict);
    const outcome =
      verdict.confidence < this.options.settings.minConfidence
        ? 'unsure'
        : action === screening.action
          ? 'kept'
          : 'moved';
    return this.report({ ...screening, action, secondOpinion: record }, call, outcome);
  }

  private revised(action: InjectionAction, verdict: InjectionVerdict): InjectionAction {
    if (verdict.confidence < this.options.settings.minConfidence) return action;
    if (!verdict.injection) return STEP_DOWN[action] ?? action;
    const lifted = STEP_UP[action];
    // Never past the configured action (the screen's own never is): with INJECTION_ACTION=flag nothing is refused.
    return lifted ? weakerAction(lifted, this.options.injection.action) : action;
  }

  /** Takes one call from today's budget; false when the calls or the dollars are spent. */
  private reserve(): boolean {
    const today = new Date((this.options.now ?? Date.now)()).toISOString().slice(0, 10);
    if (today !== this.day) {
      this.day = today;
      this.calls = 0;
      this.spentUsd = 0;
    }
    const { callsPerDay, usdPerDay } = this.options.settings;
    if (this.calls >= callsPerDay || this.spentUsd >= usdPerDay) return false;
    this.calls++;
    return true;
  }

  private report(
    screening: ReviewedScreening,
    call: { accountId: string; requestId?: string },
    outcome: SecondOpinionOutcome,
    error?: unknown,
  ): ReviewedScreening {
    this.options.counted?.(outcome);
    // The score, the model and what became of the decision; never the text.
    this.options.logger.info(
      {
        secondOpinion: outcome,
        accountId: call.accountId,
        requestId: call.requestId ?? null,
        model: this.options.judge.model,
        injectionScore: screening.score,
        action: screening.action,
        ...(screening.secondOpinion
          ? {
              injection: screening.secondOpinion.injection,
              confidence: screening.secondOpinion.confidence,
              screenAction: screening.secondOpinion.screenAction,
            }
          : {}),
        // The public error code only: a provider's message may quote what it was sent.
        ...(error ? { errorCode: (error as { code?: unknown })?.code ?? 'UNKNOWN' } : {}),
      },
      'second opinion on an uncertain injection score',
    );
    return screening;
  }
}
