/**
 * Routing evaluation through GraphQL on a CLINC150 subset: the local model alone against an LLM
 * alone (the OpenAI double, answering one category for everything), compared case by case with
 * McNemar's test; cancelling; feedback corrections becoming labeled tickets; accuracy on reviewed
 * decisions over time; and the ROI of automatic routing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clincSubset } from '../../support/clinc.js';
import { routingThroughDouble } from '../../support/llm-config.js';
import { startOpenAiDouble, type OpenAiDouble } from '../../support/openai-double.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const INTENTS = [
  'card_declined',
  'lost_luggage',
  'pin_change',
  'transfer',
  'bill_due',
  'reset_settings',
  'book_flight',
  'insurance',
];
const RUN =
  'id status target progress { done total } metrics { ... on RoutingEvalMetrics { cases accuracy macroF1 reviewShare autoRoutedAccuracy stages { decidedBy share } costUsd } }';

interface Run {
  id: string;
  status: string;
  target: string;
  progress: { done: number; total: number };
  metrics: {
    cases: number;
    accuracy: number;
    macroF1: number;
    reviewShare: number;
    autoRoutedAccuracy: number;
    stages: { decidedBy: string; share: number }[];
    costUsd: number;
  } | null;
}

describe('routing evaluation runs, compared', () => {
  let double: OpenAiDouble;
  let server: TestServer;
  let taxonomyId: string;

  const start = async (input: Record<string, unknown>) => {
    const result = await server.graphql<{ startEvalRun: { evalRun: Run; userErrors: unknown[] } }>(
      `mutation($input: StartEvalRunInput!) { startEvalRun(input: $input) { evalRun { ${RUN} } userErrors { field code message } } }`,
      { input: { kind: 'ROUTING', datasetId: taxonomyId, ...input } },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.startEvalRun.userErrors).toEqual([]);
    return result.data!.startEvalRun.evalRun;
  };
  const finished = async (id: string): Promise<Run> => {
    for (;;) {
      const { data } = await server.graphql<{ evalRun: Run }>(
        `query($id: ID!) { evalRun(id: $id) { ${RUN} } }`,
        { id },
      );
      if (data!.evalRun.status !== 'RUNNING') return data!.evalRun;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  beforeAll(async () => {
    double = await startOpenAiDouble();
    // Whatever it is asked, the LLM answers "transfer" for up to 20 tickets of a call.
    double.setDefault({
      kind: 'json',
      value: {
        results: Array.from({ length: 20 }, (_, id) => ({
          id: String(id),
          category: 'transfer',
          confidence: 0.9,
          reason: 'money',
        })),
      },
      usage: { inputTokens: 1000, outputTokens: 100 },
    });
    const LLM_CONFIG = routingThroughDouble(double.url, {
      prices: { 'openai:gpt-test': { inputPerMillionUsd: 1, outputPerMillionUsd: 1 } },
    });
    server = await startTestServer({
      LLM_CONFIG,
      OPENAI_API_KEY: 'sk-test',
      ROUTING_TRIAGE_SECONDS_PER_TICKET: '90',
      ROUTING_TRIAGE_HOURLY_COST_USD: '40',
      ROUTING_SETUP_COST_USD: '10',
    });
    const created = await server.graphql<{ createTaxonomy: { taxonomy: { id: string } } }>(
      'mutation($input: CreateTaxonomyInput!) { createTaxonomy(input: $input) { taxonomy { id } } }',
      {
        input: {
          name: 'support',
          categories: INTENTS.map((intent) => ({
            name: intent,
            description: intent.replace('_', ' '),
          })),
        },
      },
    );
    taxonomyId = created.data!.createTaxonomy.taxonomy.id;
    const rows = [...clincSubset('train', INTENTS), ...clincSubset('test', INTENTS)].map(
      ([body, category]) => ({ body, category }),
    );
    for (let offset = 0; offset < rows.length; offset += 1_000) {
      await server.graphql(
        'mutation($id: ID!, $rows: [LabeledTicketInput!]!) { importLabeledTickets(input: { taxonomyId: $id, examples: $rows }) { imported } }',
        { id: taxonomyId, rows: rows.slice(offset, offset + 1_000) },
      );
    }
    await server.graphql(
      'mutation($id: ID!) { trainRouter(input: { taxonomyId: $id }) { model { id } } }',
      {
        id: taxonomyId,
      },
    );
  });
  afterAll(async () => {
    await server.stop();
    await double.close();
  });

  it('evaluates the local model alone and an LLM alone on the same TEST split, and compares them', async () => {
    const local = await finished((await start({ target: 'LOCAL_MODEL' })).id);
    const calls = double.calls;
    const llm = await finished((await start({ target: 'openai:gpt-test' })).id);
    expect(local).toMatchObject({ status: 'SUCCEEDED', target: 'LOCAL_MODEL' });
    expect(llm).toMatchObject({ status: 'SUCCEEDED', target: 'openai:gpt-test' });
    expect(local.metrics!.stages.map((stage) => stage.decidedBy)).toEqual(['LOCAL_MODEL']);
    expect(llm.metrics!.stages).toEqual([{ decidedBy: 'LLM', share: 1 }]);
    // Batches of 20: one LLM call per 20 tickets, cost shared out.
    expect(double.calls - calls).toBe(Math.ceil(llm.progress.total / 20));
    expect(llm.metrics!.costUsd).toBeCloseTo(((double.calls - calls) * 1100) / 1_000_000, 8);
    expect(local.metrics!.accuracy).toBeGreaterThan(0.8);
    expect(llm.metrics!.accuracy).toBeLessThan(0.25);
    // The run names the model it evaluated, as an object a frontend can show without a second query.
    const named = await server.graphql<{
      evalRun: { routerModel: { id: string; taxonomy: { id: string }; trainedOn: number } };
      taxonomies: { nodes: { id: string; model: { id: string } }[] };
    }>(
      'query($id: ID!) { evalRun(id: $id) { routerModel { id taxonomy { id } trainedOn } } taxonomies(first: 10) { nodes { id model { id } } } }',
      { id: local.id },
    );
    expect(named.errors).toBeUndefined();
    expect(named.data!.evalRun.routerModel).toMatchObject({
      id: named.data!.taxonomies.nodes.find((node) => node.id === taxonomyId)!.model.id,
      taxonomy: { id: taxonomyId },
    });
    expect(named.data!.evalRun.routerModel.trainedOn).toBeGreaterThan(100);

    const compared = await server.graphql<{
      compareEvalRuns: {
        pairedCases: number;
        bothRight: number;
        bothWrong: number;
        regressed: {
          totalCount: number;
          nodes: { expected: string; predictedA: string; predictedB: string; position: number }[];
          edges: { cursor: string }[];
          pageInfo: { hasNextPage: boolean; endCursor: string };
        };
        improved: { totalCount: number };
        deltas: { metric: string; a: number; b: number; delta: number }[];
        mcnemar: { b: number; c: number; method: string; statistic: number | null; pValue: number };
      };
    }>(
      `query($a: ID!, $b: ID!) { compareEvalRuns(a: $a, b: $b) { pairedCases bothRight bothWrong
          regressed(first: 5) { totalCount nodes { expected predictedA predictedB position } edges { cursor } pageInfo { hasNextPage endCursor } }
          improved(first: 1) { totalCount } deltas { metric a b delta } mcnemar { b c method statistic pValue } } }`,
      { a: local.id, b: llm.id },
    );
    expect(compared.errors).toBeUndefined();
    const comparison = compared.data!.compareEvalRuns;
    const regressedCount = comparison.regressed.totalCount;
    const improvedCount = comparison.improved.totalCount;
    expect(regressedCount).toBeGreaterThan(5);
    expect(comparison.regressed.nodes).toHaveLength(5);
    expect(comparison.regressed.pageInfo.hasNextPage).toBe(true);
    // The next page continues in case order after the last one shown.
    const next = await server.graphql<{
      compareEvalRuns: { regressed: { nodes: { position: number }[]; totalCount: number } };
    }>(
      'query($a: ID!, $b: ID!, $after: String) { compareEvalRuns(a: $a, b: $b) { regressed(first: 2, after: $after) { nodes { position } totalCount } } }',
      { a: local.id, b: llm.id, after: comparison.regressed.pageInfo.endCursor },
    );
    const nextPositions = next.data!.compareEvalRuns.regressed.nodes.map((node) => node.position);
    expect(nextPositions[0]).toBeGreaterThan(comparison.regressed.nodes[4]!.position);
    expect(next.data!.compareEvalRuns.regressed.totalCount).toBe(regressedCount);
    expect(comparison.pairedCases).toBe(local.progress.total);
    expect(comparison.bothRight + comparison.bothWrong + regressedCount + improvedCount).toBe(
      comparison.pairedCases,
    );
    expect(
      comparison.regressed.nodes.every(
        (flip) => flip.predictedA === flip.expected && flip.predictedB === 'transfer',
      ),
    ).toBe(true);
    expect(comparison.mcnemar).toMatchObject({
      b: regressedCount,
      c: improvedCount,
      method: 'CHI_SQUARE_CORRECTED',
    });
    expect(comparison.mcnemar.statistic).toBeCloseTo(
      (Math.abs(regressedCount - improvedCount) - 1) ** 2 / (regressedCount + improvedCount),
      8,
    );
    expect(comparison.mcnemar.pValue).toBeLessThan(0.001);
    const accuracy = comparison.deltas.find((delta) => delta.metric === 'accuracy')!;
    expect(accuracy.delta).toBeCloseTo(llm.metrics!.accuracy - local.metrics!.accuracy, 10);
  });

  it('refuses runs it cannot do, and cancels a running one keeping what finished', async () => {
    // Each refusal is a user error (code and field path), with no run.
    const refusal = async (input: Record<string, unknown>) => {
      const result = await server.graphql<{
        startEvalRun: { evalRun: null; userErrors: { field: string[] | null; code: string }[] };
      }>(
        'mutation($input: StartEvalRunInput!) { startEvalRun(input: $input) { evalRun { id } userErrors { field code } } }',
        { input: { kind: 'ROUTING', datasetId: taxonomyId, ...input } },
      );
      expect(result.errors).toBeUndefined();
      expect(result.data!.startEvalRun.evalRun).toBeNull();
      return result.data!.startEvalRun.userErrors[0];
    };
    expect((await refusal({ target: 'nowhere:model' }))?.code).toBe('BAD_USER_INPUT');
    expect((await refusal({ target: 'builtin:builtin' }))?.code).toBe('BAD_USER_INPUT');
    expect((await refusal({ judge: 'openai:gpt-test' }))?.code).toBe('BAD_USER_INPUT');
    expect(await refusal({ concurrency: 100 })).toEqual({
      field: ['input', 'concurrency'],
      code: 'BAD_USER_INPUT',
    });
    expect(await refusal({ datasetId: '00000000-0000-4000-8000-000000000000' })).toEqual({
      field: ['input', 'datasetId'],
      code: 'NOT_FOUND',
    });

    double.enqueue(...Array.from({ length: 3 }, () => ({ kind: 'delay' as const, ms: 400 })));
    const running = await start({ target: 'openai:gpt-test', batchSize: 5, concurrency: 1 });
    const cancelled = await server.graphql<{ cancelEvalRun: { evalRun: Run } }>(
      `mutation($id: ID!) { cancelEvalRun(input: { id: $id }) { evalRun { ${RUN} } } }`,
      { id: running.id },
    );
    expect(cancelled.data!.cancelEvalRun.evalRun.status).toBe('CANCELLED');
    // A routing run's dataset is its taxonomy, as an object.
    const ranOn = await server.graphql<{ evalRun: { dataset: unknown } }>(
      'query($id: ID!) { evalRun(id: $id) { dataset { __typename ... on Taxonomy { id } } } }',
      { id: running.id },
    );
    expect(ranOn.data!.evalRun.dataset).toEqual({ __typename: 'Taxonomy', id: taxonomyId });
    expect(cancelled.data!.cancelEvalRun.evalRun.progress.done).toBeLessThan(
      running.progress.total,
    );
  });

  it('turns a correction into a labeled ticket and measures accuracy on reviewed decisions and the ROI', async () => {
    const tickets = clincSubset('test', INTENTS)
      .slice(0, 40)
      .map(([body], index) => ({ id: `T-${index}`, body }));
    const routed = await server.graphql<{
      routeTickets: { id: string; category: string | null; needsReview: boolean }[];
    }>(
      'query($t: [TicketInput!]!, $id: ID) { routeTickets(tickets: $t, taxonomyId: $id) { id category needsReview } }',
      { t: tickets, id: taxonomyId },
    );
    const predictions = routed.data!.routeTickets;
    const automatic = predictions.filter(
      (prediction) => !prediction.needsReview && prediction.category,
    );
    expect(automatic.length).toBeGreaterThan(10);
    const submit = (input: Record<string, unknown>) =>
      server.graphql<{
        submitFeedback: {
          feedback: {
            correctedCategory: string | null;
            labeledTicketCreated: boolean;
            feature: string;
            generation: unknown;
            prediction: { id: string; category: string | null } | null;
          } | null;
          userErrors: { field: string[] | null; code: string }[];
        };
      }>(
        'mutation($input: SubmitFeedbackInput!) { submitFeedback(input: $input) { feedback { correctedCategory labeledTicketCreated feature generation { id } prediction { id category } } userErrors { field code } } }',
        { input },
      );
    // One decision corrected, three confirmed with a thumbs up.
    const wrongCategory = automatic[0]!.category === 'insurance' ? 'transfer' : 'insurance';
    const corrected = await submit({
      subject: { predictionId: automatic[0]!.id },
      correctedCategory: wrongCategory.toUpperCase(),
      comment: 'wrong queue',
    });
    expect(corrected.data!.submitFeedback).toEqual({
      feedback: {
        correctedCategory: wrongCategory,
        labeledTicketCreated: true,
        feature: 'ROUTING',
        generation: null,
        // The decision it is about, as the router made it.
        prediction: { id: automatic[0]!.id, category: automatic[0]!.category },
      },
      userErrors: [],
    });
    for (const prediction of automatic.slice(1, 4))
      expect(
        (await submit({ subject: { predictionId: prediction.id }, rating: 'UP' })).data!
          .submitFeedback.userErrors,
      ).toEqual([]);
    expect(
      (
        await submit({
          subject: { predictionId: automatic[0]!.id },
          correctedCategory: 'weather',
        })
      ).data!.submitFeedback.userErrors,
    ).toEqual([{ field: ['input', 'correctedCategory'], code: 'BAD_USER_INPUT' }]);
    expect(
      (await submit({ subject: { predictionId: automatic[0]!.id }, finalText: 'x' })).data!
        .submitFeedback.userErrors[0]!.code,
    ).toBe('BAD_USER_INPUT');

    const metrics = await server.graphql<{
      evalMetrics: {
        series: {
          requests: number;
          withOutcome: number;
          routingAccuracy: number | null;
          rated: number;
          thumbsUpRatio: number | null;
        }[];
        drift: { metric: string };
      };
    }>(
      '{ evalMetrics(feature: ROUTING, bucket: DAY) { series { requests withOutcome routingAccuracy rated thumbsUpRatio } drift { metric } } }',
    );
    expect(metrics.errors).toBeUndefined();
    // Evaluation runs stored no production predictions: only the 40 routed here count.
    expect(metrics.data!.evalMetrics.series.at(-1)).toEqual({
      requests: 40,
      withOutcome: 4,
      routingAccuracy: 0.75,
      rated: 3,
      thumbsUpRatio: 1,
    });
    expect(metrics.data!.evalMetrics.drift.metric).toBe('ROUTING_ACCURACY');

    const roi = await server.graphql<{ routingRoi: Record<string, unknown> }>(
      `query($id: ID!) { routingRoi(taxonomyId: $id) { decisions autoRouted sentToReview triageHoursSaved grossSavingUsd expectedMisroutes misrouteCostUsd llmSpendUsd netSavingUsd
        setupCostUsd paybackDays autoRoutedAccuracy accuracySource reviewedAutoRouted reviewedAutoRoutedAccuracy evalRun { id } taxonomy { id } } }`,
      { id: taxonomyId },
    );
    expect(roi.errors).toBeUndefined();
    const figures = roi.data!.routingRoi;
    const auto = predictions.filter((prediction) => !prediction.needsReview).length;
    expect(figures).toMatchObject({
      decisions: 40,
      autoRouted: auto,
      sentToReview: 40 - auto,
      reviewedAutoRouted: 4,
      reviewedAutoRoutedAccuracy: 0.75,
      setupCostUsd: 10,
      taxonomy: { id: taxonomyId },
    });
    // Fewer than 30 checked decisions: no CASCADE run exists, so the reviewed ones are used.
    expect(figures.accuracySource).toBe('REVIEWED');
    expect(figures.triageHoursSaved).toBeCloseTo((auto * 90) / 3600, 10);
    expect(figures.grossSavingUsd).toBeCloseTo((auto * 90 * 40) / 3600, 10);
    expect(figures.expectedMisroutes).toBeCloseTo(auto * 0.25, 10);
    expect(figures.netSavingUsd).toBeCloseTo(
      (figures.grossSavingUsd as number) -
        (figures.misrouteCostUsd as number) -
        (figures.llmSpendUsd as number),
      10,
    );
    expect(figures.paybackDays).toBeCloseTo(10 / ((figures.netSavingUsd as number) / 30), 6);
  });
});
