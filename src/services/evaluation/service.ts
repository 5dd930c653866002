/**
 * Evaluation runs: a dataset through a target, in the background with bounded concurrency, each
 * case's result stored as it finishes. A run killed with its process is marked INTERRUPTED at the
 * next start-up and resumed with `resume`, which redoes only the cases without a stored result.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Account, Feature } from '../../domain.js';
import { ErrorCode, ServiceError, badInput, notFound } from '../../errors.js';
import type { LlmGateway } from '../../llm/gateway.js';
import type { Logger } from '../../infra/observability/logger.js';
import type {
  EvalKind,
  EvalResultRecord,
  EvalRunRecord,
  EvalRunRepository,
  NewEvalResult,
} from '../../infra/store/evaluation/eval-runs.js';
import type { GenerationDatasetRepository } from '../../infra/store/evaluation/generation-datasets.js';
import type { RoutingCaseRepository } from '../../infra/store/evaluation/routing-cases.js';
import type { RouterModelRepository } from '../../infra/store/routing/router-models.js';
import { isUuid } from '../../infra/store/generations.js';
import type { GenerationCapability } from '../../features/capability.js';
import type { GenerationRunner } from '../generation/runner.js';
import type { RoutingService } from '../ticket-routing/service.js';
import { parseInput } from '../../features/validate.js';
import { compareRuns, type RunComparison } from './compare.js';
import { evaluateGenerationCase, type GenerationEvalPlan } from './generation-eval.js';
import { JUDGE_PROMPT_VERSION, judgePromptRecord } from './judge.js';
import { EvalProgressHub } from './progress.js';
import { renderReport } from './report/render.js';
import { evaluateRoutingBatch } from './routing-eval.js';
import { generationSummary, routingSummary, type RunSummary } from './summary.js';
import { generationTarget, judgeTarget, routingTarget, type ProviderTypes } from './targets.js';

export const MAX_CONCURRENCY = 32;

const startSchema = z.object({
  kind: z.enum(['ROUTING', 'GENERATION']),
  datasetId: z
    .string()
    .trim()
    .refine(isUuid, 'must be the id of a taxonomy (ROUTING) or a generation dataset (GENERATION)'),
  target: z.string().trim().max(300).nullish(),
  judge: z.string().trim().max(300).nullish(),
  pairwiseAgainst: z.string().trim().max(300).nullish(),
  concurrency: z.number().int().min(1).max(MAX_CONCURRENCY).nullish(),
  batchSize: z.number().int().min(1).max(100).nullish(),
  maxCases: z.number().int().min(1).max(100_000).nullish(),
});

export interface EvaluationDependencies {
  runs: EvalRunRepository;
  routingCases: RoutingCaseRepository;
  datasets: GenerationDatasetRepository;
  routerModels: RouterModelRepository;
  routing: RoutingService;
  runner: GenerationRunner;
  gateway: LlmGateway;
  capabilities: Record<string, Pick<GenerationCapability<never, unknown>, 'feature'>>;
  providers: ProviderTypes;
  logger: Logger;
  /** How often a running run says it is alive, and after how long without it another replica may declare it interrupted. */
  heartbeatMs?: number;
}

/** Two runs and their case-by-case comparison. */
export interface EvalComparisonView {
  a: EvalRunRecord;
  b: EvalRunRecord;
  comparison: RunComparison;
}

/** Why a run of this process was stopped from inside the service. */
type StopReason = 'cancelled' | 'shutdown';

interface Driving {
  account: Account;
  controller: AbortController;
  done: Promise<void>;
}

export class EvaluationService {
  readonly progress = new EvalProgressHub();
  private readonly driving = new Map<string, Driving>();
  private readonly heartbeatMs: number;

  constructor(private readonly deps: EvaluationDependencies) {
    this.heartbeatMs = deps.heartbeatMs ?? 15_000;
  }

