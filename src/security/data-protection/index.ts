/**
 * Data protection of issue #7, wired into the LLM gateway: prompt-injection screening of untrusted
 * data, PII redaction for providers outside the trust boundary and restoration of answers, the
 * canary check, and the audit log of provider calls.
 */
export { AuditObserver, observeAll, type AuditOptions } from './audit-observer.js';
export {
  SCREEN_SEGMENT_CHARS,
  screenUntrusted,
  weakerAction,
  type ConfiguredInjectionAction,
  type InjectionSettings,
  type Screening,
} from './injection-screen.js';
export {
  DataProtection,
  INJECTION_REFUSAL,
  ProtectionSession,
  redactsFor,
  type DataProtectionOptions,
} from './protection.js';
export {
  jsonRestorer,
  passThrough,
  proseRestorer,
  restoreJson,
  type AnswerRestorer,
} from './restore.js';
export {
  SecondOpinion,
  type InjectionJudge,
  type InjectionVerdict,
  type JudgeRequest,
  type ReviewedScreening,
  type SecondOpinionOutcome,
  type SecondOpinionRecord,
  type SecondOpinionSettings,
} from './second-opinion.js';
export {
  screenTexts,
  type PiiSpan,
  type ScreeningCaller,
  type TextScreening,
} from './text-screening.js';
export { segments, untrustedText } from './untrusted.js';
