/**
 * The prompt-injection screen of one gateway call: each untrusted item (a capability's input, a
 * ticket) is assessed on its own and the call takes the highest score, so two tickets from two
 * customers in one routing batch do not add up to a block. What happens then is the weaker of the
 * score's level (`injectionAction`) and the configured action (INJECTION_ACTION): with `flag`
 * configured, even a score past the block threshold is only flagged.
 */
import {
  assessInjection,
  injectionAction,
  type InjectionAction,
  type InjectionPolicy,
  type InjectionSignalKind,
} from '../injection/index.js';
import { segments, untrustedText } from './untrusted.js';

export type ConfiguredInjectionAction = Exclude<InjectionAction, 'allow'>;

export interface InjectionSettings {
  /** The strongest action taken (INJECTION_ACTION): `log`, `flag` (default) or `block`. */
  action: ConfiguredInjectionAction;
  /** From which score each action applies (INJECTION_*_THRESHOLD). */
  policy: InjectionPolicy;
}

export interface Screening {
  /** The highest score of any untrusted item, 0 to 1. */
  score: number;
  /** The kinds of signal behind that score, strongest first; never the text that raised them. */
  kinds: InjectionSignalKind[];
  /** What the service does about it. */
  action: InjectionAction;
  /** The untrusted piece that gave the score, for a second opinion (second-opinion.ts); never logged. */
  passage: string;
}

/**
 * The assessment reads about a megabyte a second; a long log is screened in pieces of this many
 * characters, cut at line ends, with the event loop let go between pieces.
 */
export const SCREEN_SEGMENT_CHARS = 64 * 1024;

const STRENGTH: Record<InjectionAction, number> = { allow: 0, log: 1, flag: 2, block: 3 };

export function weakerAction(a: InjectionAction, b: InjectionAction): InjectionAction {
  return STRENGTH[a] <= STRENGTH[b] ? a : b;
}

/** Screens a call's untrusted items; null when it carries none. */
export async function screenUntrusted(
  untrusted: readonly unknown[] | undefined,
  settings: InjectionSettings,
): Promise<Screening | null> {
  if (!untrusted || untrusted.length === 0) return null;
  let score = 0;
  let kinds: InjectionSignalKind[] = [];
  let passage = '';
  let sinceYield = 0;
  for (const item of untrusted) {
    for (const piece of segments(untrustedText(item), SCREEN_SEGMENT_CHARS)) {
      if (sinceYield >= SCREEN_SEGMENT_CHARS) {
        await new Promise((resolve) => setImmediate(resolve));
        sinceYield = 0;
      }
      sinceYield += piece.length;
      const assessment = assessInjection(piece);
      if (assessment.score > score) {
        score = assessment.score;
        kinds = [...new Set(assessment.signals.map((signal) => signal.kind))];
        passage = piece;
      }
    }
  }
  return {
    score,
    kinds,
    action: weakerAction(injectionAction(score, settings.policy), settings.action),
    passage,
  };
}
