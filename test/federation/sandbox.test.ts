/**
 * The Sandbox landing page's example document: one named operation per capability, shown to a
 * browser at /graphql, valid against the subgraph schema and the supergraph's API schema, and
 * actually runnable against the real server, so it cannot rot as the SDL changes.
 */
import { createRequire } from 'node:module';
import { ApolloGateway } from '@apollo/gateway';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import type * as GraphQL from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeSupergraph, supergraphSubgraphs } from '../../scripts/compose.js';
import { buildSchema } from '../../src/graphql/schema.js';
import { EXAMPLE_DOCUMENT, EXAMPLE_VARIABLES } from '../../src/server/plugins/landing-page.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { gatewayCompatibleAiSdl } from './gateway-sdl.js';

/*
 * The schemas checked here are built by @apollo/subgraph and @apollo/gateway with the CommonJS
 * build of graphql; vitest gives this file the ESM build (graphql 16 has no `exports` map), and
 * graphql refuses a schema from the other build. Validate with the one that built them.
 */
const { validate } = createRequire(import.meta.url)('graphql') as typeof GraphQL;

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

/** The capabilities a user should find in the operation list, by operation name. */
const EXPECTED_OPERATIONS = {
  mutation: [
    'DraftStatusUpdate',
    'CancelGeneration',
    'DraftRunbook',
    'DraftPostmortem',
    'DraftJobDigest',
    'DraftAssistantAnswer',
    'CreateTaxonomy',
    'ImportLabeledTickets',
    'TrainRouter',
    'SubmitFeedback',
  ],
  query: [
    'Generation',
    'RecentGenerations',
    'RouteTickets',
    'ReviewQueue',
    'Providers',
    'EvalMetrics',
  ],
  subscription: ['WatchGeneration'],
};

const document = parse(EXAMPLE_DOCUMENT);
const operations = document.definitions.filter(
  (definition): definition is OperationDefinitionNode =>
    definition.kind === Kind.OPERATION_DEFINITION,
);

