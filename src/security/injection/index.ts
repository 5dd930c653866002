/**
 * Prompt-injection screening of untrusted text and canary tokens for system prompts
 * (DESIGN.md, Security). Pure and synchronous.
 */
export {
  assessInjection,
  STRUCTURAL_WEIGHTS,
  type AssessOptions,
  type InjectionAssessment,
  type InjectionSignal,
} from './assess.js';
export { RULES, type InjectionSignalKind, type Rule } from './rules.js';
export {
  injectionProbability,
  shippedModel,
  type EncodedModel,
  type InjectionModel,
} from './classifier.js';
export {
  DEFAULT_INJECTION_POLICY,
  injectionAction,
  type InjectionAction,
  type InjectionPolicy,
} from './policy.js';
export {
  CANARY_PREFIX,
  canaryInstruction,
  createCanary,
  leaksCanary,
  plantCanary,
} from './canary.js';
