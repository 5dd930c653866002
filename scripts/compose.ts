/**
 * Composes the supergraph this subgraph is meant to live in (ai-subgraph plus the tickets and
 * incidents subgraphs of test/federation/subgraphs) with @apollo/composition, the library Rover
 * and GraphOS use. Any composition error, and any hint, fails: a hint today is a broken contract
 * or a surprising query plan tomorrow. Then, as a GraphOS operation check would, every operation
 * the supergraph's clients are known to run (test/federation/operations.ts, and the Sandbox
 * document) is validated against the composed API schema: a change can compose and still break
 * them (a field made @inaccessible, say).
 *
 *   npm run compose     writes supergraph.graphql (gitignored) for a local router or gateway
 *   npm run compose -- --with tickets.graphql [more.graphql ...]
 *                       composes ai-subgraph, in the shape SUPERGRAPH_CONFIG gives it, with a
 *                       company's own subgraph files instead (each named after its file): every
 *                       error and hint is printed, exit code 1 on any error. The offline
 *                       equivalent of a schema check before deploying.
 *
 * The test suite composes through the same functions (test/federation/), so a schema change that
 * breaks the supergraph fails there and here alike.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { composeServices } from '@apollo/composition';
import { printSubgraphSchema } from '@apollo/subgraph';
import {
  buildASTSchema,
  parse,
  validate,
  type DocumentNode,
  type GraphQLError,
  type GraphQLSchema,
} from 'graphql';
import { buildSchema } from '../src/graphql/schema.js';
import {
  DEFAULT_SUPERGRAPH_CONFIG,
  loadSupergraphConfig,
  SupergraphConfigError,
  type SupergraphConfig,
} from '../src/graphql/supergraph-config.js';
import { EXAMPLE_DOCUMENT } from '../src/server/plugins/landing-page.js';
import { SUPERGRAPH_OPERATIONS } from '../test/federation/operations.js';
import { INCIDENTS_TYPE_DEFS } from '../test/federation/subgraphs/incidents.js';
import { TICKETS_TYPE_DEFS } from '../test/federation/subgraphs/tickets.js';

export interface SubgraphSource {
  name: string;
  /** Where the router reaches it. */
  url: string;
  typeDefs: DocumentNode;
}

export interface CompositionProblem {
  /** A composition error, a composition hint, or a known client operation the result breaks. */
  kind: 'error' | 'hint' | 'operation';
  code: string;
  message: string;
}

export class CompositionFailed extends Error {
  constructor(readonly problems: CompositionProblem[]) {
    super(
      `composition failed with ${problems.length} problem(s):\n${problems.map((problem) => `  [${problem.kind} ${problem.code}] ${problem.message}`).join('\n')}`,
    );
    this.name = 'CompositionFailed';
  }
}

/** ai-subgraph's SDL as a router sees it through `_service { sdl }`, in the given entity shape. */
export function aiSubgraphSdl(supergraph: SupergraphConfig = DEFAULT_SUPERGRAPH_CONFIG): string {
  return printSubgraphSchema(buildSchema(supergraph));
}