  /** Runs another process left RUNNING: all of them for an embedded store, stale ones for a shared database. */
  async interruptAbandoned(sharedDatabase: boolean): Promise<number> {
    return this.deps.runs.interruptAbandoned(
      sharedDatabase ? this.heartbeatMs * 8 : null,
      'interrupted by a server restart; resume it with resumeEvalRun',
    );
  }

  async start(account: Account, raw: unknown): Promise<EvalRunRecord> {
    const input = parseInput(startSchema, raw);
    const concurrency = input.concurrency ?? 4;
    const common = {
      id: randomUUID(),
      accountId: account.id,
      datasetId: input.datasetId,
      concurrency,
    };
    let run: EvalRunRecord;
    if (input.kind === 'ROUTING') {
      if (input.judge || input.pairwiseAgainst)
        throw badInput('judge, pairwiseAgainst: only generation runs are judged');
      const { label, target } = routingTarget(input.target, this.deps.providers);
      const taxonomy = await this.deps.routing.taxonomy(account, input.datasetId);
      const [model] = await this.deps.routerModels.latest(account.id, [taxonomy.id]);
      if (!model && target.mode !== 'LLM')
        throw badInput(
          `taxonomy "${taxonomy.name}" has no trained router yet; run trainRouter first`,
        );
      const cases = (await this.deps.routingCases.testCases(account.id, taxonomy.id)).slice(
        0,
        input.maxCases ?? undefined,
      );
      if (cases.length === 0)
        throw badInput(
          `taxonomy "${taxonomy.name}" has no labeled tickets in its TEST split to evaluate on; import labeled tickets first`,
        );
      run = await this.deps.runs.insert({
        ...common,
        kind: 'ROUTING',
        target: label,
        judge: null,
        pairwiseAgainst: null,
        judgePromptVersion: null,
        judgePrompt: null,
        batchSize: input.batchSize ?? 20,
        caseIds: cases.map((item) => item.id),
        taxonomyVersion: taxonomy.version,
        routerModelId: model?.id ?? null,
      });
    } else {
      const dataset = await this.deps.datasets.findById(account.id, input.datasetId);
      if (!dataset) throw notFound('generation dataset', input.datasetId);
      const { label } = generationTarget(input.target, this.deps.providers);
      const judge = input.judge ? judgeTarget(input.judge, this.deps.providers) : null;
      if (input.pairwiseAgainst && !judge)
        throw badInput('pairwiseAgainst: a pairwise comparison needs a judge');
      const against = judge ? pairwiseLabel(input.pairwiseAgainst, this.deps.providers) : null;
      const cases = (await this.deps.datasets.cases(account.id, dataset.id)).slice(
        0,
        input.maxCases ?? undefined,
      );
      if (cases.length === 0)
        throw badInput(
          `generation dataset "${dataset.name}" has no cases; import some with importGenerationCases`,
        );
      run = await this.deps.runs.insert({
        ...common,
        kind: 'GENERATION',
        target: label,
        judge: judge ? `${judge.provider}:${judge.model}` : null,
        pairwiseAgainst: against,
        judgePromptVersion: judge ? JUDGE_PROMPT_VERSION : null,
        judgePrompt: judge ? judgePromptRecord() : null,
        batchSize: 1,
        caseIds: cases.map((item) => item.id),
        taxonomyVersion: null,
        routerModelId: null,
      });
    }
    this.launch(account, run, new Set());
    return run;
  }

