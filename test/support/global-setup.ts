/**
 * Creating a PGlite data directory runs initdb (seconds); opening an existing one takes a fraction
 * of that. Build one migrated template per test run and let each test server start from a copy.
 *
 * With TEST_DATABASE=postgres, also start a throwaway PostgreSQL cluster with a migrated template
 * database, from which every test server gets a fresh database (see postgres.ts and server.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { openStore } from '../../src/infra/store/index.js';
import { startPostgresCluster, testDatabaseIsPostgres, withAdmin } from './postgres.js';

export const POSTGRES_TEMPLATE = 'ai_subgraph_template';

export default async function setup(project: TestProject) {
  // Everything a run writes (the template, each test server's data directory) lives under one
  // directory removed at the end: test servers leave ~40 MB each, hundreds per run.
  const runDir = mkdtempSync(join(tmpdir(), 'ai-subgraph-tests-'));
  project.provide('testRunDir', runDir);
  const templateDir = join(runDir, 'template');
  const store = await openStore({ dataDir: templateDir, poolSize: 1 });
  await store.close();
  project.provide('templateDataDir', templateDir);
  project.provide('postgresAdminUrl', '');
  project.provide('postgresTemplate', '');

  let stopPostgres: () => Promise<void> = async () => undefined;
  if (testDatabaseIsPostgres()) {
    const cluster = await startPostgresCluster();
    stopPostgres = () => cluster.stop();
    try {
      await withAdmin(cluster.adminUrl, (client) =>
        client.query(`CREATE DATABASE ${POSTGRES_TEMPLATE}`),
      );
      const template = await openStore({
        dataDir: templateDir,
        databaseUrl: cluster.urlOf(POSTGRES_TEMPLATE),
        poolSize: 1,
      });
      await template.close();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    project.provide('postgresAdminUrl', cluster.adminUrl);
    project.provide('postgresTemplate', POSTGRES_TEMPLATE);
  }
  return async () => {
    await stopPostgres();
    rmSync(runDir, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's scratch directory, removed when the run ends. */
    testRunDir: string;
    templateDataDir: string;
    /** Superuser URL of the test PostgreSQL cluster; empty unless TEST_DATABASE=postgres. */
    postgresAdminUrl: string;
    /** Migrated template database on that cluster; empty unless TEST_DATABASE=postgres. */
    postgresTemplate: string;
  }
}
