/**
 * `screenText` (scope `screen`): the gateway's injection screen and PII detector for product
 * teams' own flows. Bounded like every input; one audit row per call (the audit log shows who
 * screened how much, and what was found, never the text).
 */
import { badInput } from '../../errors.js';
import type { Resolvers, ScreeningDecision } from '../__generated__/resolvers-types.js';

/** Texts per call and characters per text. */
export const SCREEN_LIMITS = { texts: 500, characters: 100_000 } as const;

const DECISIONS = {
  allow: 'ALLOW',
  log: 'LOG',
  flag: 'FLAG',
  block: 'BLOCK',
} as const satisfies Record<string, ScreeningDecision>;

export const screeningResolvers: Resolvers = {
  Query: {
    screenText: async (_parent, { texts }, { account, services, requestId, signal }) => {
      if (texts.length > SCREEN_LIMITS.texts)
        throw badInput(`texts: at most ${SCREEN_LIMITS.texts} per call`);
      const long = texts.findIndex((text) => text.length > SCREEN_LIMITS.characters);
      if (long >= 0)
        throw badInput(`texts[${long}]: at most ${SCREEN_LIMITS.characters} characters`);
      const started = performance.now();
      const screenings = await services.dataProtection.screenTexts(texts, {
        accountId: account.id,
        requestId,
        signal,
      });
      services.audit.screened(
        { accountId: account.id, requestId, latencyMs: Math.round(performance.now() - started) },
        screenings,
      );
      return screenings.map(({ score, action, pii, secondOpinion }) => ({
        injectionScore: score,
        decision: DECISIONS[action],
        pii,
        secondOpinion: secondOpinion && {
          model: secondOpinion.model,
          injection: secondOpinion.injection,
          confidence: secondOpinion.confidence,
          screenDecision: DECISIONS[secondOpinion.screenAction],
        },
      }));
    },
  },
};
