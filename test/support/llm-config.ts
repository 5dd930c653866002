/** Writes an LLM_CONFIG file for a test server and returns its path. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LlmConfigFile } from '../../src/llm/provider-chains.js';
import { temporaryDataDir } from './server.js';

export function writeLlmConfig(config: LlmConfigFile): string {
  const path = join(temporaryDataDir(), 'llm-config.json');
  writeFileSync(path, JSON.stringify(config));
  return path;
}

/**
 * An LLM_CONFIG that sends ticket routing to the OpenAI double (model `gpt-test`, temperature 0, no
 * gateway retries) and every other feature to the builtin provider; `extra` adds prices and such.
 */
export function routingThroughDouble(
  doubleUrl: string,
  extra: Partial<LlmConfigFile> = {},
): string {
  return writeLlmConfig({
    providers: { openai: { type: 'openai', baseURL: doubleUrl }, builtin: { type: 'builtin' } },
    defaults: { chain: ['builtin:builtin'] },
    features: { ROUTING: { chain: ['openai:gpt-test'], temperature: 0, retries: 0 } },
    ...extra,
  });
}

export { MODEL_STATUS_UPDATE } from '../fixtures/status-update.js';
