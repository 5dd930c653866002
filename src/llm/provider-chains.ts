/**
 * Which provider and model serve each feature: an ordered chain of `provider:model` targets per
 * feature, with defaults. Read from LLM_CONFIG (JSON or YAML) or derived from the environment.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { FEATURES, type Feature } from '../domain.js';

const targetSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*:[^\s]+$/i, 'a target is "provider:model", e.g. "openai:gpt-4o-mini"')
  .transform((value) => {
    const at = value.indexOf(':');
    return { provider: value.slice(0, at), model: value.slice(at + 1) };
  });

export type Target = z.output<typeof targetSchema>;

export const targetKey = (target: Target) => `${target.provider}:${target.model}`;

const featurePolicySchema = z.object({
  chain: z.array(targetSchema).min(1),
  temperature: z.number().min(0).max(2).default(0.2),
  maxOutputTokens: z.number().int().min(1).max(100_000).default(1500),
  /** The whole call's deadline, retries and fallbacks included. */
  timeoutMs: z.number().int().min(100).max(600_000).default(60_000),
  /** Retries per target on retryable failures (rate limits, timeouts, outages), before falling back. */
  retries: z.number().int().min(0).max(10).default(2),
});

export type FeaturePolicy = z.output<typeof featurePolicySchema>;

/** As written in the file: merged per feature over `defaults`, then checked as a whole. */
const partialPolicySchema = z.looseObject({}).pipe(z.record(z.string(), z.unknown()));

const providerSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('openai'),
    /** Name of the environment variable holding the key, so the file itself holds no secret. */
    apiKeyEnv: z.string().default('OPENAI_API_KEY'),
    baseURL: z.url().optional(),
    /** Self-hosted servers inside the trust boundary may receive raw text (no PII redaction). */
    trusted: z.boolean().default(false),
    /** Replace personal data and secrets by placeholders before sending; default: unless `trusted`. */
    redactPii: z.boolean().optional(),
    timeoutMs: z.number().int().positive().optional(),
  }),
  z.object({
    type: z.literal('bedrock'),
    region: z.string().optional(),
    endpoint: z.url().optional(),
    trusted: z.boolean().default(false),
    redactPii: z.boolean().optional(),
  }),
  z.object({ type: z.literal('builtin') }),
]);

export type ProviderSettings = z.output<typeof providerSchema>;

const priceSchema = z.object({
  inputPerMillionUsd: z.number().min(0),
  outputPerMillionUsd: z.number().min(0),
});

/** How the gateway protects itself and the providers; one set for every target. */
const policiesSchema = z.object({
  retry: z
    .object({
      baseDelayMs: z.number().int().min(0).default(200),
      maxDelayMs: z.number().int().min(0).default(5_000),
    })
    .prefault({}),
  breaker: z
    .object({
      failureThreshold: z.number().int().min(1).default(5),
      cooldownMs: z.number().int().min(0).default(30_000),
    })
    .prefault({}),
  concurrency: z
    .object({
      maxConcurrent: z.number().int().min(1).default(32),
      maxQueue: z.number().int().min(0).default(256),
      queueTimeoutMs: z.number().int().min(0).default(10_000),
    })
    .prefault({}),
  /** Bytes of deterministic (temperature 0) answers kept for exact-match reuse; 0 turns the cache off. */
  cacheMaxBytes: z
    .number()
    .int()
    .min(0)
    .default(32 * 1024 * 1024),
});

export type GatewayPolicies = z.output<typeof policiesSchema>;

export const llmConfigSchema = z.object({
  providers: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i), providerSchema),
  defaults: partialPolicySchema.default({}),
  features: z.partialRecord(z.enum(FEATURES), partialPolicySchema).default({}),
  /** USD per million tokens, keyed by `provider:model`. Unlisted targets cost 0. */
  prices: z.record(z.string(), priceSchema).default({}),
  policies: policiesSchema.prefault({}),
});

export type LlmConfigFile = z.input<typeof llmConfigSchema>;

export interface ProviderChains {
  providers: Record<string, ProviderSettings>;
  features: Record<Feature, FeaturePolicy>;
  prices: Record<string, z.output<typeof priceSchema>>;
  policies: GatewayPolicies;
}

export class LlmConfigError extends Error {
  override name = 'LlmConfigError';
}

function resolve(file: z.output<typeof llmConfigSchema>): ProviderChains {
  const features = {} as Record<Feature, FeaturePolicy>;
  for (const feature of FEATURES) {
    const merged = featurePolicySchema.safeParse({ ...file.defaults, ...file.features[feature] });
    if (!merged.success)
      throw new LlmConfigError(
        `feature ${feature}: ${z.prettifyError(merged.error).replaceAll('\n', '; ')}`,
      );
    for (const target of merged.data.chain) {
      if (!file.providers[target.provider])
        throw new LlmConfigError(
          `feature ${feature}: chain names provider "${target.provider}", which is not configured under "providers"`,
        );
    }
    features[feature] = merged.data;
  }
  return { providers: file.providers, features, prices: file.prices, policies: file.policies };
}

export function parseLlmConfig(source: string, path: string): ProviderChains {
  let raw: unknown;
  try {
    raw = path.endsWith('.json') ? JSON.parse(source) : parseYaml(source);
  } catch (error) {
    throw new LlmConfigError(
      `${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`,
    );
  }
  const parsed = llmConfigSchema.safeParse(raw);
  if (!parsed.success)
    throw new LlmConfigError(`${path}: ${z.prettifyError(parsed.error).replaceAll('\n', '; ')}`);
  return resolve(parsed.data);
}

export function loadLlmConfig(path: string): ProviderChains {
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (error) {
    throw new LlmConfigError(
      `cannot read LLM_CONFIG ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  return parseLlmConfig(source, path);
}

/**
 * The simple case, without a file: with an OpenAI key or base URL, every feature tries `openai`
 * first and falls back to `builtin`; without, `builtin` serves everything offline.
 */
export function chainsFromEnvironment(env: {
  openaiConfigured: boolean;
  openaiModel: string;
  openaiBaseUrl?: string;
}): ProviderChains {
  const chain = env.openaiConfigured
    ? [`openai:${env.openaiModel}`, 'builtin:builtin']
    : ['builtin:builtin'];
  const providers: LlmConfigFile['providers'] = { builtin: { type: 'builtin' } };
  if (env.openaiConfigured)
    providers.openai = {
      type: 'openai',
      ...(env.openaiBaseUrl ? { baseURL: env.openaiBaseUrl } : {}),
    };
  return resolve(llmConfigSchema.parse({ providers, defaults: { chain } }));
}
