/**
 * Entry point: read the configuration, open the services, listen, and shut down gracefully on
 * SIGTERM/SIGINT (exit 0 once drained). A bad setting stops start-up with one line.
 */
import { ConfigError, loadConfig, type Config } from './config.js';
import { LlmConfigError } from './llm/routing.js';
import { createLogger } from './observability/logger.js';
import { createApp } from './server/app.js';

function fail(message: string): never {
  console.error(`ai-subgraph: ${message}`);
  process.exit(1);
}

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) fail(`invalid configuration: ${error.message}`);
  throw error;
}

const logger = createLogger({
  level: config.logLevel,
  pretty: config.env === 'development' && process.stdout.isTTY === true,
});

try {
  const app = await createApp(config, logger);
  if (await app.services.authenticator.developmentAccountAvailable()) {
    logger.warn(
      'no API keys and no JWT settings: serving the single "dev" account, with every scope, to loopback callers only',
    );
  }
  const { url } = await app.listen(config.port, config.host);
  const { services } = app;
  logger.info(
    {
      url,
      env: config.env,
      store:
        services.store.db.kind === 'embedded'
          ? `embedded PGlite in ${config.dataDir}`
          : 'PostgreSQL (DATABASE_URL)',
      streams: config.redisUrl ? 'Redis Streams (REDIS_URL)' : 'in-process',
      providers: Object.fromEntries(
        Object.entries(services.llmRouting.providers).map(([name, settings]) => [
          name,
          settings.type,
        ]),
      ),
      chains: Object.fromEntries(
        Object.entries(services.llmRouting.features).map(([feature, policy]) => [
          feature,
          policy.chain.map((target) => `${target.provider}:${target.model}`).join(' → '),
        ]),
      ),
      sandbox: config.sandbox,
    },
    `ai-subgraph ready at ${url}`,
  );

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info(
      { signal, graceMs: config.shutdownGraceMs },
      'shutting down: draining requests and streams',
    );
    app.stop().then(
      () => {
        logger.info('stopped cleanly');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
} catch (error) {
  if (error instanceof ConfigError) fail(`invalid configuration: ${error.message}`);
  if (error instanceof LlmConfigError) fail(`invalid LLM configuration: ${error.message}`);
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
    fail(`port ${config.port} on ${config.host} is already in use (set PORT)`);
  throw error;
}
