/**
 * Generation evaluation through GraphQL: a dataset of status-update cases drafted by the builtin
 * provider, judged by an LLM (the OpenAI double): rubric scores and pairwise comparison against the
 * reference in both orders, ties and position-inconsistent verdicts; progress over graphql-ws;
 * feedback (explicit and implicit) and the production metrics it feeds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRAFT_STATUS_UPDATE, statusUpdateInput } from '../../fixtures/status-update.js';
import { writeLlmConfig } from '../../support/llm-config.js';
import {
  startOpenAiDouble,
  type OpenAiDouble,
  type RecordedRequest,
} from '../../support/openai-double.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const RUN = `id kind status target judge pairwiseAgainst judgePromptVersion judgePromptJson progress { done total } error { code message }
  metrics { ... on GenerationEvalMetrics { cases passRate validRate sectionsRate groundedRate judged meanScore scoreHistogram judgeFailures
    criteria { criterion meanScore count } pairwise { compared wins ties losses winRate positionInconsistent } } }
  results(first: 10) { totalCount edges { cursor } nodes { caseId position correct score decidedBy draftedBy needsReview generation { id feature provider } detailJson } } dataset { __typename ... on GenerationDataset { id name } }`;

interface RunView {
  id: string;
  status: string;
  judgePromptVersion: string;
  judgePromptJson: string;
  progress: { done: number; total: number };
  metrics: {
    cases: number;
    judged: number;
    meanScore: number;
    scoreHistogram: number[];
    judgeFailures: number;
    criteria: { criterion: string; meanScore: number; count: number }[];
    pairwise: {
      compared: number;
      wins: number;
      ties: number;
      losses: number;
      winRate: number;
      positionInconsistent: number;
    };
  };
  dataset: { __typename: string; id: string; name: string } | null;
  results: {
    totalCount: number;
    edges: { cursor: string }[];
    nodes: {
      caseId: string;
      position: number;
      correct: boolean;
      score: number;
      decidedBy: string | null;
      draftedBy: string | null;
      needsReview: boolean | null;
      generation: { id: string; provider: string };
      detailJson: string;
    }[];
  };
}

const userText = (request: RecordedRequest) =>
  String(request.body!.messages!.find((message) => message.role === 'user')!.content);

describe('generation evaluation with an LLM judge', () => {
  let double: OpenAiDouble;
  let server: TestServer;
  let reference: string;
  let productionDraftId: string;

  beforeAll(async () => {
    double = await startOpenAiDouble();
    const LLM_CONFIG = writeLlmConfig({
      providers: { openai: { type: 'openai', baseURL: double.url }, builtin: { type: 'builtin' } },
      defaults: { chain: ['builtin:builtin'], retries: 0 },
      prices: { 'openai:judge-model': { inputPerMillionUsd: 1, outputPerMillionUsd: 2 } },
    });
    server = await startTestServer({ LLM_CONFIG, OPENAI_API_KEY: 'sk-test' });
    const draft = await server.graphql<{
      draftStatusUpdate: { generation: { id: string; text: string } };
    }>(DRAFT_STATUS_UPDATE, { input: statusUpdateInput() });
    expect(draft.errors).toBeUndefined();
    // A person's version of the same update, recognisable by its first line.
    reference = `Reviewed by the incident lead.\n${draft.data!.draftStatusUpdate.generation.text}`;
    productionDraftId = draft.data!.draftStatusUpdate.generation.id;
  });
  afterAll(async () => {
    await server.stop();
    await double.close();
  });

  it('imports cases, refusing those the capability would refuse, with their positions', async () => {
    const created = await server.graphql<{
      createGenerationDataset: {
        generationDataset: { id: string; name: string; cases: number };
        userErrors: unknown[];
      };
    }>(
      'mutation { createGenerationDataset(input: { name: "status-updates", description: "checkout incident" }) { generationDataset { id name cases } userErrors { field code } } }',
    );
    expect(created.data!.createGenerationDataset).toMatchObject({
      generationDataset: { name: 'status-updates', cases: 0 },
      userErrors: [],
    });
    const datasetId = created.data!.createGenerationDataset.generationDataset.id;
    // The same name again is a conflict at the name, with nothing created.
    const taken = await server.graphql<{ createGenerationDataset: unknown }>(
      'mutation { createGenerationDataset(input: { name: "status-updates" }) { generationDataset { id } userErrors { field code } } }',
    );
    expect(taken.data!.createGenerationDataset).toEqual({
      generationDataset: null,
      userErrors: [{ field: ['input', 'name'], code: 'CONFLICT' }],
    });
    const cases = [
      {
        feature: 'STATUS_UPDATE',
        inputJson: JSON.stringify(statusUpdateInput()),
        reference,
        rubric: ['Faithful to the timeline', 'Clear for responders'],
      },
      {
        feature: 'STATUS_UPDATE',
        inputJson: JSON.stringify(statusUpdateInput({ audience: 'CUSTOMER' })),
        reference,
      },
      {
        feature: 'STATUS_UPDATE',
        inputJson: JSON.stringify(statusUpdateInput({ audience: 'EXECUTIVE' })),
        reference,
      },
      { feature: 'STATUS_UPDATE', inputJson: '{"audience": "NOBODY"}' },
      { feature: 'ROUTING', inputJson: '{}' },
      { feature: 'STATUS_UPDATE', inputJson: 'not json' },
    ];
    const imported = await server.graphql<{
      importGenerationCases: {
        imported: number;
        duplicates: number;
        rejected: { row: number; reason: string }[];
        generationDataset: { cases: number };
      };
    }>(
      'mutation($input: ImportGenerationCasesInput!) { importGenerationCases(input: $input) { imported duplicates rejected { row reason } generationDataset { cases } } }',
      { input: { datasetId, cases } },
    );
    expect(imported.errors).toBeUndefined();
    expect(imported.data!.importGenerationCases).toMatchObject({
      imported: 3,
      duplicates: 0,
      generationDataset: { cases: 3 },
    });
    expect(imported.data!.importGenerationCases.rejected.map((row) => row.row)).toEqual([4, 5, 6]);
    expect(imported.data!.importGenerationCases.rejected[1]!.reason).toMatch(
      /not a generation capability/,
    );
    const again = await server.graphql<{
      importGenerationCases: { imported: number; duplicates: number };
    }>(
      'mutation($input: ImportGenerationCasesInput!) { importGenerationCases(input: $input) { imported duplicates } }',
      { input: { datasetId, cases: cases.slice(0, 1) } },
    );
    expect(again.data!.importGenerationCases).toEqual({ imported: 0, duplicates: 1 });
    // An unknown dataset stores nothing and names the field.
    const unknown = await server.graphql<{ importGenerationCases: unknown }>(
      'mutation($input: ImportGenerationCasesInput!) { importGenerationCases(input: $input) { imported userErrors { field code } } }',
      { input: { datasetId: '00000000-0000-4000-8000-000000000000', cases: cases.slice(0, 1) } },
    );
    expect(unknown.data!.importGenerationCases).toEqual({
      imported: null,
      userErrors: [{ field: ['input', 'datasetId'], code: 'NOT_FOUND' }],
    });
  });

  it('scores each draft on its rubric and compares it with the reference in both orders; position bias is a tie', async () => {
    const datasets = await server.graphql<{
      generationDatasets: { nodes: { id: string }[]; totalCount: number };
    }>('{ generationDatasets { nodes { id } totalCount } }');
    expect(datasets.data!.generationDatasets.totalCount).toBe(1);
    const datasetId = datasets.data!.generationDatasets.nodes[0]!.id;
    const rubric = (count: number, score: number) => ({
      kind: 'json' as const,
      value: {
        scores: Array.from({ length: count }, (_, index) => ({
          criterion: `c${index}`,
          score,
          reason: `score ${score}`,
        })),
      },
    });
    const verdict = (winner: 'A' | 'B' | 'TIE') => ({
      kind: 'json' as const,
      value: { winner, reason: `${winner} reads better` },
      usage: { inputTokens: 1000, outputTokens: 20 },
    });
    const before = double.calls;
    double.enqueue(
      // Case 1 (its own rubric of two criteria): the draft wins in both orders.
      rubric(2, 5),
      verdict('A'),
      verdict('B'),
      // Case 2: the judge always prefers whatever comes first: a tie, position-inconsistent.
      rubric(4, 3),
      verdict('A'),
      verdict('A'),
      // Case 3: a tie in both orders.
      rubric(4, 4),
      verdict('TIE'),
      verdict('TIE'),
    );

    const client = server.wsClient();
    const started = await server.graphql<{
      startEvalRun: { evalRun: { id: string; status: string; progress: { total: number } } };
    }>(
      'mutation($input: StartEvalRunInput!) { startEvalRun(input: $input) { evalRun { id status progress { total } } } }',
      { input: { kind: 'GENERATION', datasetId, judge: 'openai:judge-model', concurrency: 1 } },
    );
    expect(started.errors).toBeUndefined();
    expect(started.data!.startEvalRun.evalRun).toMatchObject({
      status: 'RUNNING',
      progress: { total: 3 },
    });
    const id = started.data!.startEvalRun.evalRun.id;

    const events: { status: string; progress: { done: number } }[] = [];
    await new Promise<void>((resolve, reject) =>
      client.subscribe<{ evalRunProgress: { status: string; progress: { done: number } } }>(
        {
          query: 'subscription($id: ID!) { evalRunProgress(id: $id) { status progress { done } } }',
          variables: { id },
        },
        {
          next: (result) =>
            result.errors
              ? reject(new Error(JSON.stringify(result.errors)))
              : events.push(result.data!.evalRunProgress),
          error: reject,
          complete: resolve,
        },
      ),
    );
    expect(events.at(-1)).toEqual({ status: 'SUCCEEDED', progress: { done: 3 } });
    expect(events.map((event) => event.progress.done)).toEqual(
      [...events.map((event) => event.progress.done)].sort(),
    );

    const { data, errors } = await server.graphql<{ evalRun: RunView }>(
      `query($id: ID!) { evalRun(id: $id) { ${RUN} } }`,
      { id },
    );
    expect(errors).toBeUndefined();
    const run = data!.evalRun;
    expect(run).toMatchObject({
      status: 'SUCCEEDED',
      judgePromptVersion: 'judge/1',
      progress: { done: 3, total: 3 },
      dataset: { __typename: 'GenerationDataset', id: datasetId },
    });
    expect(run.results.totalCount).toBe(3);
    expect(run.results.edges).toHaveLength(3);
    expect(JSON.parse(run.judgePromptJson)).toMatchObject({
      version: 'judge/1',
      rubric: expect.stringContaining('Score the draft'),
      pairwise: expect.stringContaining('two drafts, A and B'),
    });
    expect(run.metrics.pairwise).toEqual({
      compared: 3,
      wins: 1,
      ties: 2,
      losses: 0,
      winRate: (1 + 2 / 2) / 3,
      positionInconsistent: 1,
    });
    expect(run.metrics).toMatchObject({
      cases: 3,
      judged: 3,
      judgeFailures: 0,
      scoreHistogram: [0, 0, 1, 1, 1],
    });
    expect(run.metrics.meanScore).toBeCloseTo(4, 10);
    expect(
      run.metrics.criteria.find((criterion) => criterion.criterion === 'Faithful to the timeline'),
    ).toEqual({ criterion: 'Faithful to the timeline', meanScore: 5, count: 1 });
    for (const result of run.results.nodes) {
      expect(result.draftedBy).toBe('builtin:builtin');
      expect(result.decidedBy).toBeNull();
      expect(result.needsReview).toBeNull();
      expect(result.generation.provider).toBe('builtin');
    }

    // The judge saw nine requests: per case a rubric, then the candidate as A, then the candidate as B.
    const judged = double.requests.slice(before);
    expect(judged).toHaveLength(9);
    for (let index = 0; index < 9; index += 3) {
      expect(judged[index]!.body!.response_format!.json_schema!.name).toBe('rubric_scores');
      expect(judged[index]!.body!.temperature).toBe(0);
      const first = userText(judged[index + 1]!);
      const second = userText(judged[index + 2]!);
      expect(judged[index + 1]!.body!.response_format!.json_schema!.name).toBe('pairwise_verdict');
      const referenceAt = (text: string) => text.indexOf('Reviewed by the incident lead.');
      const draftAAt = (text: string) => text.indexOf('label="draft A"');
      const draftBAt = (text: string) => text.indexOf('label="draft B"');
      // The reference is B in the first order and A in the second.
      expect(referenceAt(first)).toBeGreaterThan(draftBAt(first));
      expect(referenceAt(second)).toBeGreaterThan(draftAAt(second));
      expect(referenceAt(second)).toBeLessThan(draftBAt(second));
    }

    // Drafts of an evaluation are not production drafts.
    const [marked] = await server.app.store.db.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM generations WHERE eval_run_id IS NOT NULL',
    );
    expect(marked!.count).toBe(3);
  });

  it('turns a final text into implicit feedback and a rating into explicit feedback, and reports them over time', async () => {
    const submit = (input: Record<string, unknown>) =>
      server.graphql<{
        submitFeedback: {
          feedback: {
            id: string;
            feature: string;
            rating: string | null;
            editDistance: number | null;
            editClass: string | null;
            generation: { id: string } | null;
          } | null;
          userErrors: { field: string[] | null; code: string }[];
        };
      }>(
        'mutation($input: SubmitFeedbackInput!) { submitFeedback(input: $input) { feedback { id feature rating editDistance editClass generation { id } } userErrors { field code } } }',
        { input },
      );
    const accepted = await submit({
      subject: { generationId: productionDraftId },
      finalText: reference.replace('Reviewed by the incident lead.\n', ''),
      rating: 'UP',
    });
    expect(accepted.data!.submitFeedback).toMatchObject({
      feedback: {
        feature: 'STATUS_UPDATE',
        rating: 'UP',
        editDistance: 0,
        editClass: 'ACCEPTED',
        generation: { id: productionDraftId },
      },
      userErrors: [],
    });
    const other = await server.graphql<{
      draftStatusUpdate: { generation: { id: string; text: string } };
    }>(DRAFT_STATUS_UPDATE, { input: statusUpdateInput({ audience: 'CUSTOMER' }) });
    const rewritten = await submit({
      subject: { generationId: other.data!.draftStatusUpdate.generation.id },
      finalText: 'We are looking into an issue with payments.',
      rating: 'DOWN',
      comment: 'too long',
    });
    expect(rewritten.data!.submitFeedback.feedback).toMatchObject({
      editClass: 'DISCARDED',
      rating: 'DOWN',
    });

    // Expected, correctable problems are user errors at their field, with nothing stored.
    const userErrors = async (input: Record<string, unknown>) => {
      const result = await submit(input);
      expect(result.errors).toBeUndefined();
      expect(result.data!.submitFeedback.feedback).toBeNull();
      return result.data!.submitFeedback.userErrors;
    };
    const bad = await userErrors({
      subject: { generationId: productionDraftId },
      correctedCategory: 'x',
    });
    expect(bad).toEqual([{ field: ['input', 'correctedCategory'], code: 'BAD_USER_INPUT' }]);
    const nothing = await userErrors({ subject: { generationId: productionDraftId } });
    expect(nothing.map((error) => error.code)).toEqual(['BAD_USER_INPUT']);
    expect(
      await userErrors({
        subject: { generationId: productionDraftId, predictionId: productionDraftId },
        rating: 'UP',
      }),
    ).toEqual([{ field: ['input', 'subject'], code: 'BAD_USER_INPUT' }]);
    const missing = await userErrors({
      subject: { generationId: '00000000-0000-4000-8000-000000000000' },
      rating: 'UP',
    });
    expect(missing).toEqual([{ field: ['input', 'subject'], code: 'NOT_FOUND' }]);

    const metrics = await server.graphql<{
      evalMetrics: {
        bucket: string;
        series: {
          requests: number;
          withOutcome: number;
          acceptanceRate: number | null;
          meanEditDistance: number | null;
          rated: number;
          thumbsUpRatio: number | null;
          latencyP50Ms: number | null;
        }[];
        drift: { metric: string; detected: boolean; latest: number | null; latestSamples: number };
      };
    }>(
      '{ evalMetrics(feature: STATUS_UPDATE, bucket: HOUR) { bucket series { requests withOutcome acceptanceRate meanEditDistance rated thumbsUpRatio latencyP50Ms } drift { metric detected latest latestSamples } } }',
    );
    expect(metrics.errors).toBeUndefined();
    const { series, drift } = metrics.data!.evalMetrics;
    expect(series).toHaveLength(30);
    const latest = series.at(-1)!;
    // Two production drafts; the evaluation's three are left out.
    expect(latest).toMatchObject({
      requests: 2,
      withOutcome: 2,
      acceptanceRate: 0.5,
      rated: 2,
      thumbsUpRatio: 0.5,
    });
    expect(latest.meanEditDistance).toBeGreaterThan(0.3);
    expect(latest.latencyP50Ms).not.toBeNull();
    expect(series.slice(0, -1).every((point) => point.requests === 0)).toBe(true);
    // Two samples say nothing about drift (EVAL_DRIFT_MIN_SAMPLES is 20).
    expect(drift).toMatchObject({
      metric: 'ACCEPTANCE_RATE',
      detected: false,
      latest: 0.5,
      latestSamples: 2,
    });
  });
});