  /** Continues a run that stopped short (interrupted, failed or cancelled), skipping stored cases. */
  async resume(account: Account, id: string): Promise<EvalRunRecord> {
    const existing = await this.find(account, id);
    if (this.driving.has(id) || existing.status === 'RUNNING')
      throw new ServiceError(ErrorCode.CONFLICT, `evaluation run ${id} is running`);
    if (existing.status === 'SUCCEEDED')
      throw new ServiceError(
        ErrorCode.CONFLICT,
        `evaluation run ${id} has finished; start a new run to evaluate again`,
      );
    if (existing.kind === 'ROUTING' && existing.routerModelId) {
      const [model] = await this.deps.routerModels.latest(account.id, [existing.datasetId]);
      if (model?.id !== existing.routerModelId)
        throw new ServiceError(
          ErrorCode.CONFLICT,
          'the taxonomy was retrained since this run started; its results would mix two models — start a new run',
        );
    }
    const reopened = await this.deps.runs.reopen(account.id, id);
    if (!reopened)
      throw new ServiceError(
        ErrorCode.CONFLICT,
        `evaluation run ${id} cannot be resumed from its current state`,
      );
    const finished = await this.deps.runs.finishedCaseIds(account.id, id);
    this.launch(account, reopened, finished);
    this.progress.publish(reopened);
    return reopened;
  }

  async cancel(account: Account, id: string): Promise<EvalRunRecord> {
    const run = await this.find(account, id);
    const driving = this.driving.get(id);
    if (driving) {
      driving.controller.abort('cancelled' satisfies StopReason);
      await driving.done;
    } else if (run.status === 'RUNNING') {
      // Driven by another replica (or nobody): mark it; its driver stops at its next step.
      await this.deps.runs.finish(account.id, id, 'CANCELLED', null, {
        code: ErrorCode.CANCELLED,
        message: 'cancelled by a client',
      });
    }
    return this.find(account, id);
  }

  /** Interrupts every run of this process (shutdown); they end INTERRUPTED and can be resumed. */
  async stop(): Promise<void> {
    for (const driving of this.driving.values())
      driving.controller.abort('shutdown' satisfies StopReason);
    await Promise.all([...this.driving.values()].map((driving) => driving.done));
  }

  async find(account: Account, id: string): Promise<EvalRunRecord> {
    const run = isUuid(id) ? await this.deps.runs.findById(account.id, id) : null;
    if (!run) throw notFound('evaluation run', id);
    return run;
  }

  /** The account's runs, newest first, `first` after the cursor. */
  list(
    account: Account,
    filter: { kind?: EvalKind | null; datasetId?: string | null },
    first: number,
    after: { createdAt: Date; id: string } | null,
  ): Promise<{ items: EvalRunRecord[]; hasNextPage: boolean }> {
    return this.deps.runs.list(account.id, filter, first, after);
  }

  /** How many runs `list` pages through. */
  count(
    account: Account,
    filter: { kind?: EvalKind | null; datasetId?: string | null },
  ): Promise<number> {
    return this.deps.runs.count(account.id, filter);
  }

  /** How many results `resultPage` pages through. */
  countResults(
    account: Account,
    runId: string,
    filter: { correct?: boolean | null },
  ): Promise<number> {
    return this.deps.runs.countResults(account.id, runId, filter);
  }

  /** One page of a run's case results, in case order, `first` after a position. */
  resultPage(
    account: Account,
    runId: string,
    filter: { correct?: boolean | null },
    first: number,
    afterPosition: number | null,
  ): Promise<{ items: EvalResultRecord[]; hasNextPage: boolean }> {
    return this.deps.runs.resultPage(account.id, runId, filter, first, afterPosition);
  }

  watch(account: Account, id: string, signal: AbortSignal): AsyncIterable<EvalRunRecord> {
    return this.progress.watch(id, () => this.deps.runs.findById(account.id, id), signal);
  }

  /** The stored summary of a finished run, or one computed from the results so far. */
  async summary(
    account: Account,
    run: EvalRunRecord,
    results?: readonly EvalResultRecord[],
  ): Promise<RunSummary> {
    if (run.summary && !results) return run.summary as RunSummary;
    const stored = results ?? (await this.deps.runs.results(account.id, run.id));
    return this.summarize(account, run, stored);
  }

