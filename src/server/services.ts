/**
 * The composition root: opens the store and the stream bus, registers providers, builds the
 * gateway and the generation runner. The only module that knows every layer.
 */
import { allCapabilities, offlineDrafters } from '../capabilities/index.js';
import { GenerationRunner } from '../capabilities/generation/runner.js';
import { RouterRegistry } from '../capabilities/routing/router-registry.js';
import { RoutingService } from '../capabilities/routing/service.js';
import type { Config } from '../config.js';
import { LlmGateway } from '../llm/gateway.js';
import { loadLlmConfig, routingFromEnvironment, type LlmRouting } from '../llm/routing.js';
import { loadTokenizer } from '../llm/tokens.js';
import type { ModelProvider } from '../llm/spec.js';
import type { Logger } from '../observability/logger.js';
import { Metrics } from '../observability/metrics.js';
import { BuiltinProvider } from '../providers/builtin/index.js';
import { createConfiguredProvider } from '../providers/index.js';
import { openStore, type Store } from '../store/index.js';
import type { StreamBus } from '../streams/bus.js';
import { openStreamBus } from '../streams/index.js';

export interface Services {
  store: Store;
  bus: StreamBus;
  gateway: LlmGateway;
  runner: GenerationRunner;
  routing: RoutingService;
  llmRouting: LlmRouting;
  capabilities: typeof allCapabilities;
  metrics: Metrics;
}

export async function openServices(config: Config, logger: Logger): Promise<Services> {
  const routing = config.llmConfigPath
    ? loadLlmConfig(config.llmConfigPath)
    : routingFromEnvironment({ openaiConfigured: Boolean(config.openai.apiKey || config.openai.baseUrl), openaiModel: config.openai.model, openaiBaseUrl: config.openai.baseUrl });
  const providers: ModelProvider[] = Object.entries(routing.providers).map(([name, settings]) =>
    settings.type === 'builtin'
      ? new BuiltinProvider({ drafters: offlineDrafters(allCapabilities), streamDelayMs: config.builtinStreamDelayMs })
      : createConfiguredProvider(name, settings, { env: process.env, openai: config.openai }),
  );
  // Only LLM providers can omit usage; the builtin provider's counts are nominal.
  if (providers.some((provider) => provider.thirdParty || !(provider instanceof BuiltinProvider))) await loadTokenizer();
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, poolSize: config.databasePoolSize });
  if (store.db.kind === 'embedded') {
    // One embedded process owns its data: whatever was running when it stopped cannot finish now.
    const interrupted = await store.generations.interruptAllRunning('interrupted by a server restart');
    if (interrupted > 0) logger.warn({ interrupted }, 'marked generations left running by the previous process as INTERRUPTED');
  }
  const bus = await openStreamBus({ redisUrl: config.redisUrl, retentionMs: config.streamRetentionMs }, logger).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  const gateway = new LlmGateway(routing, providers);
  const metrics = new Metrics();
  gateway.observer = metrics;
  const runner = new GenerationRunner({ generations: store.generations, bus, gateway, logger, abandonAfterMs: config.streamAbandonMs, onFinished: (generation) => metrics.generationFinished(generation) });
  const ticketRouting = new RoutingService({
    taxonomies: store.taxonomies,
    labeledTickets: store.labeledTickets,
    predictions: store.predictions,
    registry: new RouterRegistry(store.routerModels),
    gateway,
    logger,
  });
  return { store, bus, gateway, runner, routing: ticketRouting, llmRouting: routing, capabilities: allCapabilities, metrics };
}
