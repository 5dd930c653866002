/**
 * Data protection at the gateway (DESIGN.md, Security; issue #7), per call and before any provider
 * is called:
 *
 * - the untrusted data is screened for prompt injection: logged, flagged (the score is recorded on
 *   the generation and in the audit log) or refused with PROMPT_INJECTION_SUSPECTED, as configured;
 * - personal data and secrets in the messages are replaced by placeholders, stable within the call
 *   (`[EMAIL_1]`), for every provider that redacts (`redactPii` in LLM_CONFIG; by default every
 *   provider that is not `trusted`; never the builtin), and put back in what the model answers;
 * - a canary is planted in the system prompt, and an answer that reveals it is refused.
 *
 * One `ProtectionSession` per gateway call; it holds the call's originals and is never shared.
 */
import type {
  GatewayCall,
  GatewayProtection,
  PreparedMessages,
  ProtectedCall,
} from '../../llm/gateway.js';
import type { ProviderSettings, Target } from '../../llm/provider-chains.js';
import type { ChatMessage } from '../../llm/spec.js';
import type { Logger } from '../../infra/observability/logger.js';
import {
  canaryInstruction,
  createCanary,
  leaksCanary,
  plantCanary,
  shippedModel,
} from '../injection/index.js';
import {
  redact,
  redactMessages,
  type PiiCounts,
  type RedactOptions,
  type RedactionSummary,
  type Restorable,
} from '../pii/index.js';
import { screenUntrusted, type InjectionSettings, type Screening } from './injection-screen.js';
import { jsonRestorer, passThrough, proseRestorer, type AnswerRestorer } from './restore.js';
import type { SecondOpinion } from './second-opinion.js';
import { screenTexts, type ScreeningCaller, type TextScreening } from './text-screening.js';

export interface DataProtectionOptions {
  /** The configured providers (LLM_CONFIG), which say whose text is redacted. */
  providers: Readonly<Record<string, ProviderSettings>>;
  injection: InjectionSettings;
  logger: Logger;
  /** Detection options of the redactor (kinds, allow-list); every kind by default. */
  pii?: RedactOptions;
  /** A model's opinion on scores in the uncertain band (INJECTION_SECOND_OPINION); none by default. */
  secondOpinion?: SecondOpinion;
}

/**
 * Whether a provider's text is redacted: its `redactPii` setting when given, else unless it is
 * `trusted` (self-hosted, inside the trust boundary). The builtin provider never sends text
 * anywhere. A provider that is not configured is redacted.
 */
export function redactsFor(settings: ProviderSettings | undefined): boolean {
  if (!settings) return true;
  if (settings.type === 'builtin') return false;
  return settings.redactPii ?? !settings.trusted;
}

export const INJECTION_REFUSAL =
  "the input looks like an attempt to override the service's instructions (prompt injection suspected), so it was sent to no model; remove the instructions it contains and try again";

export class DataProtection implements GatewayProtection {
  constructor(private readonly options: DataProtectionOptions) {
    // Decode the injection classifier's weights now, not inside the first request.
    shippedModel();
  }

  /** The screen a call's untrusted text gets, for texts a product team screens itself. */
  screenTexts(texts: readonly string[], caller?: ScreeningCaller): Promise<TextScreening[]> {
    return screenTexts(texts, this.options.injection, this.options.pii, {
      secondOpinion: this.options.secondOpinion,
      caller,
    });
  }

  async open(call: GatewayCall): Promise<ProtectionSession> {
    let screening = await screenUntrusted(call.untrusted, this.options.injection);
    // The second opinion's own call carries no `untrusted`, so it is never reviewed in turn.
    if (screening && this.options.secondOpinion)
      screening = await this.options.secondOpinion.review(screening, call);
    if (screening && screening.action !== 'allow') {
      // The score and the kinds of signal, never the text that raised them.
      this.options.logger.warn(
        {
          feature: call.feature,
          accountId: call.accountId,
          requestId: call.requestId ?? null,
          injectionScore: screening.score,
          signals: screening.kinds,
          action: screening.action,
        },
        screening.action === 'block'
          ? 'untrusted input refused: it looks like a prompt injection'
          : 'untrusted input looks like a prompt injection',
      );
    }
    return new ProtectionSession(call, screening, this.options);
  }
}