  private async summarize(
    account: Account,
    run: EvalRunRecord,
    results: readonly EvalResultRecord[],
  ): Promise<RunSummary> {
    if (run.kind === 'GENERATION') return generationSummary(results);
    const taxonomy = await this.deps.routing.taxonomy(account, run.datasetId).catch(() => null);
    return routingSummary(results, taxonomy?.categories.map((category) => category.name) ?? []);
  }

  async results(account: Account, run: EvalRunRecord): Promise<EvalResultRecord[]> {
    return this.deps.runs.results(account.id, run.id);
  }

  async compare(account: Account, idA: string, idB: string): Promise<EvalComparisonView> {
    const [a, b] = await Promise.all([this.find(account, idA), this.find(account, idB)]);
    if (a.kind !== b.kind)
      throw badInput(`a ${a.kind} run cannot be compared with a ${b.kind} run`);
    if (a.datasetId !== b.datasetId)
      throw badInput(
        'runs over different datasets share no cases; compare runs of the same dataset',
      );
    const [resultsA, resultsB] = await Promise.all([
      this.deps.runs.results(account.id, a.id),
      this.deps.runs.results(account.id, b.id),
    ]);
    const [summaryA, summaryB] = await Promise.all([
      this.summary(account, a, resultsA),
      this.summary(account, b, resultsB),
    ]);
    return { a, b, comparison: compareRuns(summaryA, resultsA, summaryB, resultsB) };
  }

  /** The run's self-contained HTML report. */
  async report(account: Account, id: string): Promise<string> {
    const run = await this.find(account, id);
    const results = await this.deps.runs.results(account.id, run.id);
    const summary = await this.summary(account, run, run.summary ? undefined : results);
    const datasetName =
      run.kind === 'ROUTING'
        ? ((await this.deps.routing.taxonomy(account, run.datasetId).catch(() => null))?.name ??
          run.datasetId)
        : ((await this.deps.datasets.findById(account.id, run.datasetId))?.name ?? run.datasetId);
    return renderReport({ run, summary, results, datasetName });
  }

  private launch(account: Account, run: EvalRunRecord, finished: ReadonlySet<string>): void {
    const controller = new AbortController();
    const driving: Driving = { account, controller, done: Promise.resolve() };
    this.driving.set(run.id, driving);
    driving.done = this.drive(account, run, finished, controller)
      .catch((error: unknown) =>
        this.deps.logger.error(
          { err: error, evalRunId: run.id },
          'evaluation run failed unexpectedly',
        ),
      )
      .finally(() => this.driving.delete(run.id));
  }

