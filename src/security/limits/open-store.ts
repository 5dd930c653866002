/**
 * Opens the configured LimitStore: in-memory (each replica counts on its own) by default; Redis
 * when REDIS_URL is set, so limits hold across replicas, falling back to this replica's own
 * counts while Redis cannot answer (see fallback-store.ts for why).
 */
import type { Logger } from '../../infra/observability/logger.js';
import { FallbackLimitStore, type LimitOperation } from './fallback-store.js';
import { MemoryLimitStore } from './memory-store.js';
import { RedisLimitStore } from './redis-store.js';
import type { Clock, LimitStore } from './limit-store.js';

export interface LimitStoreOptions {
  redisUrl?: string;
  clock: Clock;
  /** Counts each operation answered locally because Redis failed. */
  fellBack: (operation: LimitOperation) => void;
}

export async function openLimitStore(
  options: LimitStoreOptions,
  logger: Logger,
): Promise<LimitStore> {
  if (!options.redisUrl) return new MemoryLimitStore(options.clock);
  const redis = await RedisLimitStore.connect({
    url: options.redisUrl,
    onError: (error, context) =>
      logger.warn({ err: error, context }, 'Redis rate limit store problem'),
  });
  logger.info('rate limits: Redis (shared by every replica)');
  return new FallbackLimitStore(redis, options.clock, {
    fellBack: options.fellBack,
    degraded: (error) =>
      logger.warn(
        { err: error },
        'rate limits: Redis is not answering; each replica enforces the limits on its own until it is back',
      ),
    recovered: () =>
      logger.info('rate limits: Redis answers again; limits are shared across replicas again'),
  });
}
