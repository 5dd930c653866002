/** Evaluation: runs, their progress and comparison, generation datasets, feedback, production metrics and routing ROI. */
import { forbidden, satisfies } from '../../security/field-guard.js';
import { feedbackScopes } from '../../security/scopes.js';
import type { EvalRunRecord } from '../../infra/store/evaluation/eval-runs.js';
import type { Resolvers } from '../__generated__/resolvers-types.js';
import { connectionOf, pageSize } from '../connection.js';
import { decodeCursor, decodePosition, encodeCursor, encodePosition } from '../cursor.js';

export const evaluationResolvers: Resolvers = {
  Query: {
    evalRun: async (_parent, { id }, { services, account }) =>
      services.evaluation.runs.find(account, id).catch(() => null),
    evalRuns: async (_parent, { kind, datasetId, first, after }, { services, account }) => {
      const size = pageSize(first, 20, 100);
      const page = await services.evaluation.runs.list(
        account,
        { kind, datasetId },
        size,
        after ? decodeCursor(after) : null,
      );
      return connectionOf(page, encodeCursor, { after });
    },
    compareEvalRuns: (_parent, { a, b }, { services, account }) =>
      services.evaluation.runs.compare(account, a, b),
    generationDatasets: (_parent, _args, { services, account }) =>
      services.evaluation.datasets.list(account),
    evalMetrics: async (_parent, { feature, since, until, bucket }, { services, account }) => {
      const metrics = await services.evaluation.production.metrics(
        account,
        feature,
        bucket ?? 'DAY',
        since,
        until,
      );
      return { ...metrics, bucket: bucket ?? 'DAY' };
    },
    routingRoi: (_parent, { taxonomyId, since, until }, { services, account }) =>
      services.evaluation.production.roi(account, taxonomyId, since, until),
  },
  Mutation: {
    startEvalRun: (_parent, { input }, { services, account }) =>
      services.evaluation.runs.start(account, input),
    resumeEvalRun: (_parent, { id }, { services, account }) =>
      services.evaluation.runs.resume(account, id),
    cancelEvalRun: (_parent, { id }, { services, account }) =>
      services.evaluation.runs.cancel(account, id),
    createGenerationDataset: (_parent, { input }, { services, account }) =>
      services.evaluation.datasets.create(account, input),
    importGenerationCases: (_parent, { datasetId, cases }, { services, account }) =>
      services.evaluation.datasets.importCases(account, datasetId, cases),
    submitFeedback: async (_parent, { input }, { services, account }) => {
      const { rule, what } = feedbackScopes(input);
      if (!satisfies(rule, account)) throw forbidden(rule, what);
      const { feedback, labeledTicketCreated } = await services.evaluation.feedback.submit(
        account,
        input,
      );
      return { ...feedback, labeledTicketCreated };
    },
  },
  Subscription: {
    evalRunProgress: {
      subscribe: async (_parent, { id }, { services, account, signal }) => {
        // Fail the subscription itself (NOT_FOUND) for a run the caller cannot see.
        await services.evaluation.runs.find(account, id);
        return services.evaluation.runs.watch(account, id, signal);
      },
      resolve: (run: EvalRunRecord) => run,
    },
  },
  EvalRun: {
    progress: (run) => ({ done: run.done, total: run.total }),
    judgePromptJson: (run) => (run.judgePrompt ? JSON.stringify(run.judgePrompt) : null),
    metrics: async (run, _args, { services, account }) => {
      if (run.done === 0 && !run.summary) return null;
      const summary = await services.evaluation.runs.summary(account, run);
      return summary.kind === 'ROUTING'
        ? { __typename: 'RoutingEvalMetrics' as const, ...summary }
        : { __typename: 'GenerationEvalMetrics' as const, ...summary };
    },
    results: async (run, { correct, first, after }, { services, account }) => {
      const size = pageSize(first, 100, 500);
      const page = await services.evaluation.runs.resultPage(
        account,
        run.id,
        { correct },
        size,
        after ? decodePosition(after) : null,
      );
      return connectionOf(page, (result) => encodePosition(result.position), { after });
    },
    error: (run) =>
      run.error ? { code: run.error.code as never, message: run.error.message } : null,
    reportPath: (run) => `/reports/eval/${run.id}`,
  },
  EvalCaseResult: {
    generation: (result, _args, { loaders }) =>
      result.generationId ? loaders.generation.load(result.generationId) : null,
    detailJson: (result) => JSON.stringify(result.detail),
  },
  RoutingEvalMetrics: {
    weakestCategories: (summary, { first }) =>
      summary.categories
        .filter((category) => category.support > 0)
        .sort(
          (a, b) => a.f1 - b.f1 || b.support - a.support || a.category.localeCompare(b.category),
        )
        .slice(0, pageSize(first, 10, 500)),
    topConfusions: (summary, { first }) => summary.topConfusions.slice(0, pageSize(first, 20, 500)),
  },
  GenerationDataset: {
    cases: (dataset, _args, { services, account }) =>
      services.evaluation.datasets.countCases(account, dataset.id),
  },
  EvalRunComparison: {
    pairedCases: (view) => view.comparison.pairedCases,
    bothRight: (view) => view.comparison.bothRight,
    bothWrong: (view) => view.comparison.bothWrong,
    deltas: (view) => view.comparison.deltas,
    regressed: (view, { first }) =>
      view.comparison.regressed.slice(0, pageSize(first, 100, 10_000)),
    improved: (view, { first }) => view.comparison.improved.slice(0, pageSize(first, 100, 10_000)),
    regressedCount: (view) => view.comparison.regressed.length,
    improvedCount: (view) => view.comparison.improved.length,
    mcnemar: (view) => view.comparison.mcnemar,
  },
};
