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

export { MODEL_STATUS_UPDATE } from '../fixtures/status-update.js';
