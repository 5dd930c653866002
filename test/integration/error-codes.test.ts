/**
 * A user's mistakes are not the service's failures: for each kind of user error, the metrics,
 * the request log line and the response all carry the code the client receives, and
 * INTERNAL_SERVER_ERROR (what an on-call alert watches) stays at 0.
 */
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/infra/observability/logger.js';
import { createApp, type App } from '../../src/app/app.js';
import { statusUpdateInput } from '../fixtures/status-update.js';
import { issueKeyIn } from '../support/keys.js';
import { logLinesInto } from '../support/log-lines.js';
import { storeEnvFor, temporaryDataDir } from '../support/server.js';

const TAXONOMY = `mutation CreateTaxonomy {
  createTaxonomy(input: { name: "support", categories: [{ name: "billing", description: "Invoices" }, { name: "login", description: "Passwords" }] }) { taxonomy { id } userErrors { code } }
}`;

describe('error codes in metrics and request logs', () => {
  let app: App;
  let url: string;
  let admin: string;
  let routeOnly: string;
  const lines: string[] = [];

  beforeAll(async () => {
    const dataDir = temporaryDataDir();
    admin = await issueKeyIn(dataDir, 'acme', ['generate', 'route', 'eval', 'admin']);
    routeOnly = await issueKeyIn(dataDir, 'acme', ['route']);
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      PORT: '0',
      ...(await storeEnvFor(dataDir)),
    });
    app = await createApp(
      config,
      createLogger({ level: config.logLevel, pretty: false }, logLinesInto(lines)),
    );
    url = (await app.listen(0, '127.0.0.1')).url;
  });
  afterAll(() => app?.stop());

  async function send(query: string, variables: Record<string, unknown> = {}, key = admin) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
    return body.errors?.map((error) => error.extensions?.code);
  }

  it('counts each kind of user error under its own code and none as INTERNAL_SERVER_ERROR', async () => {
    const cases: [string, () => Promise<(string | undefined)[] | undefined>][] = [
      ['GRAPHQL_PARSE_FAILED', () => send('query Broken { generation(')],
      [
        'GRAPHQL_VALIDATION_FAILED',
        () => send('query Broken { generation(id: 1, nope: true) { id } }'),
      ],
      [
        'BAD_USER_INPUT',
        () =>
          send(
            'mutation DraftStatusUpdate($input: DraftStatusUpdateInput!) { draftStatusUpdate(input: $input) { generation { id } } }',
            // A value the schema cannot take (what the draft refuses itself is a userError).
            { input: statusUpdateInput({ audience: 'EVERYONE' }) },
          ),
      ],
      [
        'NOT_FOUND',
        () =>
          send(
            'query RouteTickets { routeTickets(tickets: [{ id: "T-1", body: "refund" }]) { category } }',
          ),
      ],
      [
        'FORBIDDEN',
        () =>
          send(
            'mutation DraftStatusUpdate($input: DraftStatusUpdateInput!) { draftStatusUpdate(input: $input) { generation { id } } }',
            { input: statusUpdateInput() },
            routeOnly,
          ),
      ],
    ];
    for (const [code, request] of cases) expect(await request(), code).toEqual([code]);
    // A mutation's expected problem (a name taken: CONFLICT) is a userError in its payload, not
    // a GraphQL error: neither counted nor logged as one.
    expect(await send(TAXONOMY)).toBeUndefined();
    expect(await send(TAXONOMY)).toBeUndefined();

    const metrics = await (await fetch(url.replace('/graphql', '/metrics'))).text();
    const errorSeries = metrics
      .split('\n')
      .filter((line) => line.startsWith('ai_subgraph_graphql_errors_total{'));
    for (const [code] of cases)
      expect(
        errorSeries.some((line) => line.includes(`code="${code}"`)),
        code,
      ).toBe(true);
    expect(errorSeries.filter((line) => line.includes('INTERNAL_SERVER_ERROR'))).toEqual([]);

    const requestLines = lines
      .map((line) => JSON.parse(line) as { msg: string; errorCodes?: string[] })
      .filter((line) => line.msg === 'graphql request');
    const logged = requestLines.flatMap((line) => line.errorCodes ?? []);
    expect(new Set(logged)).toEqual(new Set(cases.map(([code]) => code)));
  });

  it('answers a subscription sent over HTTP with 400 BAD_REQUEST, logging no error', async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({
        query: 'subscription WatchGeneration { generationStream(id: "x") { seq } }',
      }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { message: string; extensions: object }[] };
    expect(body.errors).toEqual([
      {
        message: expect.stringContaining('subscriptions are served over WebSocket'),
        extensions: { code: 'BAD_REQUEST' },
      },
    ]);
    expect(lines.filter((line) => (JSON.parse(line) as { level: number }).level >= 50)).toEqual([]);
  });

  it('refuses a negative afterSeq with BAD_USER_INPUT', async () => {
    const client = createClient({
      url: url.replace('http://', 'ws://'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${admin}` },
    });
    const errors = await new Promise<unknown>((resolve, reject) =>
      client.subscribe(
        { query: 'subscription { generationStream(id: "x", afterSeq: -5) { seq } }' },
        { next: (result) => resolve(result.errors), error: reject, complete: () => resolve(null) },
      ),
    );
    await client.dispose();
    expect(errors).toEqual([
      expect.objectContaining({
        message: expect.stringContaining('afterSeq'),
        extensions: { code: 'BAD_USER_INPUT' },
      }),
    ]);
  });
});
