/** Writes an LLM_CONFIG file for a test server and returns its path. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LlmConfigFile } from '../../src/llm/routing.js';
import { temporaryDataDir } from './server.js';

export function writeLlmConfig(config: LlmConfigFile): string {
  const path = join(temporaryDataDir(), 'llm-config.json');
  writeFileSync(path, JSON.stringify(config));
  return path;
}

/** A status update in the layout the capability parses, as a well-behaved model would write it. */
export const MODEL_STATUS_UPDATE = [
  '# [SEV2] Checkout errors in eu-west-1: Identified',
  '',
  '**Status:** Identified: deploy 2026.11.22-3 of checkout-api is being rolled back.',
  '**Impact:** Checkout errors for some customers since 09:12 UTC.',
  '**Affected services:** checkout-api, payments-gateway',
  '',
  '## What changed since the last update',
  '- 09:25 UTC: rollback of checkout-api started',
  '',
  '**Next update:** by 23:59 UTC.',
].join('\n');
