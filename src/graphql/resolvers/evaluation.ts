/** Evaluation: runs, their progress and comparison, generation datasets, feedback, production metrics and routing ROI. */
import { forbidden, satisfies } from '../../security/field-guard.js';
import { feedbackScopes } from '../../security/scopes.js';
import type { EvalRunRecord } from '../../infra/store/evaluation/eval-runs.js';
import type { DecidedBy, Resolvers } from '../__generated__/resolvers-types.js';
import type { FlippedCase } from '../../services/evaluation/compare.js';
import { connectionOf, pageSize } from '../connection.js';
import { decodeCursor, decodePosition, encodeCursor, encodePosition } from '../cursor.js';
import { payloadOf } from '../user-errors.js';
import { ErrorCode, ServiceError } from '../../errors.js';

/** The service's feedback paths (`generationId`) as the input spells them (`subject.generationId`). */
const FEEDBACK_SUBJECT = /^(generationId|predictionId)\b/;

/** One page of a comparison's flipped cases (computed in memory, in case order), after a position. */
function flippedPage(
  flipped: readonly FlippedCase[],
  first: number | null | undefined,
  after: string | null | undefined,
) {
  const size = pageSize(first, 100, 1_000);
  const from = after ? decodePosition(after) : null;
  const rest = flipped
    .filter((flip) => from === null || flip.position > from)
    .sort((a, b) => a.position - b.position);
  return {
    ...connectionOf(
      { items: rest.slice(0, size), hasNextPage: rest.length > size },
      (flip) => encodePosition(flip.position),
      { after },
    ),
    totalCount: flipped.length,
  };
}

/** The stages an evaluated routing decision can come from (no reviewer in an evaluation). */
const ROUTING_STAGES: ReadonlySet<string> = new Set<DecidedBy>(['LOCAL_MODEL', 'LLM', 'RULE']);

const DRIFT_METRICS = {
  acceptanceRate: 'ACCEPTANCE_RATE',
  routingAccuracy: 'ROUTING_ACCURACY',
} as const;

