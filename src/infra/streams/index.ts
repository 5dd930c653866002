/**
 * Opens the configured stream bus: in-process by default, Redis Streams when REDIS_URL is set (so
 * that a subscriber on any replica can follow a generation running on another).
 */
import type { Logger } from 'pino';
import type { StreamBus } from './bus.js';
import { MemoryStreamBus } from './memory-bus.js';
import { RedisStreamBus } from './redis-bus.js';

export interface BusOptions {
  redisUrl?: string;
  retentionMs: number;
  /** Subscribers across replicas: refresh interval and expiry of a replica's watcher entries (ms). */
  watcherRefreshMs?: number;
  watcherTtlMs?: number;
}

export async function openStreamBus(options: BusOptions, logger: Logger): Promise<StreamBus> {
  if (!options.redisUrl) return new MemoryStreamBus({ retentionMs: options.retentionMs });
  const bus = await RedisStreamBus.connect({
    url: options.redisUrl,
    retentionMs: options.retentionMs,
    watcherRefreshMs: options.watcherRefreshMs,
    watcherTtlMs: options.watcherTtlMs,
    // Reported once per outage; both connections reconnect and readers resume by themselves.
    onError: (error, context) =>
      logger.warn({ err: error, context }, 'Redis stream bus connection problem; reconnecting'),
  });
  logger.info('stream bus: Redis Streams');
  return bus;
}
