/**
 * The layer rules of docs/ARCHITECTURE.md as code: `npm run layers` (run by .ci/run) fails on a
 * break and names the rule. A layer imports only the layers below it:
 *
 *   main, cli ─► app (composition root) ─► server ─► graphql ─► capabilities ─► llm gateway ─► providers ─► llm spec
 *                                   ├► security, streams, store, observability
 *                                   └► ml (a library of its own)
 */
/** Folders of src/ that a rule names, as a path pattern. */
const room = (...names) => `^src/(${names.join('|')})/`;

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        'Import cycles (type-only ones included) make a change in one file reach every file of the cycle.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'src-not-to-test',
      comment: 'The service never depends on its tests or benchmarks.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'src-not-to-dev-dependencies',
      comment: 'What src/ imports at run time must be a dependency, installed in production.',
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'ml-stands-alone',
      comment: 'src/ml is a machine-learning library: it imports nothing else of the service.',
      severity: 'error',
      from: { path: room('ml') },
      to: { path: '^src/', pathNot: room('ml') },
    },
    {
      name: 'llm-spec-stands-alone',
      comment: 'The provider spec (src/llm) depends on nothing above it.',
      severity: 'error',
      from: { path: room('llm') },
      to: {
        path: room(
          'capabilities',
          'graphql',
          'server',
          'cli',
          'store',
          'streams',
          'security',
          'providers',
        ),
      },
    },
    {
      name: 'providers-know-no-service',
      comment: 'Providers know nothing of GraphQL, accounts, storage or streams.',
      severity: 'error',
      from: { path: room('providers') },
      to: { path: room('graphql', 'server', 'cli', 'store', 'streams', 'security') },
    },
    {
      name: 'capabilities-below-transport',
      comment: 'Capabilities never touch HTTP, GraphQL resolvers or the CLIs.',
      severity: 'error',
      from: { path: room('capabilities') },
      to: { path: room('graphql', 'server', 'cli') },
    },
    {
      name: 'infrastructure-below-capabilities',
      comment:
        'The store, the stream bus and observability serve the layers above; they import none of them.',
      severity: 'error',
      from: { path: room('store', 'streams', 'observability') },
      to: { path: room('capabilities', 'graphql', 'server', 'cli', 'providers', 'security') },
    },
    {
      name: 'security-below-transport',
      comment:
        'Security policies are called by the transport and the gateway; they do not call them.',
      severity: 'error',
      from: { path: room('security') },
      to: { path: room('graphql', 'server', 'cli', 'capabilities') },
    },
    {
      name: 'graphql-below-server',
      comment: 'Resolvers do not reach into the transport (HTTP, graphql-ws, plugins).',
      severity: 'error',
      from: { path: room('graphql') },
      to: { path: room('server', 'cli') },
    },
    {
      name: 'server-below-app',
      comment:
        'The transport serves the services it is handed; the composition root (src/app) builds both.',
      severity: 'error',
      from: { path: room('server') },
      to: { path: room('app', 'cli') },
    },
    {
      name: 'nothing-below-imports-app',
      comment:
        'Only the entry points (main.ts, the CLIs) use the composition root; every room below it is wired by it.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/main[.]ts$', room('app', 'cli')] },
      to: { path: room('app') },
    },
    {
      name: 'app-not-to-entry-points',
      comment: 'The composition root is used by main.ts and the CLIs, never the other way round.',
      severity: 'error',
      from: { path: room('app') },
      to: { path: ['^src/main[.]ts$', room('cli')] },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
  },
};