export const evaluationResolvers: Resolvers = {
  Query: {
    evalRun: async (_parent, { id }, { services, account }) =>
      services.evaluation.runs.find(account, id).catch(() => null),
    evalRuns: async (_parent, { kind, datasetId, first, after }, { services, account }) => {
      const size = pageSize(first, 20, 100);
      const [page, totalCount] = await Promise.all([
        services.evaluation.runs.list(
          account,
          { kind, datasetId },
          size,
          after ? decodeCursor(after) : null,
        ),
        services.evaluation.runs.count(account, { kind, datasetId }),
      ]);
      return { ...connectionOf(page, encodeCursor, { after }), totalCount };
    },
    compareEvalRuns: (_parent, { a, b }, { services, account }) =>
      services.evaluation.runs.compare(account, a, b),
    generationDatasets: async (_parent, { first, after }, { services, account }) => {
      const { page, totalCount } = await services.evaluation.datasets.page(
        account,
        pageSize(first, 20, 100),
        after ? decodeCursor(after) : null,
      );
      return { ...connectionOf(page, encodeCursor, { after }), totalCount };
    },
    evalMetrics: async (_parent, { feature, since, until, bucket }, { services, account }) => {
      const metrics = await services.evaluation.production.metrics(
        account,
        feature,
        bucket ?? 'DAY',
        since,
        until,
      );
      return {
        ...metrics,
        bucket: bucket ?? 'DAY',
        drift: { ...metrics.drift, metric: DRIFT_METRICS[metrics.drift.metric] },
      };
    },
    routingRoi: (_parent, { taxonomyId, since, until }, { services, account }) =>
      services.evaluation.production.roi(account, taxonomyId, since, until),
  },
  Mutation: {
    startEvalRun: async (_parent, { input }, { services, account }) => ({
      evalRun: null,
      ...(await payloadOf(
        async () => ({ evalRun: await services.evaluation.runs.start(account, input) }),
        ['input'],
        { NOT_FOUND: ['input', 'datasetId'] },
      )),
    }),
    resumeEvalRun: async (_parent, { input }, { services, account }) => ({
      evalRun: null,
      ...(await payloadOf(
        async () => ({ evalRun: await services.evaluation.runs.resume(account, input.id) }),
        ['input'],
        { NOT_FOUND: ['input', 'id'] },
      )),
    }),
    cancelEvalRun: async (_parent, { input }, { services, account }) => ({
      evalRun: null,
      ...(await payloadOf(
        async () => ({ evalRun: await services.evaluation.runs.cancel(account, input.id) }),
        ['input'],
        { NOT_FOUND: ['input', 'id'] },
      )),
    }),
    createGenerationDataset: async (_parent, { input }, { services, account }) => ({
      generationDataset: null,
      ...(await payloadOf(
        async () => ({
          generationDataset: await services.evaluation.datasets.create(account, input),
        }),
        ['input'],
        // The one conflict there is: the name is taken.
        { CONFLICT: ['input', 'name'] },
      )),
    }),
    importGenerationCases: async (_parent, { input }, { services, account }) => ({
      generationDataset: null,
      imported: null,
      duplicates: null,
      rejected: null,
      ...(await payloadOf(
        async () => {
          const { dataset, ...outcome } = await services.evaluation.datasets.importCases(
            account,
            input.datasetId,
            input.cases,
          );
          return { ...outcome, generationDataset: dataset };
        },
        ['input'],
        { NOT_FOUND: ['input', 'datasetId'] },
      )),
    }),
    submitFeedback: async (_parent, { input }, { services, account }) => {
      const { subject, ...rest } = input;
      const flat = {
        ...rest,
        generationId: subject.generationId ?? null,
        predictionId: subject.predictionId ?? null,
      };
      // Authorization is a GraphQL error, not a user error: checked before the payload.
      const { rule, what } = feedbackScopes(flat);
      if (!satisfies(rule, account)) throw forbidden(rule, what);
      if (Boolean(flat.generationId) === Boolean(flat.predictionId))
        return {
          feedback: null,
          userErrors: [
            {
              field: ['input', 'subject'],
              code: 'BAD_USER_INPUT' as const,
              message: 'give exactly one of generationId and predictionId',
            },
          ],
        };
      const payload = await payloadOf(
        async () => {
          const { feedback, labeledTicketCreated } = await services.evaluation.feedback.submit(
            account,
            flat,
          );
          return { feedback: { ...feedback, labeledTicketCreated } };
        },
        ['input'],
        { NOT_FOUND: ['input', 'subject'] },
      );
      return {
        feedback: null,
        ...payload,
        userErrors: payload.userErrors.map((error) =>
          error.field?.[0] === 'input' && FEEDBACK_SUBJECT.test(error.field[1] ?? '')
            ? { ...error, field: ['input', 'subject', ...error.field.slice(1)] }
            : error,
        ),
      };
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
    routerModel: (run, _args, { loaders }) =>
      run.routerModelId ? loaders.routerModel.load(run.routerModelId) : null,
    judgePromptJson: (run) => (run.judgePrompt ? JSON.stringify(run.judgePrompt) : null),
    metrics: async (run, _args, { services, account }) => {
      if (run.done === 0 && !run.summary) return null;
      const summary = await services.evaluation.runs.summary(account, run);
      return summary.kind === 'ROUTING'
        ? { __typename: 'RoutingEvalMetrics' as const, ...summary }
        : { __typename: 'GenerationEvalMetrics' as const, ...summary };
    },
    dataset: async (run, _args, { services, account }) => {
      if (run.kind === 'GENERATION') {
        const dataset = await services.evaluation.datasets.findOrNull(account, run.datasetId);
        return dataset ? { __typename: 'GenerationDataset' as const, ...dataset } : null;
      }
      const taxonomy = await services.routing
        .taxonomy(account, run.datasetId)
        .catch((error: unknown) => {
          if (ServiceError.isInstance(error) && error.code === ErrorCode.NOT_FOUND) return null;
          throw error;
        });
      return taxonomy ? { __typename: 'Taxonomy' as const, ...taxonomy } : null;
    },
    results: async (run, { correct, first, after }, { services, account }) => {
      const size = pageSize(first, 100, 500);
      const [page, totalCount] = await Promise.all([
        services.evaluation.runs.resultPage(
          account,
          run.id,
          { correct },
          size,
          after ? decodePosition(after) : null,
        ),
        services.evaluation.runs.countResults(account, run.id, { correct }),
      ]);
      return {
        ...connectionOf(page, (result) => encodePosition(result.position), { after }),
        totalCount,
      };
    },
    error: (run) =>
      run.error ? { code: run.error.code as never, message: run.error.message } : null,
    reportPath: (run) => `/reports/eval/${run.id}`,
  },
  EvalCaseResult: {
    // One stored column: a routing stage (`LLM`) or, for a draft, the `provider:model`.
    decidedBy: (result) =>
      result.decidedBy && ROUTING_STAGES.has(result.decidedBy)
        ? (result.decidedBy as DecidedBy)
        : null,
    // A routing case always has its labeled category; a generation case has none.
    needsReview: (result) => (result.expected === null ? null : result.needsReview),
    draftedBy: (result) =>
      result.decidedBy && !ROUTING_STAGES.has(result.decidedBy) ? result.decidedBy : null,
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
  Feedback: {
    generation: (feedback, _args, { loaders }) =>
      feedback.generationId ? loaders.generation.load(feedback.generationId) : null,
    prediction: (feedback, _args, { services, account }) =>
      feedback.predictionId ? services.routing.prediction(account, feedback.predictionId) : null,
  },
  RoutingRoi: {
    taxonomy: (roi, _args, { services, account }) =>
      services.routing.taxonomy(account, roi.taxonomyId),
    accuracySource: (roi) => (roi.accuracySource === 'NONE' ? null : roi.accuracySource),
    evalRun: (roi, _args, { services, account }) =>
      roi.evalRunId
        ? services.evaluation.runs.find(account, roi.evalRunId).catch(() => null)
        : null,
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
    regressed: (view, { first, after }) => flippedPage(view.comparison.regressed, first, after),
    improved: (view, { first, after }) => flippedPage(view.comparison.improved, first, after),
    mcnemar: (view) => view.comparison.mcnemar,
  },
};
