/**
 * What to do about a score. The gateway is configured with one of three actions per feature
 * (log, flag, block); the thresholds say from which score each applies. A policy whose action is
 * `flag` also logs, and `block` also flags: `injectionAction()` answers the strongest that applies.
 */
export type InjectionAction = 'allow' | 'log' | 'flag' | 'block';

export interface InjectionPolicy {
  /** From this score the assessment is logged (with its signals, never the whole text). */
  log: number;
  /** From this score the request is marked (e.g. the answer carries a warning, the audit row a flag). */
  flag: number;
  /** From this score the request is refused before any provider call. */
  block: number;
}

/**
 * Defaults: one weak signal (an "act as", a mention of a system prompt) is logged; one strong
 * signal (an override, an extraction request, a chat-template token) is flagged; blocking takes
 * two independent strong signals or a decoded payload, so a false positive there needs two
 * coincidences.
 */
export const DEFAULT_INJECTION_POLICY: Readonly<InjectionPolicy> = {
  log: 0.3,
  flag: 0.5,
  block: 0.9,
};

export function injectionAction(
  score: number,
  policy: InjectionPolicy = DEFAULT_INJECTION_POLICY,
): InjectionAction {
  if (score >= policy.block) return 'block';
  if (score >= policy.flag) return 'flag';
  if (score >= policy.log) return 'log';
  return 'allow';
}