describe('the Sandbox example document', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ SANDBOX: 'true' });
  });
  afterAll(() => server.stop());

  it('has one named operation per capability, and the first is DraftStatusUpdate', () => {
    expect(operations.every((operation) => operation.name)).toBe(true);
    const byKind = (kind: string) =>
      operations
        .filter((operation) => operation.operation === kind)
        .map((operation) => operation.name!.value)
        .sort();
    expect(byKind('mutation')).toEqual([...EXPECTED_OPERATIONS.mutation].sort());
    expect(byKind('query')).toEqual([...EXPECTED_OPERATIONS.query].sort());
    expect(byKind('subscription')).toEqual(EXPECTED_OPERATIONS.subscription);
    expect(operations[0]!.name!.value).toBe('DraftStatusUpdate');
  });

  it('is valid against the subgraph schema', () => {
    expect(validate(buildSchema(), document).map((error) => error.message)).toEqual([]);
  });

  it('is valid against the supergraph API schema (no @inaccessible field in it)', async () => {
    // The API schema as the gateway itself derives it (npm run compose checks the same with composition's).
    const gateway = new ApolloGateway({
      supergraphSdl: composeSupergraph(supergraphSubgraphs(undefined, gatewayCompatibleAiSdl()))
        .sdl,
    });
    const { schema } = await gateway.load();
    await gateway.stop();
    expect(validate(schema, document).map((error) => error.message)).toEqual([]);
  });

  it('is shown to a browser at /graphql, every operation listed', async () => {
    // Apollo Server escapes only the first `<` of the embedded configuration: a later one could end the script.
    expect(EXAMPLE_DOCUMENT).not.toMatch(/[<>]/);
    expect(JSON.stringify(EXAMPLE_VARIABLES)).not.toMatch(/[<>]/);
    const response = await fetch(server.url, { headers: { accept: BROWSER_ACCEPT } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toMatch(/EmbeddedSandbox/);
    for (const operation of operations)
      expect(html).toContain(`${operation.operation} ${operation.name!.value}`);
    expect(html).toContain('"variables":{"input":{"audience":"CUSTOMER"');
    // The way to the offline explorer: a link, and a script (with the page's nonce) for when Sandbox cannot load.
    expect(html).toContain('<a class="explorer-link" href="graphiql">');
    const nonce = /'nonce-([0-9a-f]+)'/.exec(html)![1];
    expect(html).toContain(`<script nonce="${nonce}">\n  if (typeof window.EmbeddedSandbox`);
  });

  it('gives every example operation its own GraphiQL tab at /graphiql', async () => {
    const page = await fetch(new URL('/graphiql', server.url));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    const config = JSON.parse(
      /<script type="application\/json" id="explorer-config">(.*?)<\/script>/s.exec(html)![1]!,
    ) as { tabs: { query: string; variables?: string }[] };
    expect(config.tabs).toHaveLength(operations.length);
    operations.forEach((operation, index) =>
      expect(config.tabs[index]!.query).toContain(
        `${operation.operation} ${operation.name!.value}`,
      ),
    );
    expect(JSON.parse(config.tabs[0]!.variables!)).toEqual({ input: EXAMPLE_VARIABLES.input });
    const script = await fetch(new URL('/graphiql/explorer.js', server.url));
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await script.text()).length).toBeGreaterThan(100_000);
  });

  it('runs: every operation succeeds against the real server with the builtin provider', async () => {
    const run = async <T = Record<string, unknown>>(
      operationName: string,
      variables: Record<string, unknown> = {},
    ) => {
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: EXAMPLE_DOCUMENT, operationName, variables }),
      });
      const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
      expect(body.errors, operationName).toBeUndefined();
      return body.data!;
    };

    const drafted = await run<{
      draftStatusUpdate: { generation: { id: string; status: string } };
    }>('DraftStatusUpdate', EXAMPLE_VARIABLES);
    expect(drafted.draftStatusUpdate.generation.status).toBe('SUCCEEDED');
    const id = drafted.draftStatusUpdate.generation.id;
    for (const name of [
      'DraftRunbook',
      'DraftPostmortem',
      'DraftJobDigest',
      'DraftAssistantAnswer',
    ]) {
      const data =
        await run<
          Record<string, { generation: { status: string; text: string }; userErrors: unknown[] }>
        >(name);
      const { generation, userErrors } = Object.values(data)[0]!;
      expect(userErrors, name).toEqual([]);
      expect(generation.status, name).toBe('SUCCEEDED');
      expect(generation.text.length, name).toBeGreaterThan(0);
      // The runbook request matches a catalog template within its own allowed tools.
      if (name === 'DraftRunbook') expect(generation.text).not.toContain('No matching runbook');
    }
    expect((await run<{ generation: { id: string } }>('Generation', { id })).generation.id).toBe(
      id,
    );
    expect(
      (await run<{ generations: { edges: unknown[] } }>('RecentGenerations')).generations.edges
        .length,
    ).toBeGreaterThanOrEqual(5);
    expect(
      (
        await run<{ cancelGeneration: { generation: { status: string } } }>('CancelGeneration', {
          id,
        })
      ).cancelGeneration.generation.status,
    ).toBe('SUCCEEDED');

    const taxonomy = await run<{ createTaxonomy: { taxonomy: { id: string } } }>('CreateTaxonomy');
    const taxonomyId = taxonomy.createTaxonomy.taxonomy.id;
    // Before the import, the category examples alone are too few, and training says so.
    const thin = await run<{ trainRouter: { model: { warnings: string[] } } }>('TrainRouter', {
      taxonomyId,
    });
    expect(thin.trainRouter.model.warnings).toEqual([
      expect.stringMatching(/"billing" has 2, "login" has 2; .*at least 10 per category/),
    ]);
    await run('ImportLabeledTickets', { taxonomyId });
    const trained = await run<{
      trainRouter: {
        model: { id: string; warnings: string[] };
        taxonomy: { model: { id: string } };
      };
    }>('TrainRouter', { taxonomyId });
    expect(trained.trainRouter.model.warnings).toEqual([]);
    expect(trained.trainRouter.taxonomy.model.id).toBe(trained.trainRouter.model.id);
    const routed = await run<{
      routeTickets: {
        id: string;
        ticket: { id: string };
        category: string;
        needsReview: boolean;
        reason: string;
      }[];
    }>('RouteTickets');
    expect(routed.routeTickets).toMatchObject([
      { ticket: { id: 'T-1' }, category: 'billing' },
      { ticket: { id: 'T-2' }, category: 'login' },
    ]);
    // Decided by the local model without a person. The builtin provider cannot route a hard case,
    // so this holds only because the same import always trains the same model (it once did not:
    // labeled tickets were read in the order of their random ids).
    for (const prediction of routed.routeTickets) expect(prediction.needsReview).toBe(false);
    // A read: run again, the same stored predictions come back.
    const again = await run<{ routeTickets: { id: string }[] }>('RouteTickets');
    expect(again.routeTickets.map((prediction) => prediction.id)).toEqual(
      routed.routeTickets.map((prediction) => prediction.id),
    );
    expect(
      (await run<{ reviewQueue: { totalCount: number } }>('ReviewQueue')).reviewQueue.totalCount,
    ).toBe(0);
    expect((await run<{ providers: unknown[] }>('Providers')).providers.length).toBeGreaterThan(0);
    const feedback = (
      await run<{
        submitFeedback: {
          feedback: { rating: string; generation: { id: string } };
          userErrors: [];
        };
      }>('SubmitFeedback', { id })
    ).submitFeedback;
    expect(feedback.userErrors).toEqual([]);
    expect(feedback.feedback).toMatchObject({ rating: 'UP', generation: { id } });
    expect(
      (await run<{ evalMetrics: { series: unknown[] } }>('EvalMetrics')).evalMetrics.series.length,
    ).toBeGreaterThan(0);

    type Event = { __typename: string; seq: number; text?: string };
    const events = await new Promise<Event[]>((resolve, reject) => {
      const seen: Event[] = [];
      server.wsClient().subscribe<{ generationStream: Event }>(
        { query: EXAMPLE_DOCUMENT, operationName: 'WatchGeneration', variables: { id } },
        {
          next: (result) =>
            result.errors
              ? reject(new Error(JSON.stringify(result.errors)))
              : seen.push(result.data!.generationStream),
          error: reject,
          complete: () => resolve(seen),
        },
      );
    });
    expect(events.at(-1)!.__typename).toBe('GenerationFinished');
    expect(events.slice(0, -1).every((event) => event.__typename === 'GenerationTextDelta')).toBe(
      true,
    );
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index));
  });
});
