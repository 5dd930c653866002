/**
 * Entry point: read the configuration, open the services, listen, and shut down gracefully on
 * SIGTERM/SIGINT (exit 0 once drained). A bad setting stops start-up with one line.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig, type Config } from './config.js';
import { LlmConfigError } from './llm/provider-chains.js';
import { createLogger } from './infra/observability/logger.js';
import { createApp } from './app/app.js';
import { DataDirLockedError, recordServerUrl } from './infra/store/data-dir-lock.js';

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
  // Creating the embedded database takes tens of seconds on its first start: say so, not nothing.
  if (!config.databaseUrl && !existsSync(join(config.dataDir, 'PG_VERSION')))
    logger.info(
      { dataDir: config.dataDir },
      'creating the embedded database (first start only; this takes about half a minute)',
    );
  const app = await createApp(config, logger);
  const devAccount = await app.services.authenticator.developmentAccountAvailable();
  if (devAccount) {
    logger.warn(
      'no API keys and no JWT settings: serving the single "dev" account, with every scope, to loopback callers only',
    );
  }
  const { url } = await app.listen(config.port, config.host);
  const { services } = app;
  // So that `npm run keys` beside this server goes through it instead of its directory.
  if (!config.databaseUrl) recordServerUrl(config.dataDir, url);
  logger.info(
    {
      url,
      env: config.env,
      authentication: devAccount
        ? 'none from loopback (the "dev" account) until the first API key is created'
        : ['API keys', ...(config.jwt ? [`JWTs from ${config.jwt.issuer}`] : [])].join(' or '),
      store:
        app.store.db.kind === 'embedded'
          ? `embedded PGlite in ${config.dataDir}`
          : 'PostgreSQL (DATABASE_URL)',
      streams: config.redisUrl ? 'Redis Streams (REDIS_URL)' : 'in-process',
      providers: Object.fromEntries(
        Object.entries(services.providerChains.providers).map(([name, settings]) => [
          name,
          settings.type,
        ]),
      ),
      chains: Object.fromEntries(
        Object.entries(services.providerChains.features).map(([feature, policy]) => [
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
  if (error instanceof DataDirLockedError) fail(error.message);
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
    fail(`port ${config.port} on ${config.host} is already in use (set PORT)`);
  throw error;
}
