/**
 * The gateway's screen as a service of its own (`Query.screenText`): each text gets the injection
 * score and action `screenUntrusted` gives a gateway call carrying that text, and the spans the
 * redactor would replace. Spans only: the screen never hands personal data back.
 */
import type { InjectionAction } from '../injection/index.js';
import { findPii, type DetectOptions, type PiiKind } from '../pii/index.js';
import { screenUntrusted, type InjectionSettings } from './injection-screen.js';

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
}

export async function screenTexts(
  texts: readonly string[],
  injection: InjectionSettings,
  pii: DetectOptions = {},
): Promise<TextScreening[]> {
  const out: TextScreening[] = [];
  for (const text of texts) {
    const screening = await screenUntrusted([text], injection);
    out.push({
      score: screening?.score ?? 0,
      action: screening?.action ?? 'allow',
      pii: findPii(text, pii).map(({ kind, start, end }) => ({ kind, start, end })),
    });
  }
  return out;
}
