/**
 * Abuse limits (issue #7): per-account rate limits over a LimitStore (in memory, or Redis shared by
 * every replica, issue #9), and the measure of a GraphQL operation's shape that the server's
 * operation gate compares with the query limits.
 */
export {
  AccountLimits,
  DEFAULT_RATE_LIMITS,
  rateLimited,
  releasingOnEnd,
  type LimitEvents,
  type RateLimits,
  type RateRule,
  type UsageCharge,
} from './account-limits.js';
export { FallbackLimitStore, type FallbackEvents, type LimitOperation } from './fallback-store.js';
export { MemoryLimitStore } from './memory-store.js';
export { openLimitStore, type LimitStoreOptions } from './open-store.js';
export { RedisLimitStore, type RedisLimitStoreOptions } from './redis-store.js';
export {
  DEFAULT_LIST_SIZE,
  measureOperation,
  type OperationShape,
  type ShapeOptions,
} from './operation-shape.js';
export {
  systemClock,
  type BucketResult,
  type Clock,
  type LeaseResult,
  type LimitStore,
} from './limit-store.js';
