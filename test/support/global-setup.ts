/**
 * Creating a PGlite data directory runs initdb (seconds); opening an existing one takes a fraction
 * of that. Build one migrated template per test run and let each test server start from a copy.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { openStore } from '../../src/store/index.js';

export default async function setup(project: TestProject) {
  const templateDir = mkdtempSync(join(tmpdir(), 'ai-subgraph-template-'));
  const store = await openStore({ dataDir: templateDir, poolSize: 1 });
  await store.close();
  project.provide('templateDataDir', templateDir);
  return () => rmSync(templateDir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    templateDataDir: string;
  }
}
