/**
 * The composition root: opens the store and the stream bus, registers providers, builds the
 * gateway and the generation runner. The only module that knows every layer.
 */
import { allCapabilities, offlineDrafters } from '../capabilities/index.js';
import { GenerationDatasetService } from '../capabilities/evaluation/datasets.js';
import { FeedbackService } from '../capabilities/evaluation/feedback.js';
import { ProductionMetricsService } from '../capabilities/evaluation/production.js';
import { EvaluationService } from '../capabilities/evaluation/service.js';
import { GenerationRunner } from '../capabilities/generation/runner.js';
import { GenerationUpkeep } from '../capabilities/generation/generation-upkeep.js';
import { openBacklogQueue, replicaWorkerId } from '../capabilities/routing/backlog/open-queue.js';
import { BacklogService } from '../capabilities/routing/backlog/service.js';
import { RouterRegistry } from '../capabilities/routing/router-registry.js';
import { RoutingService } from '../capabilities/routing/service.js';
import type { Config } from '../config.js';
import { LlmGateway } from '../llm/gateway.js';
import { loadLlmConfig, routingFromEnvironment, type LlmRouting } from '../llm/routing.js';
import type { ModelProvider } from '../llm/spec.js';
import type { Logger } from '../observability/logger.js';
import { Metrics } from '../observability/metrics.js';
import { ProviderCallSpans } from '../observability/provider-call-spans.js';
import { BuiltinProvider } from '../providers/builtin/index.js';
import { createConfiguredProvider } from '../providers/index.js';
import { Authenticator } from '../security/authenticate.js';
import { KeyRevocationWatch } from '../security/api-keys.js';
import { VerifiedKeyCache } from '../security/verified-keys.js';
import { AuditObserver, DataProtection, observeAll } from '../security/data-protection/index.js';
import { AccountLimits, openLimitStore } from '../security/limits/index.js';
import { AuditLogRepository } from '../store/audit-log.js';
import { openStore, type Store } from '../store/index.js';
import { BacklogRepository } from '../store/routing/backlogs.js';
import type { StreamBus } from '../streams/bus.js';
import { openStreamBus } from '../streams/index.js';

export interface Services {
  store: Store;
  bus: StreamBus;
  gateway: LlmGateway;
  runner: GenerationRunner;
  /** Scale-out: heartbeats this replica's generations, sweeps orphaned ones, follows remote subscribers. */
  upkeep: GenerationUpkeep;
  routing: RoutingService;
  /** Bulk routing: backlogs split in chunks that this replica's workers (and any other's) drain. */
  backlogs: BacklogService;
  llmRouting: LlmRouting;
  authenticator: Authenticator;
  /** Ends websockets whose API key is revoked or expires (see security/api-keys.ts). */
  keyRevocations: KeyRevocationWatch;
  capabilities: typeof allCapabilities;
  metrics: Metrics;
  /** Per-account rate limits (requests, tokens, daily budget, streams). */
  limits: AccountLimits;
  /** The audit log of provider calls: its rows, and the gateway observer writing them. */
  audit: { entries: AuditLogRepository; observer: AuditObserver };
  /** The gateway's injection screen and PII detector, also callable on their own (`screenText`). */
  dataProtection: DataProtection;
  /** Evaluation runs, generation datasets, feedback and production quality metrics. */
  evaluation: {
    runs: EvaluationService;
    datasets: GenerationDatasetService;
    feedback: FeedbackService;
    production: ProductionMetricsService;
  };
}

