/**
 * The composition root: opens the store and the stream bus, registers providers, builds the
 * gateway and the generation runner, and closes them again in order. The only module that knows
 * every layer.
 */
import { allCapabilities, offlineDrafters } from '../features/index.js';
import { GenerationDatasetService } from '../services/evaluation/datasets.js';
import { FeedbackService } from '../services/evaluation/feedback.js';
import { ProductionMetricsService } from '../services/evaluation/production.js';
import { EvaluationService } from '../services/evaluation/service.js';
import { GenerationQueries } from '../services/generation/generation-queries.js';
import { GenerationRunner } from '../services/generation/runner.js';
import { GenerationUpkeep } from '../services/generation/generation-upkeep.js';
import { openBacklogQueue, replicaWorkerId } from '../infra/queue/open-backlog-queue.js';
import { BacklogService } from '../services/ticket-routing/backlog/service.js';
import { RouterRegistry } from '../services/ticket-routing/router-registry.js';
import { RoutingService } from '../services/ticket-routing/service.js';
import { ConfigError, type Config } from '../config.js';
import type { Services } from '../graphql/services.js';
import { LlmGateway } from '../llm/gateway.js';
import {
  loadLlmConfig,
  chainsFromEnvironment,
  type ProviderChains,
} from '../llm/provider-chains.js';
import type { ModelProvider } from '../llm/spec.js';
import type { Logger } from '../infra/observability/logger.js';
import { Metrics } from '../infra/observability/metrics.js';
import { ProviderCallSpans } from '../infra/observability/provider-call-spans.js';
import { BuiltinProvider } from '../providers/builtin/index.js';
import { createConfiguredProvider } from '../providers/index.js';
import { ApiKeyService } from '../security/api-key-service.js';
import { Authenticator } from '../security/authenticate.js';
import { KeyRevocationWatch } from '../security/api-keys.js';
import { VerifiedKeyCache } from '../security/verified-keys.js';
import {
  AuditObserver,
  DataProtection,
  observeAll,
  SecondOpinion,
  type InjectionSettings,
} from '../security/data-protection/index.js';
import { GatewayInjectionJudge } from '../services/screening/injection-judge.js';
import { AccountLimits, openLimitStore } from '../security/limits/index.js';
import { AuditLogRepository } from '../infra/store/audit-log.js';
import { openStore, type Store } from '../infra/store/index.js';
import { BacklogRepository } from '../infra/store/routing/backlogs.js';
import { openStreamBus } from '../infra/streams/index.js';

/**
 * The services resolvers and the transport receive, and the store behind them, which only the
 * composition root holds: it closes it last (and main.ts reports which kind it is).
 */
export interface OpenedServices {
  services: Services;
  store: Store;
}

export async function openServices(config: Config, logger: Logger): Promise<OpenedServices> {
  const chains = config.llmConfigPath
    ? loadLlmConfig(config.llmConfigPath)
    : chainsFromEnvironment({
        openaiConfigured: Boolean(config.openai.apiKey || config.openai.baseUrl),
        openaiModel: config.openai.model,
        openaiBaseUrl: config.openai.baseUrl,
      });
  const providers: ModelProvider[] = Object.entries(chains.providers).map(([name, settings]) =>
    settings.type === 'builtin'
      ? new BuiltinProvider({
          drafters: offlineDrafters(allCapabilities),
          streamDelayMs: config.builtinStreamDelayMs,
        })
      : createConfiguredProvider(name, settings, {
          secret: (variable) => config.secret(variable),
          openai: config.openai,
        }),
  );
  const metrics = new Metrics();
  const injection = {
    action: config.dataProtection.injectionAction,
    policy: config.dataProtection.injectionThresholds,
  };
  // Before anything is opened: a second opinion naming no configured model stops start-up. It asks
  // through the gateway, built later around the protection it plugs into, so it gets it lazily.
  const secondOpinion = secondOpinionOf(
    config,
    chains,
    injection,
    { generate: (call) => gateway.generate(call) },
    logger,
    metrics,
  );
  const store = await openStore({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    poolSize: config.databasePoolSize,
    preparedStatements: config.databasePreparedStatements,
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
  // Data protection (issue #7): injection screen, PII redaction, canary, and the audit log.
  const dataProtection = new DataProtection({
    providers: chains.providers,
    injection,
    logger,
    secondOpinion,
  });
  const audit = new AuditObserver(new AuditLogRepository(store.db), logger, {
    rawText: config.dataProtection.auditRawText,
    writeDelayMs: config.dataProtection.auditWriteDelayMs,
  });
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
  const gateway = new LlmGateway(chains, providers, {
    protection: dataProtection,
    observer: observeAll(metrics, audit, ...(config.tracing ? [new ProviderCallSpans()] : [])),
    limits: {
      admit: (accountId) => limits.checkSpend(accountId),
      charge: (accountId, usage) => limits.recordUsage(accountId, usage),
    },
  });
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
    routerModels: store.routerModels,
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
      providers: (name) => chains.providers[name]?.type,
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
  const services: Services = {
    bus,
    gateway,
    runner,
    generations: new GenerationQueries({ generations: store.generations, bus, runner }),
    upkeep,
    routing: ticketRouting,
    backlogs,
    providerChains: chains,
    authenticator,
    apiKeys: new ApiKeyService(store.apiKeys, keyRevocations),
    keyRevocations,
    capabilities: allCapabilities,
    metrics,
    limits,
    audit,
    dataProtection,
    evaluation,
  };
  return { services, store };
}

/** The injection screen's second opinion when INJECTION_SECOND_OPINION names a configured model. */
function secondOpinionOf(
  config: Config,
  chains: ProviderChains,
  injection: InjectionSettings,
  gateway: { generate: LlmGateway['generate'] },
  logger: Logger,
  metrics: Metrics,
): SecondOpinion | undefined {
  const settings = config.dataProtection.secondOpinion;
  if (!settings) return undefined;
  const { provider } = settings.target;
  const type = chains.providers[provider]?.type;
  if (!type || type === 'builtin')
    throw new ConfigError(
      `INJECTION_SECOND_OPINION: provider "${provider}" must be a configured language-model provider (${Object.keys(chains.providers).join(', ')} configured)`,
    );
  return new SecondOpinion({
    judge: new GatewayInjectionJudge(gateway, settings.target),
    settings,
    injection,
    logger,
    counted: (outcome) => metrics.injectionSecondOpinion(outcome),
  });
}

/**
 * Lets the services' own work end before the transport closes (epoch-ms `deadline`): evaluation
 * runs stop at once, generations and backlog chunks finish within the grace.
 */
export async function drainServices(services: Services, deadline: number): Promise<void> {
  // Evaluation runs stop at once, INTERRUPTED with their finished cases kept, to be resumed.
  await services.evaluation.runs.stop();
  await services.runner.drain(Math.max(0, deadline - Date.now()));
  // Backlog chunks finish within the grace; later ones are redelivered (pg-boss) or resumed at the next start.
  await services.backlogs.stop(Math.max(0, deadline - Date.now()));
  // Heartbeats go on while generations drain; none is left to heartbeat now.
  await services.upkeep.stop();
}

/** Closes the connections the services hold, once nothing runs and the transport is closed. */
export async function closeServices({ services, store }: OpenedServices): Promise<void> {
  await services.bus.close();
  await services.limits.close();
  // Audit rows wait a few milliseconds to be written in groups: write the last ones first.
  await services.audit.flush();
  await store.close();
}
