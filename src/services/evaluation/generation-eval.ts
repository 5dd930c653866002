/**
 * One case of a generation evaluation: the case's input goes through the capability exactly as a
 * product request would (the runner: prompt, gateway, corrective retry, parsing, grounding check),
 * served by the chosen target; then the deterministic checks; then, with a judge, rubric scores
 * and a pairwise comparison in both orders against the reference or another target's draft.
 */
import type { Account, Feature } from '../../domain.js';
import type { LlmGateway } from '../../llm/gateway.js';
import type { Target } from '../../llm/provider-chains.js';
import type { NewEvalResult } from '../../infra/store/evaluation/eval-runs.js';
import type { GenerationCaseRecord } from '../../infra/store/evaluation/generation-datasets.js';
import type { GenerationRecord } from '../../infra/store/generations.js';
import type { GenerationCapability } from '../../features/capability.js';
import type { GenerationRunner } from '../generation/runner.js';
import { checkDraft } from './checks.js';
import { reviveDates } from './datasets.js';
import {
  DEFAULT_RUBRIC,
  combinePairwise,
  pairwisePrompt,
  pairwiseResponseFormat,
  parsePairwiseAnswer,
  parseRubricAnswer,
  rubricPrompt,
  rubricResponseFormat,
  type CriterionScore,
  type PositionVerdict,
} from './judge.js';
import { targetsOf, type GenerationTarget } from './targets.js';

/** A case passes when its checks pass and, when judged, its mean rubric score reaches this. */
export const PASS_SCORE = 3.5;

export interface GenerationEvalPlan {
  runId: string;
  target: GenerationTarget;
  judge: Target | null;
  /** What the draft is compared with, pairwise; null: no comparison. */
  pairwiseAgainst: { kind: 'REFERENCE' } | { kind: 'TARGET'; target: GenerationTarget } | null;
}

export interface GenerationEvalDependencies {
  runner: GenerationRunner;
  gateway: LlmGateway;
  capabilityOf: (feature: Feature) => GenerationCapability<unknown, unknown> | undefined;
}

interface JudgeCall {
  text: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export async function evaluateGenerationCase(
  deps: GenerationEvalDependencies,
  account: Account,
  plan: GenerationEvalPlan,
  item: GenerationCaseRecord,
  position: number,
  signal: AbortSignal,
): Promise<NewEvalResult | null> {
  const capability = deps.capabilityOf(item.feature);
  const base = {
    caseId: item.id,
    position,
    expected: null,
    predicted: null,
    decidedBy: null,
    needsReview: false,
    confidence: null,
  };
  if (!capability) {
    return {
      ...base,
      correct: false,
      score: null,
      latencyMs: 0,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
      generationId: null,
      detail: { feature: item.feature, error: `no capability serves ${item.feature}` },
    };
  }
  const draft = async (
    target: GenerationTarget,
  ): Promise<GenerationRecord | { failed: string }> => {
    try {
      return await deps.runner.start(capability, reviveDates(capability.inputSchema, item.input), {
        account,
        stream: false,
        signal,
        evaluation: { runId: plan.runId, targets: targetsOf(target) },
      });
    } catch (error) {
      // Input the capability refuses is a failed case, not a failed run.
      return { failed: (error as Error).message };
    }
  };

  const generation = await draft(plan.target);
  if (signal.aborted) return null;
  if ('failed' in generation) {
    return {
      ...base,
      correct: false,
      score: null,
      latencyMs: 0,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
      generationId: null,
      detail: { feature: item.feature, error: generation.failed },
    };
  }
  const succeeded = generation.status === 'SUCCEEDED';
  const checks = checkDraft(
    { succeeded, text: generation.text, groundingIssues: generation.groundingIssues.length },
    item,
  );
  const judgeUsage = { inputTokens: 0, outputTokens: 0, costUsd: 0 };
  const ask = async (
    messages: ReturnType<typeof rubricPrompt>,
    responseFormat: typeof rubricResponseFormat,
  ): Promise<JudgeCall> => {
    const answer = await deps.gateway.generate({
      feature: item.feature,
      accountId: account.id,
      messages,
      responseFormat,
      signal,
      targets: [plan.judge!],
      temperature: 0,
    });
    judgeUsage.inputTokens += answer.usage.inputTokens;
    judgeUsage.outputTokens += answer.usage.outputTokens;
    judgeUsage.costUsd += answer.usage.costUsd;
    return { text: answer.text, ...answer.usage };
  };

  let rubric: { scores: CriterionScore[]; mean: number } | null = null;
  let pairwise: Record<string, unknown> | null = null;
  let judgeError: string | null = null;
  if (plan.judge && succeeded) {
    try {
      const criteria = item.rubric.length > 0 ? item.rubric : DEFAULT_RUBRIC;
      const answer = await ask(
        rubricPrompt({
          feature: item.feature,
          input: item.input,
          reference: item.reference,
          output: generation.text,
          rubric: criteria,
        }),
        rubricResponseFormat,
      );
      const scores = parseRubricAnswer(answer.text, criteria);
      rubric = {
        scores,
        mean: scores.reduce((sum, score) => sum + score.score, 0) / scores.length,
      };

      const other = await comparisonText(plan, item, draft);
      if (signal.aborted) return null;
      if (other) {
        // Both orders, one after the other: the candidate as A, then as B.
        const first = parsePairwiseAnswer(
          (
            await ask(
              pairwisePrompt({
                feature: item.feature,
                input: item.input,
                a: generation.text,
                b: other.text,
              }),
              pairwiseResponseFormat,
            )
          ).text,
        );
        const second = parsePairwiseAnswer(
          (
            await ask(
              pairwisePrompt({
                feature: item.feature,
                input: item.input,
                a: other.text,
                b: generation.text,
              }),
              pairwiseResponseFormat,
            )
          ).text,
        );
        const combined = combinePairwise(
          first.winner as PositionVerdict,
          second.winner as PositionVerdict,
        );
        pairwise = {
          against: other.label,
          ...combined,
          candidateFirst: first,
          candidateSecond: second,
        };
      }
    } catch (error) {
      if (signal.aborted) return null;
      judgeError = (error as Error).message.slice(0, 500);
    }
  }
  if (signal.aborted) return null;

  const usage = generation.usage ?? { inputTokens: 0, outputTokens: 0, costUsd: 0 };
  return {
    ...base,
    decidedBy: generation.provider ? `${generation.provider}:${generation.model}` : null,
    correct: checks.passed && (rubric === null || rubric.mean >= PASS_SCORE),
    score: rubric?.mean ?? null,
    latencyMs: generation.latencyMs ?? 0,
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    costUsd: usage.costUsd,
    generationId: generation.id,
    detail: {
      feature: item.feature,
      status: generation.status,
      error: generation.error?.message ?? null,
      checks,
      rubric: rubric?.scores ?? null,
      pairwise,
      judgeError,
      judge: judgeUsage,
      output: generation.text.slice(0, 1_500),
    },
  };
}

async function comparisonText(
  plan: GenerationEvalPlan,
  item: GenerationCaseRecord,
  draft: (target: GenerationTarget) => Promise<GenerationRecord | { failed: string }>,
): Promise<{ label: string; text: string } | null> {
  if (!plan.pairwiseAgainst) return null;
  if (plan.pairwiseAgainst.kind === 'REFERENCE')
    return item.reference ? { label: 'REFERENCE', text: item.reference } : null;
  const other = await draft(plan.pairwiseAgainst.target);
  if ('failed' in other || other.status !== 'SUCCEEDED') return null;
  return { label: other.provider ? `${other.provider}:${other.model}` : 'CHAIN', text: other.text };
}
