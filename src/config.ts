/**
 * Every setting, read from the environment once at start-up and validated with zod. A bad value
 * stops start-up with one line naming the variable and what it accepts.
 */
import { z } from 'zod';
import {
  DEFAULT_SUPERGRAPH_CONFIG,
  loadSupergraphConfig,
  SupergraphConfigError,
  type SupergraphConfig,
} from './graphql/supergraph-config.js';
import type { TracingSettings } from './infra/observability/tracing-settings.js';
import type { JwtSettings } from './security/authenticate.js';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be an integer from ${min} to ${max}`)
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(min, `must be an integer from ${min} to ${max}`)
        .max(max, `must be an integer from ${min} to ${max}`),
    );

const decimal = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?$/, `must be a number from ${min} to ${max}`)
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, `must be a number from ${min} to ${max}`)
        .max(max, `must be a number from ${min} to ${max}`),
    );

const environmentSchema = z.object({
  NODE_ENV: z
    .enum(['development', 'production', 'test'], {
      error: 'must be development, production or test',
    })
    .default('development'),
  PORT: int(0, 65535).default(4000),
  HOST: z.string().min(1).optional(),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATABASE_POOL_SIZE: int(1, 1000).default(10),
  // Off behind a pooler in transaction mode that refuses prepared statements (PgBouncer before 1.21).
  DATABASE_PREPARED_STATEMENTS: bool.default(true),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: z.url({ error: 'must be a URL such as http://localhost:8000/v1' }).optional(),
  OPENAI_MODEL: z.string().min(1).default('gpt-4o-mini'),
  LLM_CONFIG: z.string().min(1).optional(),
  SUPERGRAPH_CONFIG: z.string().min(1).optional(),
  SANDBOX: bool.optional(),
  SHUTDOWN_GRACE_MS: int(0, 600_000).default(10_000),
  STREAM_RETENTION_SECONDS: int(1, 86_400).default(600),
  STREAM_ABANDON_MS: int(0, 3_600_000).default(30_000),
  // Bounded memory per subscriber (issue 14): open subscriptions per socket and per account (in
  // each process), and how much a websocket may hold unsent before its client counts as gone.
  WS_MAX_SUBSCRIPTIONS_PER_SOCKET: int(0, 100_000).default(100),
  MAX_SUBSCRIPTIONS_PER_ACCOUNT: int(0, 1_000_000).default(500),
  WS_MAX_BUFFERED_BYTES: int(1024, 1024 * 1024 * 1024).default(4 * 1024 * 1024),
  // Deltas arriving within this long after the last published one go out together as one event.
  STREAM_FRAME_MS: int(0, 1000).default(30),
  // Replicas sharing PostgreSQL: heartbeat of running generations, and when a silent one is orphaned.
  GENERATION_HEARTBEAT_MS: int(10, 600_000).default(5_000),
  GENERATION_STALE_AFTER_MS: int(30, 3_600_000).default(15_000),
  // 8 MiB: a job log may be 2 MiB, and JSON escaping (quotes, ANSI codes as \u001b) can double it.
  MAX_BODY_BYTES: int(1024, 100 * 1024 * 1024).default(8 * 1024 * 1024),
  // The query text alone: graphql-js's validation is superlinear in it, and real operations are a few KiB.
  MAX_QUERY_BYTES: int(256, 100 * 1024 * 1024).default(32 * 1024),
  // A request's headers, and the whole request with its body, must arrive within these (slow-loris).
  HTTP_HEADERS_TIMEOUT_MS: int(100, 600_000).default(10_000),
  HTTP_REQUEST_TIMEOUT_MS: int(100, 3_600_000).default(30_000),
  // An idle keep-alive connection stays open this long: longer than the idle timeout of what sits in
  // front (a gateway's connection pool, a load balancer's 60 s), so that a client never reuses a
  // connection this side has just closed (the request then fails with ECONNRESET). Node's 5 s
  // default loses that race whenever the client is a little late, as a busy machine makes it.
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(1_000, 600_000).default(65_000),
  BUILTIN_STREAM_DELAY_MS: int(0, 10_000).default(0),
  EVAL_DRIFT_MARGIN: decimal(0, 1).default(0.05),
  EVAL_DRIFT_BASELINE_BUCKETS: int(1, 365).default(7),
  EVAL_DRIFT_MIN_SAMPLES: int(1, 1_000_000).default(20),
  ROUTING_TRIAGE_SECONDS_PER_TICKET: decimal(0, 86_400).default(120),
  ROUTING_TRIAGE_HOURLY_COST_USD: decimal(0, 100_000).default(40),
  ROUTING_SETUP_COST_USD: decimal(0, 100_000_000).default(0),
  INTROSPECTION: bool.optional(),
  JWT_ISSUER: z.string().min(1).optional(),
  JWT_AUDIENCE: z.string().min(1).optional(),
  JWT_JWKS_URL: z.url({ error: 'must be the URL of a JWKS document' }).optional(),
  JWT_PUBLIC_KEY: z
    .string()
    .includes('BEGIN PUBLIC KEY', { error: 'must be a PEM public key' })
    .optional(),
  JWT_ACCOUNT_CLAIM: z.string().min(1).default('sub'),
  // A token without `exp` would be valid forever; refused unless this says otherwise.
  JWT_ALLOW_WITHOUT_EXP: bool.default(false),
  // Abuse limits (issue #7); 0 turns a limit off.
  RATE_LIMIT_REQUESTS_PER_MINUTE: int(0, 1_000_000).default(600),
  RATE_LIMIT_TOKENS_PER_MINUTE: int(0, 1_000_000_000).default(200_000),
  DAILY_BUDGET_USD: decimal(0, 1_000_000).default(50),
  MAX_CONCURRENT_STREAMS: int(0, 100_000).default(20),
  QUERY_MAX_DEPTH: int(0, 1000).default(12),
  QUERY_MAX_ALIASES: int(0, 100_000).default(30),
  QUERY_MAX_ROOT_FIELDS: int(0, 100_000).default(20),
  // The standard introspection query spreads 10; nested fragments written out must stay near that.
  QUERY_MAX_FRAGMENT_SPREADS: int(0, 1_000_000).default(500),
  // Above every input's own bound (importLabeledTickets takes 5000 rows), so that bound's clearer error wins.
  QUERY_MAX_LIST_LENGTH: int(0, 10_000_000).default(5000),
  QUERY_MAX_COST: int(0, 1_000_000_000).default(5000),
  // Data protection (issue #7): the prompt-injection screen and the audit log.
  INJECTION_ACTION: z
    .enum(['log', 'flag', 'block'], { error: 'must be log, flag or block' })
    .default('flag'),
  INJECTION_LOG_THRESHOLD: decimal(0, 1).default(0.3),
  INJECTION_FLAG_THRESHOLD: decimal(0, 1).default(0.5),
  INJECTION_BLOCK_THRESHOLD: decimal(0, 1).default(0.9),
  // A model's second opinion on scores between the log and the block threshold (issue #21), off unless set.
  INJECTION_SECOND_OPINION: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*:\S+$/i, 'must be "provider:model", e.g. "openai:gpt-4o-mini"')
    .optional(),
  INJECTION_SECOND_OPINION_CONFIDENCE: decimal(0, 1).default(0.8),
  INJECTION_SECOND_OPINION_CALLS_PER_DAY: int(0, 100_000_000).default(1000),
  INJECTION_SECOND_OPINION_USD_PER_DAY: decimal(0, 1_000_000).default(1),
  INJECTION_SECOND_OPINION_TIMEOUT_MS: int(100, 60_000).default(3000),
  INJECTION_SECOND_OPINION_CONCURRENCY: int(1, 10_000).default(16),
  AUDIT_RAW_TEXT: bool.default(false),
  // How long audit rows wait to share one INSERT (issue #19): at 50 calls/s, 10 ms shared none.
  // At most 1 s: shutdown waits for the last rows.
  AUDIT_WRITE_DELAY_MS: int(0, 1_000).default(100),
  // OpenTelemetry tracing (issue #9), off unless an OTLP endpoint is set: the standard variables.
  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .url({
      protocol: /^https?$/,
      error: 'must be the base URL of an OTLP/HTTP collector, such as http://localhost:4318',
    })
    .optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z
    .url({
      protocol: /^https?$/,
      error: 'must be the URL traces are posted to, such as http://localhost:4318/v1/traces',
    })
    .optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default('ai-subgraph'),
  // Routing backlogs (issue #9): the queue their chunks go through, and how each chunk is worked.
  BACKLOG_QUEUE: z.enum(['memory', 'pg-boss'], { error: 'must be memory or pg-boss' }).optional(),
  BACKLOG_CONCURRENCY: int(1, 64).default(2),
  BACKLOG_ATTEMPTS: int(1, 20).default(4),
  BACKLOG_RETRY_DELAY_SECONDS: int(0, 3600).default(2),
  BACKLOG_CHUNK_TIMEOUT_SECONDS: int(1, 3600).default(300),
});

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  logLevel: string;
  dataDir: string;
  databaseUrl?: string;
  databasePoolSize: number;
  /** Frequent small statements are prepared once per PostgreSQL connection (DATABASE_PREPARED_STATEMENTS). */
  databasePreparedStatements: boolean;
  redisUrl?: string;
  openai: { apiKey?: string; baseUrl?: string; model: string };
  llmConfigPath?: string;
  /**
   * A provider's API key by the name of its variable (an LLM_CONFIG provider's `apiKeyEnv`), read
   * from the same environment as every other setting; `OPENAI_API_KEY` is `openai.apiKey`.
   */
  secret(variable: string): string | undefined;
  /** The shape of the entities this subgraph extends (SUPERGRAPH_CONFIG, else the default shape). */
  supergraph: SupergraphConfig;
  sandbox: boolean;
  shutdownGraceMs: number;
  streamRetentionMs: number;
  streamAbandonMs: number;
  /** Deltas are coalesced into one event per frame of this length; 0 publishes every delta alone. */
  streamFrameMs: number;
  /** What one subscriber may hold; 0 turns a cap off. */
  subscriptionLimits: {
    perSocket: number;
    /** Per account in each process. */
    perAccount: number;
    /** A websocket with more than this queued unsent is closed (its client stopped reading). */
    maxBufferedBytes: number;
  };
  /**
   * Scale-out: how often a replica heartbeats its running generations (and refreshes its remote
   * subscribers), and after how long without a heartbeat a generation is swept INTERRUPTED.
   */
  generationHeartbeat: { intervalMs: number; staleAfterMs: number };
  maxBodyBytes: number;
  /** Largest query text parsed (HTTP and graphql-ws); bodies may be larger for their variables. */
  maxQueryBytes: number;
  /** How long a request's headers, and the whole request, may take to arrive. */
  httpTimeouts: { headersMs: number; requestMs: number; keepAliveMs: number };
  builtinStreamDelayMs: number;
  /** Drift detection of evalMetrics, and the triage economics of routingRoi. */
  evaluation: EvaluationSettings;
  /** Whether introspection and `_service` answer at all (to authenticated callers). */
  introspection: boolean;
  jwt?: JwtSettings;
  /** Per account; 0 is unlimited (see security/limits). */
  rateLimits: {
    requestsPerMinute: number;
    tokensPerMinute: number;
    dailyBudgetUsd: number;
    maxConcurrentStreams: number;
  };
  /** Per operation, checked before it runs; 0 is unlimited (see server/plugins/operation-gate.ts). */
  queryLimits: {
    maxDepth: number;
    maxAliases: number;
    maxRootFields: number;
    maxFragmentSpreads: number;
    maxListLength: number;
    maxCost: number;
  };
  /** The strongest action on suspected prompt injection, the score thresholds, and whether the audit log keeps (redacted) text. */
  dataProtection: {
    injectionAction: 'log' | 'flag' | 'block';
    injectionThresholds: { log: number; flag: number; block: number };
    auditRawText: boolean;
    /** How long an audit row waits for others to share its INSERT (AUDIT_WRITE_DELAY_MS). */
    auditWriteDelayMs: number;
    /** The model asked about uncertain scores, and its budget; undefined (the default) asks none. */
    secondOpinion?: {
      target: { provider: string; model: string };
      minConfidence: number;
      callsPerDay: number;
      usdPerDay: number;
      timeoutMs: number;
      maxInFlight: number;
    };
  };
  /** OTLP/HTTP export of traces; undefined (the default) leaves tracing off and its SDK unloaded. */
  tracing?: TracingSettings;
  /** Routing backlogs: in-process queue (embedded default) or pg-boss on DATABASE_URL (its default), and per-chunk work settings. */
  backlog: {
    queue: 'memory' | 'pg-boss';
    concurrency: number;
    attempts: number;
    retryDelayMs: number;
    timeoutMs: number;
  };
}

export interface EvaluationSettings {
  /** Drift when the latest bucket is below the trailing baseline by more than this (absolute, 0 to 1). */
  driftMargin: number;
  /** Buckets before the latest that form the baseline. */
  driftBaselineBuckets: number;
  /** Fewer samples than this in the latest bucket (or the baseline) say nothing about drift. */
  driftMinSamples: number;
  /** A person's time to triage one ticket by hand, and what an hour of it costs. */
  triageSecondsPerTicket: number;
  triageHourlyCostUsd: number;
  /** One-off cost of setting routing up (labeling, integration), for the payback period. */
  routingSetupCostUsd: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function supergraphConfig(path: string): SupergraphConfig {
  try {
    return loadSupergraphConfig(path);
  } catch (error) {
    if (error instanceof SupergraphConfigError)
      throw new ConfigError(`SUPERGRAPH_CONFIG ${error.message}`);
    throw error;
  }
}

/** Blank values count as unset, as shells and .env files often leave them. */
function withoutBlanks(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && entry[1].trim() !== '',
    ),
  );
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = withoutBlanks(env);
  const parsed = environmentSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0]);
    const given = env[name];
    throw new ConfigError(
      `${name} ${issue.message}${given === undefined ? '' : ` (got ${JSON.stringify(given.length > 60 ? `${given.slice(0, 60)}…` : given)})`}`,
    );
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    // Listen on loopback unless deployed: the development account must not be reachable from a network.
    host: e.HOST ?? (production ? '0.0.0.0' : '127.0.0.1'),
    logLevel: e.LOG_LEVEL,
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    databasePreparedStatements: e.DATABASE_PREPARED_STATEMENTS,
    redisUrl: e.REDIS_URL,
    openai: { apiKey: e.OPENAI_API_KEY, baseUrl: e.OPENAI_BASE_URL, model: e.OPENAI_MODEL },
    llmConfigPath: e.LLM_CONFIG,
    secret: (variable) => (variable === 'OPENAI_API_KEY' ? e.OPENAI_API_KEY : present[variable]),
    supergraph: e.SUPERGRAPH_CONFIG
      ? supergraphConfig(e.SUPERGRAPH_CONFIG)
      : DEFAULT_SUPERGRAPH_CONFIG,
    sandbox: e.SANDBOX ?? !production,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    streamRetentionMs: e.STREAM_RETENTION_SECONDS * 1000,
    streamAbandonMs: e.STREAM_ABANDON_MS,
    streamFrameMs: e.STREAM_FRAME_MS,
    subscriptionLimits: {
      perSocket: e.WS_MAX_SUBSCRIPTIONS_PER_SOCKET,
      perAccount: e.MAX_SUBSCRIPTIONS_PER_ACCOUNT,
      maxBufferedBytes: e.WS_MAX_BUFFERED_BYTES,
    },
    generationHeartbeat: generationHeartbeat(e),
    maxBodyBytes: e.MAX_BODY_BYTES,
    maxQueryBytes: e.MAX_QUERY_BYTES,
    httpTimeouts: httpTimeouts(e),
    builtinStreamDelayMs: e.BUILTIN_STREAM_DELAY_MS,
    evaluation: {
      driftMargin: e.EVAL_DRIFT_MARGIN,
      driftBaselineBuckets: e.EVAL_DRIFT_BASELINE_BUCKETS,
      driftMinSamples: e.EVAL_DRIFT_MIN_SAMPLES,
      triageSecondsPerTicket: e.ROUTING_TRIAGE_SECONDS_PER_TICKET,
      triageHourlyCostUsd: e.ROUTING_TRIAGE_HOURLY_COST_USD,
      routingSetupCostUsd: e.ROUTING_SETUP_COST_USD,
    },
    introspection: e.INTROSPECTION ?? true,
    jwt: jwtSettings(e),
    rateLimits: {
      requestsPerMinute: e.RATE_LIMIT_REQUESTS_PER_MINUTE,
      tokensPerMinute: e.RATE_LIMIT_TOKENS_PER_MINUTE,
      dailyBudgetUsd: e.DAILY_BUDGET_USD,
      maxConcurrentStreams: e.MAX_CONCURRENT_STREAMS,
    },
    queryLimits: {
      maxDepth: e.QUERY_MAX_DEPTH,
      maxAliases: e.QUERY_MAX_ALIASES,
      maxRootFields: e.QUERY_MAX_ROOT_FIELDS,
      maxFragmentSpreads: e.QUERY_MAX_FRAGMENT_SPREADS,
      maxListLength: e.QUERY_MAX_LIST_LENGTH,
      maxCost: e.QUERY_MAX_COST,
    },
    dataProtection: {
      injectionAction: e.INJECTION_ACTION,
      injectionThresholds: injectionThresholds(e),
      auditRawText: e.AUDIT_RAW_TEXT,
      auditWriteDelayMs: e.AUDIT_WRITE_DELAY_MS,
      secondOpinion: secondOpinionSettings(e),
    },
    tracing: tracingSettings(e),
    backlog: backlogSettings(e),
  };
}

/** Node refuses a headers timeout longer than the request timeout it is part of. */
function httpTimeouts(e: z.output<typeof environmentSchema>): Config['httpTimeouts'] {
  if (e.HTTP_HEADERS_TIMEOUT_MS > e.HTTP_REQUEST_TIMEOUT_MS)
    throw new ConfigError(
      `HTTP_HEADERS_TIMEOUT_MS must not be longer than HTTP_REQUEST_TIMEOUT_MS (got ${e.HTTP_HEADERS_TIMEOUT_MS} and ${e.HTTP_REQUEST_TIMEOUT_MS})`,
    );
  return {
    headersMs: e.HTTP_HEADERS_TIMEOUT_MS,
    requestMs: e.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
  };
}

/** pg-boss keeps its jobs in PostgreSQL: the default, and only possible, with DATABASE_URL. */
function backlogSettings(e: z.output<typeof environmentSchema>): Config['backlog'] {
  if (e.BACKLOG_QUEUE === 'pg-boss' && !e.DATABASE_URL)
    throw new ConfigError(
      'BACKLOG_QUEUE=pg-boss needs DATABASE_URL (pg-boss keeps its jobs in PostgreSQL)',
    );
  return {
    queue: e.BACKLOG_QUEUE ?? (e.DATABASE_URL ? 'pg-boss' : 'memory'),
    concurrency: e.BACKLOG_CONCURRENCY,
    attempts: e.BACKLOG_ATTEMPTS,
    retryDelayMs: e.BACKLOG_RETRY_DELAY_SECONDS * 1000,
    timeoutMs: e.BACKLOG_CHUNK_TIMEOUT_SECONDS * 1000,
  };
}

/** The traces URL as the OTLP specification derives it: the signal's own variable as is, else the base URL + `/v1/traces`. */
function tracingSettings(e: z.output<typeof environmentSchema>): TracingSettings | undefined {
  const url =
    e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
    (e.OTEL_EXPORTER_OTLP_ENDPOINT &&
      `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`);
  return url ? { url, serviceName: e.OTEL_SERVICE_NAME } : undefined;
}

/** A heartbeat is stale only after several were missed: one late heartbeat must not orphan a generation. */
function generationHeartbeat(e: z.output<typeof environmentSchema>): {
  intervalMs: number;
  staleAfterMs: number;
} {
  if (e.GENERATION_STALE_AFTER_MS < 2 * e.GENERATION_HEARTBEAT_MS) {
    throw new ConfigError(
      `GENERATION_STALE_AFTER_MS must be at least twice GENERATION_HEARTBEAT_MS (got ${e.GENERATION_STALE_AFTER_MS} and ${e.GENERATION_HEARTBEAT_MS})`,
    );
  }
  return { intervalMs: e.GENERATION_HEARTBEAT_MS, staleAfterMs: e.GENERATION_STALE_AFTER_MS };
}

/** Each action applies from its threshold up, so the thresholds must not decrease from log to flag to block. */
function injectionThresholds(e: z.output<typeof environmentSchema>): {
  log: number;
  flag: number;
  block: number;
} {
  const thresholds = {
    log: e.INJECTION_LOG_THRESHOLD,
    flag: e.INJECTION_FLAG_THRESHOLD,
    block: e.INJECTION_BLOCK_THRESHOLD,
  };
  if (thresholds.log > thresholds.flag || thresholds.flag > thresholds.block) {
    throw new ConfigError(
      `INJECTION_LOG_THRESHOLD, INJECTION_FLAG_THRESHOLD and INJECTION_BLOCK_THRESHOLD must not decrease (got ${thresholds.log}, ${thresholds.flag}, ${thresholds.block})`,
    );
  }
  return thresholds;
}

function secondOpinionSettings(
  e: z.output<typeof environmentSchema>,
): Config['dataProtection']['secondOpinion'] {
  if (!e.INJECTION_SECOND_OPINION) return undefined;
  // Split at the first colon: model ids may hold colons (Bedrock's `...-v1:0`).
  const at = e.INJECTION_SECOND_OPINION.indexOf(':');
  return {
    target: {
      provider: e.INJECTION_SECOND_OPINION.slice(0, at),
      model: e.INJECTION_SECOND_OPINION.slice(at + 1),
    },
    minConfidence: e.INJECTION_SECOND_OPINION_CONFIDENCE,
    callsPerDay: e.INJECTION_SECOND_OPINION_CALLS_PER_DAY,
    usdPerDay: e.INJECTION_SECOND_OPINION_USD_PER_DAY,
    timeoutMs: e.INJECTION_SECOND_OPINION_TIMEOUT_MS,
    maxInFlight: e.INJECTION_SECOND_OPINION_CONCURRENCY,
  };
}

/** JWT settings are all or nothing: an issuer, an audience, and a JWKS URL or a public key. */
function jwtSettings(e: z.output<typeof environmentSchema>): JwtSettings | undefined {
  const given = [e.JWT_ISSUER, e.JWT_AUDIENCE, e.JWT_JWKS_URL ?? e.JWT_PUBLIC_KEY];
  if (given.every((value) => value === undefined)) return undefined;
  if (given.some((value) => value === undefined))
    throw new ConfigError(
      'JWT_ISSUER, JWT_AUDIENCE and JWT_JWKS_URL (or JWT_PUBLIC_KEY) must be set together',
    );
  return {
    issuer: e.JWT_ISSUER!,
    audience: e.JWT_AUDIENCE!,
    jwksUrl: e.JWT_JWKS_URL,
    publicKeyPem: e.JWT_PUBLIC_KEY,
    accountClaim: e.JWT_ACCOUNT_CLAIM,
    allowWithoutExp: e.JWT_ALLOW_WITHOUT_EXP,
  };
}