export const SUBGRAPH_NAMES = ['ai', 'tickets', 'incidents'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

/** Where `npm run compose` says the subgraphs are (a local router's defaults; override per run). */
export const DEFAULT_URLS: Record<SubgraphName, string> = {
  ai: process.env.AI_SUBGRAPH_URL ?? 'http://127.0.0.1:4000/graphql',
  tickets: process.env.TICKETS_SUBGRAPH_URL ?? 'http://127.0.0.1:4001/graphql',
  incidents: process.env.INCIDENTS_SUBGRAPH_URL ?? 'http://127.0.0.1:4002/graphql',
};

/** The three subgraphs; `aiSdl` replaces ai-subgraph's SDL (schema checks compose modified copies). */
export function supergraphSubgraphs(
  urls: Record<SubgraphName, string> = DEFAULT_URLS,
  aiSdl: string = aiSubgraphSdl(),
): SubgraphSource[] {
  return [
    { name: 'ai', url: urls.ai, typeDefs: parse(aiSdl) },
    { name: 'tickets', url: urls.tickets, typeDefs: TICKETS_TYPE_DEFS },
    { name: 'incidents', url: urls.incidents, typeDefs: INCIDENTS_TYPE_DEFS },
  ];
}

const problem = (kind: CompositionProblem['kind'], error: GraphQLError): CompositionProblem => ({
  kind,
  code: typeof error.extensions.code === 'string' ? error.extensions.code : 'UNKNOWN',
  message: error.message,
});

export interface Supergraph {
  /** The supergraph schema, for a router (`--supergraph`) or `new ApolloGateway({ supergraphSdl })`. */
  sdl: string;
  /** What clients of the supergraph can query: @inaccessible elements removed. */
  apiSchema: GraphQLSchema;
}

/** Operations checked against every composition: the known client operations and the Sandbox document. */
export const CHECKED_OPERATIONS: Record<string, string> = {
  ...SUPERGRAPH_OPERATIONS,
  'Sandbox document': EXAMPLE_DOCUMENT,
};

/** Every error and every hint of one composition, and the supergraph when there was no error. */
export function composeWithProblems(subgraphs: SubgraphSource[]): {
  problems: CompositionProblem[];
  result: ReturnType<typeof composeServices>;
} {
  const result = composeServices(subgraphs);
  const problems: CompositionProblem[] = [
    ...(result.errors ?? []).map((error) => problem('error', error)),
    ...(result.hints ?? []).map((hint): CompositionProblem => ({
      kind: 'hint',
      code: hint.definition.code,
      message: hint.message,
    })),
  ];
  return { problems, result };
}

/** Composes; throws CompositionFailed on any error or hint, or when a checked operation no longer validates. */
export function composeSupergraph(
  subgraphs: SubgraphSource[],
  operations: Record<string, string> = CHECKED_OPERATIONS,
): Supergraph {
  const { problems, result } = composeWithProblems(subgraphs);
  const errors = problems.filter((found) => found.kind === 'error');
  if (errors.length > 0 || result.errors) throw new CompositionFailed(errors);
  if (problems.length > 0) throw new CompositionFailed(problems);
  // Rebuilt from its AST with this module's graphql: composition's own GraphQLSchema comes from the
  // CommonJS build of graphql, which vitest loads beside the ESM one (graphql 16 has no `exports`).
  const apiSchema = buildASTSchema(result.schema.toAPISchema().toAST());
  const broken = Object.entries(operations).flatMap(([name, operation]) =>
    validate(apiSchema, parse(operation)).map((error): CompositionProblem => ({
      kind: 'operation',
      code: 'INVALID_OPERATION',
      message: `operation "${name}": ${error.message}`,
    })),
  );
  if (broken.length > 0) throw new CompositionFailed(broken);
  return { sdl: result.supergraphSdl, apiSchema };
}

export const SUPERGRAPH_PATH = fileURLToPath(new URL('../supergraph.graphql', import.meta.url));

/**
 * `--with <file>...`: ai-subgraph in its configured shape beside a company's own subgraphs. Hints
 * are printed but do not fail (a company's graph may carry its own); errors do.
 */
function composeWith(files: string[]): void {
  let supergraphConfig = DEFAULT_SUPERGRAPH_CONFIG;
  if (process.env.SUPERGRAPH_CONFIG) {
    try {
      supergraphConfig = loadSupergraphConfig(process.env.SUPERGRAPH_CONFIG);
    } catch (error) {
      if (!(error instanceof SupergraphConfigError)) throw error;
      console.error(`compose: SUPERGRAPH_CONFIG ${error.message}`);
      process.exit(1);
    }
  }
  const subgraphs: SubgraphSource[] = [
    { name: 'ai', url: DEFAULT_URLS.ai, typeDefs: parse(aiSubgraphSdl(supergraphConfig)) },
    ...files.map((file) => {
      const name = basename(file, extname(file));
      return {
        name,
        url: `http://${name}.invalid/graphql`,
        typeDefs: parse(readFileSync(file, 'utf8')),
      };
    }),
  ];
  const { problems, result } = composeWithProblems(subgraphs);
  for (const found of problems)
    console[found.kind === 'error' ? 'error' : 'log'](
      `compose: [${found.kind} ${found.code}] ${found.message}`,
    );
  const errors = problems.filter((found) => found.kind === 'error').length;
  const names = subgraphs.map((subgraph) => subgraph.name).join(', ');
  if (errors > 0 || result.errors) {
    console.error(`compose: ${names} do not compose: ${errors} error(s)`);
    process.exit(1);
  }
  writeFileSync(SUPERGRAPH_PATH, result.supergraphSdl);
  console.log(
    `compose: ${names} composed with ${problems.length} hint(s); wrote ${SUPERGRAPH_PATH}`,
  );
}

function main(): void {
  const withAt = process.argv.indexOf('--with');
  if (withAt >= 0) {
    const files = process.argv.slice(withAt + 1);
    if (files.length === 0) {
      console.error('usage: npm run compose -- --with <subgraph.graphql>...');
      process.exit(1);
    }
    return composeWith(files);
  }
  let supergraph: Supergraph;
  try {
    supergraph = composeSupergraph(supergraphSubgraphs());
  } catch (error) {
    if (!(error instanceof CompositionFailed)) throw error;
    console.error(`compose: ${error.message}`);
    process.exit(1);
  }
  writeFileSync(SUPERGRAPH_PATH, supergraph.sdl);
  console.log(
    `compose: ${SUBGRAPH_NAMES.join(', ')} composed without errors or hints; ${Object.keys(CHECKED_OPERATIONS).length} known operations valid; wrote ${SUPERGRAPH_PATH}`,
  );
  for (const name of SUBGRAPH_NAMES) console.log(`  ${name.padEnd(9)} ${DEFAULT_URLS[name]}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