type Redaction = RedactionSummary & Restorable & { messages: ChatMessage[] };

export class ProtectionSession implements ProtectedCall {
  readonly refusal: string | null;
  readonly injectionScore: number | null;
  readonly canary = createCanary();
  /** Set once an answer revealed the canary. */
  canaryLeaked = false;
  private redactionMemo: Redaction | null = null;
  private lastAnswer: { provider: string; restorer: AnswerRestorer } | null = null;

  constructor(
    private readonly call: GatewayCall,
    /** The injection screen's verdict; null when the call carries no untrusted data. */
    readonly screening: Screening | null,
    private readonly options: DataProtectionOptions,
  ) {
    this.refusal = screening?.action === 'block' ? INJECTION_REFUSAL : null;
    this.injectionScore =
      screening && (screening.action === 'flag' || screening.action === 'block')
        ? screening.score
        : null;
  }

  /** The call's messages with personal data replaced, computed on first use. */
  get redaction(): Redaction {
    this.redactionMemo ??= redactMessages(this.call.messages, this.options.pii);
    return this.redactionMemo;
  }

  redacts(provider: string): boolean {
    return redactsFor(this.options.providers[provider]);
  }

  /** Occurrences replaced per kind in what `provider` was sent. */
  redactionsFor(provider: string): PiiCounts {
    return this.redacts(provider) ? this.redaction.counts : {};
  }

  prepare(target: Target): PreparedMessages {
    const redacted = this.redacts(target.provider);
    const base = redacted ? this.redaction.messages : this.call.messages;
    // Read only when the answer could be cached (detection is skipped otherwise for a trusted
    // target); raw personal data is never a cache key.
    const cacheMessages = () => (redacted || this.redaction.total === 0 ? base : null);
    return {
      messages: withCanary(base, this.canary),
      redacted,
      get cacheMessages() {
        return cacheMessages();
      },
      restorer: () => {
        const restorer =
          !redacted || this.redaction.total === 0
            ? passThrough()
            : this.call.responseFormat
              ? jsonRestorer(this.redaction)
              : proseRestorer(this.redaction);
        this.lastAnswer = { provider: target.provider, restorer };
        return restorer;
      },
    };
  }

  leaks(text: string): boolean {
    if (!leaksCanary(text, this.canary)) return false;
    this.canaryLeaked = true;
    this.options.logger.warn(
      {
        feature: this.call.feature,
        accountId: this.call.accountId,
        requestId: this.call.requestId ?? null,
      },
      'a model revealed its instructions (canary in its answer); the answer was refused',
    );
    return true;
  }

  /** The prompt as a third party is sent it: placeholders for personal data, the canary planted. */
  redactedPrompt(): ChatMessage[] {
    return withCanary(this.redaction.messages, this.canary);
  }

  /** The last answer as received, with personal data replaced when its provider was sent raw text. */
  redactedAnswer(): string | null {
    if (!this.lastAnswer) return null;
    const { provider, restorer } = this.lastAnswer;
    return this.redacts(provider)
      ? restorer.received
      : redact(restorer.received, this.options.pii).text;
  }
}

/** The messages with the canary line added to the system prompt (or a system prompt holding only it). */
function withCanary(messages: readonly ChatMessage[], canary: string): ChatMessage[] {
  const at = messages.findIndex((message) => message.role === 'system');
  if (at < 0) return [{ role: 'system', content: canaryInstruction(canary) }, ...messages];
  return messages.map((message, index) =>
    index === at ? { ...message, content: plantCanary(message.content, canary).prompt } : message,
  );
}