export async function openServices(config: Config, logger: Logger): Promise<Services> {
  const routing = config.llmConfigPath
    ? loadLlmConfig(config.llmConfigPath)
    : routingFromEnvironment({
        openaiConfigured: Boolean(config.openai.apiKey || config.openai.baseUrl),
        openaiModel: config.openai.model,
        openaiBaseUrl: config.openai.baseUrl,
      });
  const providers: ModelProvider[] = Object.entries(routing.providers).map(([name, settings]) =>
    settings.type === 'builtin'
      ? new BuiltinProvider({
          drafters: offlineDrafters(allCapabilities),
          streamDelayMs: config.builtinStreamDelayMs,
        })
      : createConfiguredProvider(name, settings, { env: process.env, openai: config.openai }),
  );
  const store = await openStore({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    poolSize: config.databasePoolSize,
    traced: config.tracing !== undefined,
  });
  if (store.db.kind === 'embedded') {
    // One embedded process owns its data: whatever was running when it stopped cannot finish now.
    const interrupted = await store.generations.interruptAllRunning(
      'interrupted by a server restart',
    );
    if (interrupted > 0)
      logger.warn(
        { interrupted },
        'marked generations left running by the previous process as INTERRUPTED',
      );
  }
  const bus = await openStreamBus(
    {
      redisUrl: config.redisUrl,
      retentionMs: config.streamRetentionMs,
      watcherRefreshMs: config.generationHeartbeat.intervalMs,
      watcherTtlMs: config.generationHeartbeat.staleAfterMs,
    },
    logger,
  ).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  const gateway = new LlmGateway(routing, providers);
  const metrics = new Metrics();
  // Data protection (issue #7): injection screen, PII redaction, canary, and the audit log.
  const dataProtection = new DataProtection({
    providers: routing.providers,
    injection: {
      action: config.dataProtection.injectionAction,
      policy: config.dataProtection.injectionThresholds,
    },
    logger,
  });
  gateway.protection = dataProtection;
  const auditEntries = new AuditLogRepository(store.db);
  const audit = {
    entries: auditEntries,
    observer: new AuditObserver(auditEntries, logger, {
      rawText: config.dataProtection.auditRawText,
    }),
  };
  gateway.observer = observeAll(
    metrics,
    audit.observer,
    ...(config.tracing ? [new ProviderCallSpans()] : []),
  );
  // Shared through Redis when REDIS_URL is set, else per replica. The clock is the limits' own, for tests.
  const clock = { now: () => Date.now() };
  const limitStore = await openLimitStore(
    {
      redisUrl: config.redisUrl,
      clock,
      fellBack: (operation) => metrics.limitStoreFellBack(operation),
    },
    logger,
  ).catch(async (error: unknown) => {
    await Promise.all([bus.close(), store.close()]);
    throw error;
  });
  const limits = new AccountLimits(limitStore, config.rateLimits, clock, {
    usageNotRecorded: (error) =>
      logger.warn({ err: error }, 'could not record usage against the account limits'),
    rejected: (rule) => metrics.rateLimited(rule),
  });
  gateway.limits = {
    admit: (accountId) => limits.checkSpend(accountId),
    charge: (accountId, usage) => limits.recordUsage(accountId, usage),
  };
  const runner = new GenerationRunner({
    generations: store.generations,
    bus,
    gateway,
    logger,
    abandonAfterMs: config.streamAbandonMs,
    frameMs: config.streamFrameMs,
    onFinished: (generation) => metrics.generationFinished(generation),
    admit: (request) => limits.admitGeneration(request),
  });
  const upkeep = new GenerationUpkeep({
    generations: store.generations,
    bus,
    runner,
    logger,
    ...config.generationHeartbeat,
    sharedStore: store.db.kind === 'postgres',
    onSwept: (generation) => metrics.generationFinished(generation),
  });
  upkeep.start();
  const ticketRouting = new RoutingService({
    taxonomies: store.taxonomies,
    labeledTickets: store.labeledTickets,
    predictions: store.predictions,
    registry: new RouterRegistry(store.routerModels),
    gateway,
    logger,
  });
  const backlogQueue = await openBacklogQueue(config.backlog, config.databaseUrl, logger);
  const backlogs = new BacklogService({
    backlogs: new BacklogRepository(store.db),
    predictions: store.predictions,
    routing: ticketRouting,
    queue: backlogQueue,
    workerId: replicaWorkerId(),
    logger,
    onTickets: metrics.observeBacklogs(() => backlogQueue.depth()),
  });
  await backlogs.start();
  const evaluationStore = store.evaluation;
  const evaluation = {
    runs: new EvaluationService({
      runs: evaluationStore.runs,
      routingCases: evaluationStore.routingCases,
      datasets: evaluationStore.datasets,
      routerModels: store.routerModels,
      routing: ticketRouting,
      runner,
      gateway,
      capabilities: allCapabilities,
      providers: (name) => routing.providers[name]?.type,
      logger,
    }),
    datasets: new GenerationDatasetService({
      datasets: evaluationStore.datasets,
      capabilities: allCapabilities,
    }),
    feedback: new FeedbackService({
      feedback: evaluationStore.feedback,
      generations: store.generations,
      predictions: store.predictions,
      labeledTickets: store.labeledTickets,
      routing: ticketRouting,
    }),
    production: new ProductionMetricsService({
      metrics: evaluationStore.metrics,
      runs: evaluationStore.runs,
      routing: ticketRouting,
      settings: config.evaluation,
    }),
  };
  // Runs the previous process was driving cannot go on by themselves; resumeEvalRun continues them.
  const interruptedRuns = await evaluation.runs.interruptAbandoned(store.db.kind === 'postgres');
  if (interruptedRuns > 0)
    logger.warn({ interruptedRuns }, 'marked evaluation runs left running as INTERRUPTED');
  // Keys verified once are kept; a revocation, here or on any replica, empties the entry at once,
  // and ends the websockets the key opened here without waiting for the next re-check.
  const keyRevocations = new KeyRevocationWatch(store.apiKeys);
  const verifiedKeys = new VerifiedKeyCache(store.apiKeys, {
    onRevoked: (prefix) => keyRevocations.invalidate(prefix),
  });
  await verifiedKeys.open();
  const authenticator = new Authenticator(
    store.apiKeys,
    { production: config.env === 'production', jwt: config.jwt, lookup: verifiedKeys },
    (rejection) => logger.warn(rejection, 'authentication refused'),
  );
  return {
    store,
    bus,
    gateway,
    runner,
    upkeep,
    routing: ticketRouting,
    backlogs,
    llmRouting: routing,
    authenticator,
    keyRevocations,
    capabilities: allCapabilities,
    metrics,
    limits,
    audit,
    dataProtection,
    evaluation,
  };
}
