/**
 * The gateway's screen as a service of its own (`Query.screenText`): each text gets the injection
 * score and action `screenUntrusted` gives a gateway call carrying that text, and the spans the
 * redactor would replace. Spans only: the screen never hands personal data back.
 */
import type { InjectionAction } from '../injection/index.js';
import { findPii, type DetectOptions, type PiiKind } from '../pii/index.js';
import { screenUntrusted, type InjectionSettings } from './injection-screen.js';
import type { SecondOpinion, SecondOpinionRecord } from './second-opinion.js';

export interface PiiSpan {
  kind: PiiKind;
  /** UTF-16 offsets, `end` exclusive. */
  start: number;
  end: number;
}

export interface TextScreening {
  score: number;
  action: InjectionAction;
  pii: PiiSpan[];
  /** The model's usable opinion when the score was in the uncertain band (INJECTION_SECOND_OPINION). */
  secondOpinion: SecondOpinionRecord | null;
}

/** Who screens, for the second opinion's gateway call (account limits, audit). */
export interface ScreeningCaller {
  accountId: string;
  requestId?: string;
  signal?: AbortSignal;
}

export interface ScreeningReview {
  secondOpinion?: SecondOpinion;
  caller?: ScreeningCaller;
}

export async function screenTexts(
  texts: readonly string[],
  injection: InjectionSettings,
  pii: DetectOptions = {},
  { secondOpinion, caller }: ScreeningReview = {},
): Promise<TextScreening[]> {
  const out: TextScreening[] = [];
  const reviews: Promise<void>[] = [];
  for (const text of texts) {
    const screening = await screenUntrusted([text], injection);
    const result: TextScreening = {
      score: screening?.score ?? 0,
      action: screening?.action ?? 'allow',
      pii: findPii(text, pii).map(({ kind, start, end }) => ({ kind, start, end })),
      secondOpinion: null,
    };
    out.push(result);
    // Asked side by side, so a call's wait is one timeout, not one per text.
    if (screening && caller && secondOpinion?.inBand(screening.score))
      reviews.push(
        secondOpinion.review(screening, caller).then((reviewed) => {
          result.action = reviewed.action;
          result.secondOpinion = reviewed.secondOpinion;
        }),
      );
  }
  await Promise.all(reviews);
  return out;
}
