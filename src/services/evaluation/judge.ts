/**
 * LLM-as-judge: rubric scoring and pairwise comparison of drafts, with versioned prompts and
 * JSON-schema answers through the gateway's `responseFormat`.
 *
 * Pairwise verdicts are asked twice, with the two texts in swapped positions, because judges
 * favour a position. The candidate wins only when both orders say so, loses only when both say
 * the other text wins; anything else — a tie in either order, or a verdict that follows the
 * position rather than the text — is a tie.
 */
import { z } from 'zod';
import type { ChatMessage, ResponseFormat } from '../../llm/spec.js';
import { dataInstructions, fenceTag, fenced } from '../../features/shared/fence.js';
import { safeParseJson } from '../../features/validate.js';

/** Bump whenever either prompt below changes; stored with every run that used it. */
export const JUDGE_PROMPT_VERSION = 'judge/1';

export const RUBRIC_SYSTEM = [
  'You are a strict evaluator of drafts written by an AI assistant for incident response and support teams.',
  'Score the draft against each criterion from 1 (fails it) to 5 (fully meets it), with a one-sentence reason naming what you saw.',
  'Judge only against the task input and, when given, the reference; a fact in the draft that the input does not support lowers faithfulness.',
  'Answer in JSON following the given schema, one entry per criterion, in the order given.',
].join('\n');

export const PAIRWISE_SYSTEM = [
  'You compare two drafts, A and B, written for the same task input, and say which serves the reader better.',
  'Weigh faithfulness to the input first, then completeness, then clarity. Length alone is not quality.',
  'Answer "A", "B", or "TIE" when neither is clearly better, with a one-sentence reason. Answer in JSON following the given schema.',
].join('\n');

/** Criteria used when a case brings no rubric of its own. */
export const DEFAULT_RUBRIC = [
  'Faithful: states nothing the input does not support',
  'Complete: covers what its reader needs from the input',
  'Clear: well organised and written for its audience',
  'Actionable: next steps, owners and times are concrete where the input gives them',
];

/** What is stored with a run, so every score can be traced to the words that produced it. */
export function judgePromptRecord(): {
  version: string;
  rubric: string;
  pairwise: string;
  defaultRubric: string[];
} {
  return {
    version: JUDGE_PROMPT_VERSION,
    rubric: RUBRIC_SYSTEM,
    pairwise: PAIRWISE_SYSTEM,
    defaultRubric: DEFAULT_RUBRIC,
  };
}

const rubricAnswerSchema = z.object({
  scores: z.array(
    z.object({ criterion: z.string(), score: z.number().int().min(1).max(5), reason: z.string() }),
  ),
});

const pairwiseAnswerSchema = z.object({ winner: z.enum(['A', 'B', 'TIE']), reason: z.string() });

export const rubricResponseFormat: ResponseFormat = {
  name: 'rubric_scores',
  schema: z.toJSONSchema(rubricAnswerSchema) as Record<string, unknown>,
};
export const pairwiseResponseFormat: ResponseFormat = {
  name: 'pairwise_verdict',
  schema: z.toJSONSchema(pairwiseAnswerSchema) as Record<string, unknown>,
};

export interface CriterionScore {
  criterion: string;
  score: number;
  reason: string;
}

export function rubricPrompt(task: {
  feature: string;
  input: unknown;
  reference: string | null;
  output: string;
  rubric: readonly string[];
}): ChatMessage[] {
  const tag = fenceTag();
  const user = [
    `Task: a ${task.feature.toLowerCase().replaceAll('_', ' ')} draft.`,
    fenced(tag, 'task input', JSON.stringify(task.input, null, 2)),
    task.reference ? fenced(tag, 'reference written by a person', task.reference) : '',
    fenced(tag, 'draft to score', task.output),
    'Criteria:',
    ...task.rubric.map((criterion, index) => `${index + 1}. ${criterion}`),
  ]
    .filter(Boolean)
    .join('\n\n');
  return [
    { role: 'system', content: `${RUBRIC_SYSTEM}\n${dataInstructions(tag)}` },
    { role: 'user', content: user },
  ];
}

/** The judge's scores matched to the rubric by position; throws when the answer does not fit. */
export function parseRubricAnswer(text: string, rubric: readonly string[]): CriterionScore[] {
  const parsed = safeParseJson(rubricAnswerSchema, text);
  if (!parsed.success)
    throw new JudgeAnswerError(
      `the judge's rubric answer does not follow the schema: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    );
  if (parsed.data.scores.length < rubric.length)
    throw new JudgeAnswerError(
      `the judge scored ${parsed.data.scores.length} of ${rubric.length} criteria`,
    );
  return rubric.map((criterion, index) => ({
    criterion,
    score: parsed.data.scores[index]!.score,
    reason: parsed.data.scores[index]!.reason.slice(0, 500),
  }));
}

export function pairwisePrompt(task: {
  feature: string;
  input: unknown;
  a: string;
  b: string;
}): ChatMessage[] {
  const tag = fenceTag();
  const user = [
    `Task: a ${task.feature.toLowerCase().replaceAll('_', ' ')} draft.`,
    fenced(tag, 'task input', JSON.stringify(task.input, null, 2)),
    fenced(tag, 'draft A', task.a),
    fenced(tag, 'draft B', task.b),
  ].join('\n\n');
  return [
    { role: 'system', content: `${PAIRWISE_SYSTEM}\n${dataInstructions(tag)}` },
    { role: 'user', content: user },
  ];
}

export type PositionVerdict = 'A' | 'B' | 'TIE';

export function parsePairwiseAnswer(text: string): { winner: PositionVerdict; reason: string } {
  const parsed = safeParseJson(pairwiseAnswerSchema, text);
  if (!parsed.success)
    throw new JudgeAnswerError(
      `the judge's pairwise answer does not follow the schema: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    );
  return { winner: parsed.data.winner, reason: parsed.data.reason.slice(0, 500) };
}

export type PairwiseOutcome = 'WIN' | 'TIE' | 'LOSS';

/**
 * Combines the two orders. `candidateFirst` is the verdict with the candidate as A; `candidateSecond`
 * the verdict with the candidate as B.
 */
export function combinePairwise(
  candidateFirst: PositionVerdict,
  candidateSecond: PositionVerdict,
): { outcome: PairwiseOutcome; positionConsistent: boolean } {
  // In candidate terms: W (candidate better), L (other better), T.
  const first = candidateFirst === 'A' ? 'W' : candidateFirst === 'B' ? 'L' : 'T';
  const second = candidateSecond === 'B' ? 'W' : candidateSecond === 'A' ? 'L' : 'T';
  if (first === 'W' && second === 'W') return { outcome: 'WIN', positionConsistent: true };
  if (first === 'L' && second === 'L') return { outcome: 'LOSS', positionConsistent: true };
  // The same letter in both orders (A then A, or B then B) is the position talking, not the text.
  return { outcome: 'TIE', positionConsistent: first === second };
}

export class JudgeAnswerError extends Error {
  override name = 'JudgeAnswerError';
}
