/**
 * The layer rules of docs/ARCHITECTURE.md as code: `npm run layers` (run by .ci/run) fails on a
 * break and names the rule. A layer imports only the layers below it:
 *
 *   src/client (watchGeneration, for frontends) stands alone: graphql-ws and nothing of the service.
 *
 *   main, cli ─► app (composition root) ─► server ─► graphql ─► services ─► features (plugged in through the registry)
 *                                                               │   ├► llm gateway ─► providers ─► llm spec
 *                                                               │   ├► security
 *                                                               │   └► ml (a library of its own)
 *                                                               └► infra (store, streams, queue, redis, observability)
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
      name: 'client-stands-alone',
      comment:
        'src/client holds what frontends use (watchGeneration): it imports graphql-ws and its own files, nothing else of the service.',
      severity: 'error',
      from: { path: room('client') },
      to: { path: '^src/', pathNot: room('client') },
    },
    {
      name: 'client-imports-only-graphql-ws',
      comment: 'A frontend copying src/client needs no package but graphql-ws.',
      severity: 'error',
      from: { path: room('client') },
      to: { dependencyTypes: ['npm', 'npm-dev', 'core'], pathNot: 'node_modules/graphql-ws/' },
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
          'features',
          'services',
          'graphql',
          'server',
          'cli',
          'infra',
          'security',
          'providers',
        ),
      },
    },
    {
      name: 'provider-spec-knows-no-public-errors',
      comment:
        "Providers and the spec they implement fail with ProviderError; which public ErrorCode a client sees is the gateway's decision (llm/public-error.ts).",
      severity: 'error',
      from: { path: '^src/(llm/(spec|errors)[.]ts$|providers/)' },
      to: { path: '^src/errors[.]ts$' },
    },
    {
      name: 'providers-know-no-service',
      comment: 'Providers know nothing of GraphQL, accounts, features, storage or streams.',
      severity: 'error',
      from: { path: room('providers') },
      to: { path: room('features', 'services', 'graphql', 'server', 'cli', 'infra', 'security') },
    },
    {
      name: 'features-below-services',
      comment:
        'Features are plugged into the generation service (through capability.ts and the registry in features/index.ts); they never call a service, GraphQL, HTTP or the CLIs.',
      severity: 'error',
      from: { path: room('features') },
      to: { path: room('services', 'graphql', 'server', 'cli') },
    },
    {
      name: 'services-reach-features-through-the-registry',
      comment:
        'A service sees the features only through GenerationCapability (features/capability.ts), the registry (features/index.ts) and what the features share (validate.ts, shared/); never one concrete feature.',
      severity: 'error',
      from: { path: room('services') },
      to: {
        path: '^src/features/',
        pathNot: '^src/features/(capability|index|validate)[.]ts$|^src/features/shared/',
      },
    },
    {
      name: 'services-below-transport',
      comment: 'Services never touch HTTP, GraphQL resolvers or the CLIs.',
      severity: 'error',
      from: { path: room('services') },
      to: { path: room('graphql', 'server', 'cli') },
    },
    {
      name: 'infra-below-the-domain',
      comment:
        'The infrastructure adapters (store, stream bus, queue, Redis, observability) serve the layers above; they import none of them.',
      severity: 'error',
      from: { path: room('infra') },
      to: {
        path: room('features', 'services', 'graphql', 'server', 'cli', 'providers', 'security'),
      },
    },
    {
      name: 'security-below-transport',
      comment:
        'Security policies are called by the transport, the services and the gateway; they do not call them.',
      severity: 'error',
      from: { path: room('security') },
      to: { path: room('graphql', 'server', 'cli', 'features', 'services') },
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
