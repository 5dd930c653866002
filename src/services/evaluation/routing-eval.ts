/**
 * One batch of a routing evaluation: the TEST-split tickets go through `RoutingService.route` as
 * `routeTickets` would send them, in the chosen mode, with `persist: false` so the decisions never
 * become production predictions (no review queue, no production metrics).
 */
import type { Account } from '../../domain.js';
import type { NewEvalResult } from '../../infra/store/evaluation/eval-runs.js';
import type { RoutingCase } from '../../infra/store/evaluation/routing-cases.js';
import type { RoutingService } from '../ticket-routing/service.js';
import type { RoutingTarget } from './targets.js';

export async function evaluateRoutingBatch(
  routing: RoutingService,
  account: Account,
  taxonomyId: string,
  target: RoutingTarget,
  batch: readonly { item: RoutingCase; position: number }[],
  signal: AbortSignal,
): Promise<NewEvalResult[]> {
  const tickets = batch.map(({ item }) => ({
    id: item.id,
    subject: item.subject,
    body: item.body,
  }));
  const decisions = await routing.route(account, tickets, taxonomyId, signal, {
    stages: target.mode,
    llmTargets: target.llm ? [target.llm] : undefined,
    persist: false,
  });
  return decisions.map((decision, index) => {
    const { item, position } = batch[index]!;
    return {
      caseId: item.id,
      position,
      expected: item.category,
      predicted: decision.category,
      correct: decision.category !== null && decision.category === item.category,
      decidedBy: decision.decidedBy,
      needsReview: decision.needsReview,
      confidence: decision.confidence,
      score: null,
      // The latency of the batch the ticket was routed in, as `routeTickets` reports it.
      latencyMs: decision.latencyMs,
      inputTokens: decision.inputTokens,
      outputTokens: decision.outputTokens,
      costUsd: decision.costUsd,
      generationId: null,
      detail: {
        localCategory: decision.localCategory,
        llmCategory: decision.llmCategory,
        reason: decision.reason.slice(0, 300),
        alternatives: decision.alternatives.slice(0, 3),
        text: [item.subject, item.body].filter(Boolean).join(' — ').slice(0, 300),
      },
    };
  });
}
