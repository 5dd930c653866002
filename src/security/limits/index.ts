/**
 * Abuse limits (issue #7): per-account rate limits over a LimitStore, and the measure of a GraphQL
 * operation's shape that the server's operation gate compares with the query limits.
 */
export { AccountLimits, DEFAULT_RATE_LIMITS, rateLimited, releasingOnEnd, type RateLimits, type RateRule, type UsageCharge } from './account-limits.js';
export { MemoryLimitStore } from './memory-store.js';
export { DEFAULT_LIST_SIZE, measureOperation, type OperationShape, type ShapeOptions } from './operation-shape.js';
export { systemClock, type BucketResult, type Clock, type LeaseResult, type LimitStore } from './store.js';
