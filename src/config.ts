/**
 * Every setting, read from the environment once at start-up and validated with zod. A bad value
 * stops start-up with one line naming the variable and what it accepts.
 */
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be an integer from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be an integer from ${min} to ${max}`).max(max, `must be an integer from ${min} to ${max}`));

const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test'], { error: 'must be development, production or test' }).default('development'),
  PORT: int(0, 65535).default(4000),
  HOST: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'must be one of fatal, error, warn, info, debug, trace, silent' }).default('info'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL').optional(),
  DATABASE_POOL_SIZE: int(1, 1000).default(10),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: z.url({ error: 'must be a URL such as http://localhost:8000/v1' }).optional(),
  OPENAI_MODEL: z.string().min(1).default('gpt-4o-mini'),
  LLM_CONFIG: z.string().min(1).optional(),
  SANDBOX: bool.optional(),
  SHUTDOWN_GRACE_MS: int(0, 600_000).default(10_000),
  STREAM_RETENTION_SECONDS: int(1, 86_400).default(600),
  STREAM_ABANDON_MS: int(0, 3_600_000).default(30_000),
  MAX_BODY_BYTES: int(1024, 100 * 1024 * 1024).default(2 * 1024 * 1024),
  BUILTIN_STREAM_DELAY_MS: int(0, 10_000).default(0),
});

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  logLevel: string;
  dataDir: string;
  databaseUrl?: string;
  databasePoolSize: number;
  redisUrl?: string;
  openai: { apiKey?: string; baseUrl?: string; model: string };
  llmConfigPath?: string;
  sandbox: boolean;
  shutdownGraceMs: number;
  streamRetentionMs: number;
  streamAbandonMs: number;
  maxBodyBytes: number;
  builtinStreamDelayMs: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Blank values count as unset, as shells and .env files often leave them. */
function withoutBlanks(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1].trim() !== ''));
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = environmentSchema.safeParse(withoutBlanks(env));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0]);
    const given = env[name];
    throw new ConfigError(`${name} ${issue.message}${given === undefined ? '' : ` (got ${JSON.stringify(given.length > 60 ? `${given.slice(0, 60)}…` : given)})`}`);
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
    redisUrl: e.REDIS_URL,
    openai: { apiKey: e.OPENAI_API_KEY, baseUrl: e.OPENAI_BASE_URL, model: e.OPENAI_MODEL },
    llmConfigPath: e.LLM_CONFIG,
    sandbox: e.SANDBOX ?? !production,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    streamRetentionMs: e.STREAM_RETENTION_SECONDS * 1000,
    streamAbandonMs: e.STREAM_ABANDON_MS,
    maxBodyBytes: e.MAX_BODY_BYTES,
    builtinStreamDelayMs: e.BUILTIN_STREAM_DELAY_MS,
  };
}
