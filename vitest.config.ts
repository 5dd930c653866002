import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

// Node resolves `graphql` to its CommonJS build, which @apollo/subgraph and @apollo/server load;
// Vite would give our sources the ES module build instead, and two copies of graphql refuse each
// other's schema objects. Tests load the one copy production loads.
const graphql = createRequire(import.meta.url).resolve('graphql');

export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: graphql }] },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Servers start on ephemeral ports and PGlite opens real data directories: give them room.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most of a test's time is spent waiting on servers and sockets: three workers on two cores
    // finish the suite in about 60 % of the time one worker per core would take.
    maxWorkers: 3,
  },
});