  private async drive(
    account: Account,
    run: EvalRunRecord,
    finished: ReadonlySet<string>,
    controller: AbortController,
  ): Promise<void> {
    const { signal } = controller;
    const heartbeat = setInterval(
      () => void this.deps.runs.heartbeat([run.id]).catch(() => undefined),
      this.heartbeatMs,
    );
    heartbeat.unref();
    const full = await this.deps.runs.findById(account.id, run.id, true);
    const positions = new Map((full?.caseIds ?? []).map((caseId, position) => [caseId, position]));
    const pending = [...positions.keys()].filter((caseId) => !finished.has(caseId));
    const store = async (results: NewEvalResult[]) => {
      // Results of a step that was stopped half-way are not the target's answers: leave the cases to a resume.
      if (signal.aborted || results.length === 0) return;
      const updated = await this.deps.runs.addResults(account.id, run.id, results);
      if (updated) this.progress.publish(updated);
      // Cancelled elsewhere (another replica's cancelEvalRun): stop here.
      if (updated && updated.status !== 'RUNNING')
        controller.abort('cancelled' satisfies StopReason);
    };
    let failure: unknown = null;
    try {
      if (run.kind === 'ROUTING') {
        const { target } = routingTarget(run.target, this.deps.providers);
        const cases = await this.deps.routingCases.byIds(account.id, pending);
        const ordered = cases
          .map((item) => ({ item, position: positions.get(item.id)! }))
          .sort((a, b) => a.position - b.position);
        const batches: (typeof ordered)[] = [];
        for (let start = 0; start < ordered.length; start += run.batchSize)
          batches.push(ordered.slice(start, start + run.batchSize));
        await pool(batches, run.concurrency, signal, async (batch) =>
          store(
            await evaluateRoutingBatch(
              this.deps.routing,
              account,
              run.datasetId,
              target,
              batch,
              signal,
            ),
          ),
        );
      } else {
        const plan: GenerationEvalPlan = {
          runId: run.id,
          target: generationTarget(run.target, this.deps.providers).target,
          judge: run.judge ? judgeTarget(run.judge, this.deps.providers) : null,
          pairwiseAgainst: !run.pairwiseAgainst
            ? null
            : run.pairwiseAgainst === 'REFERENCE'
              ? { kind: 'REFERENCE' }
              : {
                  kind: 'TARGET',
                  target: generationTarget(
                    run.pairwiseAgainst,
                    this.deps.providers,
                    'pairwiseAgainst',
                  ).target,
                },
        };
        const capabilityOf = (feature: Feature) =>
          Object.values(this.deps.capabilities).find(
            (capability) => capability.feature === feature,
          ) as GenerationCapability<unknown, unknown> | undefined;
        const cases = await this.deps.datasets.casesByIds(account.id, pending);
        const ordered = cases
          .map((item) => ({ item, position: positions.get(item.id)! }))
          .sort((a, b) => a.position - b.position);
        await pool(ordered, run.concurrency, signal, async ({ item, position }) => {
          const result = await evaluateGenerationCase(
            { runner: this.deps.runner, gateway: this.deps.gateway, capabilityOf },
            account,
            plan,
            item,
            position,
            signal,
          );
          if (result) await store([result]);
        });
      }
    } catch (error) {
      failure = error;
    } finally {
      clearInterval(heartbeat);
    }
    let ended: EvalRunRecord | null;
    if (signal.aborted) {
      const reason = signal.reason as StopReason;
      ended =
        reason === 'shutdown'
          ? await this.deps.runs.finish(account.id, run.id, 'INTERRUPTED', null, {
              code: ErrorCode.INTERRUPTED,
              message: 'interrupted by a server shutdown; resume it with resumeEvalRun',
            })
          : await this.deps.runs.finish(account.id, run.id, 'CANCELLED', null, {
              code: ErrorCode.CANCELLED,
              message: 'cancelled by a client',
            });
    } else if (failure) {
      this.deps.logger.warn({ err: failure, evalRunId: run.id }, 'evaluation run failed');
      const error = ServiceError.isInstance(failure)
        ? { code: failure.code, message: failure.message }
        : { code: ErrorCode.INTERNAL_SERVER_ERROR, message: 'the evaluation failed unexpectedly' };
      ended = await this.deps.runs.finish(account.id, run.id, 'FAILED', null, error);
    } else {
      const results = await this.deps.runs.results(account.id, run.id);
      const current = (await this.deps.runs.findById(account.id, run.id)) ?? run;
      ended = await this.deps.runs.finish(
        account.id,
        run.id,
        'SUCCEEDED',
        await this.summarize(account, current, results),
        null,
      );
    }
    const latest = ended ?? (await this.deps.runs.findById(account.id, run.id));
    if (latest) this.progress.publish(latest);
  }
}

function pairwiseLabel(value: string | null | undefined, providers: ProviderTypes): string {
  const given = value?.trim() || 'REFERENCE';
  if (given === 'REFERENCE') return given;
  return generationTarget(given, providers, 'pairwiseAgainst').label;
}

/** Runs `work` over the items with at most `concurrency` at once; the first failure stops the rest. */
async function pool<T>(
  items: readonly T[],
  concurrency: number,
  signal: AbortSignal,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length && !signal.aborted && !failed) {
        const item = items[next++]!;
        try {
          await work(item);
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    }),
  );
}
