/**
 * The cascade's decision for one ticket, as a pure function: a pinned keyword rule wins; the local
 * model decides alone when it is sure; otherwise the LLM decides; and a person reviews whatever
 * neither is sure of, what is Unknown, and what the two disagree on strongly.
 */
import type { Alternative, DecidedBy } from '../../infra/store/routing/predictions.js';
import type { CascadePolicy } from '../../infra/store/routing/taxonomies.js';
import type { RouterPrediction } from '../../ml/index.js';
import type { LlmVerdict } from './llm-router.js';

export interface Decision {
  category: string | null;
  confidence: number;
  decidedBy: DecidedBy;
  needsReview: boolean;
  reason: string;
  alternatives: Alternative[];
}

export interface Evidence {
  rule?: { keyword: string; category: string } | null;
  local?: RouterPrediction | null;
  llm?: LlmVerdict | null;
  /** Why the LLM gave no verdict (not configured, failed), when it was needed. */
  llmMissing?: string;
}

export function decide(policy: CascadePolicy, evidence: Evidence): Decision {
  const { rule, local, llm } = evidence;
  const alternatives: Alternative[] = local
    ? local.alternatives.map((alternative) => ({
        category: alternative.label,
        confidence: alternative.confidence,
      }))
    : [];
  if (rule)
    return {
      category: rule.category,
      confidence: 1,
      decidedBy: 'RULE',
      needsReview: false,
      reason: `matched the pinned keyword "${rule.keyword}"`,
      alternatives,
    };
  if (local?.label && local.confidence >= policy.localThreshold) {
    return {
      category: local.label,
      confidence: local.confidence,
      decidedBy: 'LOCAL_MODEL',
      needsReview: false,
      reason: `local model is ${percent(local.confidence)} sure`,
      alternatives,
    };
  }
  if (llm) {
    const localTop = local?.alternatives[0];
    const disagree = Boolean(
      localTop &&
      llm.category &&
      localTop.label !== llm.category &&
      localTop.confidence >= policy.reviewThreshold,
    );
    const unsure = llm.category === null || llm.confidence < policy.reviewThreshold;
    const why =
      llm.category === null
        ? 'the LLM found no fitting category'
        : disagree
          ? `the local model preferred ${localTop!.label} (${percent(localTop!.confidence)})`
          : unsure
            ? 'the LLM is not sure'
            : '';
    return {
      category: llm.category,
      confidence: llm.confidence,
      decidedBy: 'LLM',
      needsReview: unsure || disagree,
      reason: why ? `${llm.reason} (review: ${why})` : llm.reason,
      alternatives:
        alternatives.length > 0
          ? alternatives
          : llm.category
            ? [{ category: llm.category, confidence: llm.confidence }]
            : [],
    };
  }
  if (!local)
    return {
      category: null,
      confidence: 0,
      decidedBy: 'LOCAL_MODEL',
      needsReview: true,
      reason: `no router is trained for this taxonomy yet; ${evidence.llmMissing ?? 'no LLM configured'}`,
      alternatives,
    };
  return {
    category: local.label,
    confidence: local.confidence,
    decidedBy: 'LOCAL_MODEL',
    needsReview: true,
    reason: `${local.label ? `local model is only ${percent(local.confidence)} sure` : 'local model finds it out of scope'}; ${evidence.llmMissing ?? 'no LLM configured'}`,
    alternatives,
  };
}

const percent = (value: number) => `${Math.round(value * 100)}%`;
