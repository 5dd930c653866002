/**
 * What an evaluation run is pointed at, in the words the API takes:
 * - routing: `CASCADE` (the taxonomy's cascade as production runs it), `LOCAL_MODEL` (the local
 *   model alone), `LLM` (the ROUTING chain's LLM alone), or a `provider:model` (that LLM alone);
 * - generation: `CHAIN` (the feature's configured chain) or a `provider:model`;
 * - pairwise comparison: `REFERENCE` (the case's reference text), `CHAIN` or a `provider:model`.
 */
import { badInput } from '../../errors.js';
import type { Target } from '../../llm/provider-chains.js';

const TARGET = /^([a-z0-9][a-z0-9_-]*):(\S+)$/i;

export type RoutingTarget = { mode: 'CASCADE' | 'LOCAL_MODEL' | 'LLM'; llm?: Target };
export type GenerationTarget = { chain: true } | { chain: false; target: Target };

/** Providers configured in LLM_CONFIG (or the environment), by name, with their type. */
export type ProviderTypes = (name: string) => string | undefined;

export function parseTarget(value: string, field: string, providers: ProviderTypes): Target {
  const match = TARGET.exec(value.trim());
  if (!match)
    throw badInput(
      `${field}: expected "provider:model" (e.g. "openai:gpt-4o-mini"), got "${value}"`,
    );
  const target = { provider: match[1]!, model: match[2]! };
  if (!providers(target.provider))
    throw badInput(`${field}: provider "${target.provider}" is not configured`);
  return target;
}

export function routingTarget(
  value: string | null | undefined,
  providers: ProviderTypes,
): { label: string; target: RoutingTarget } {
  const given = value?.trim() || 'CASCADE';
  if (given === 'CASCADE' || given === 'LOCAL_MODEL' || given === 'LLM')
    return { label: given, target: { mode: given } };
  const llm = parseTarget(given, 'target', providers);
  if (providers(llm.provider) === 'builtin')
    throw badInput(
      'target: the builtin provider has no LLM to route with; use CASCADE or LOCAL_MODEL',
    );
  return { label: `${llm.provider}:${llm.model}`, target: { mode: 'LLM', llm } };
}

export function generationTarget(
  value: string | null | undefined,
  providers: ProviderTypes,
  field = 'target',
): { label: string; target: GenerationTarget } {
  const given = value?.trim() || 'CHAIN';
  if (given === 'CHAIN') return { label: 'CHAIN', target: { chain: true } };
  const target = parseTarget(given, field, providers);
  return { label: `${target.provider}:${target.model}`, target: { chain: false, target } };
}

/** A judge must be a language model: the builtin provider drafts, it cannot judge. */
export function judgeTarget(value: string, providers: ProviderTypes): Target {
  const target = parseTarget(value, 'judge', providers);
  if (providers(target.provider) === 'builtin')
    throw badInput(
      'judge: the builtin provider cannot judge; name an LLM target such as "openai:gpt-4o"',
    );
  return target;
}

export const targetsOf = (target: GenerationTarget): readonly Target[] | undefined =>
  target.chain ? undefined : [target.target];
