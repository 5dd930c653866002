/**
 * OpenTelemetry tracing as an operator meets it: the real subgraph process exports OTLP/HTTP (JSON)
 * to a collector in this test when OTEL_EXPORTER_OTLP_ENDPOINT is set, continuing the router's
 * `traceparent`; with it unset, the tracing SDK is never even loaded.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../../src/config.js';
import {
  checkoutIncident,
  DRAFT_STATUS_UPDATE,
  MODEL_STATUS_UPDATE,
} from '../../fixtures/status-update.js';
import { writeLlmConfig } from '../../support/llm-config.js';
import { startOpenAiDouble, type OpenAiDouble } from '../../support/openai-double.js';
import { spawnServer, type ServerProcess } from '../../support/process.js';
import { collectStream, temporaryDataDir } from '../../support/server.js';

const MODULE_TRAIL_HOOK = fileURLToPath(new URL('./module-trail.mjs', import.meta.url));
const VERSION = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;
/** Modules only the tracing SDK brings in. */
const SDK_MODULES = /@opentelemetry\/(sdk-trace-node|sdk-trace-base|exporter-trace-otlp-http)\//;

/** Personal data and prompt text in the request: none of it may reach a span. */
const EMAIL = 'dana.whitfield@example.com';
const PHONE = '+1 555 0100';
const MARKER = 'Quokka-7 lantern unfolding over the brass harbour';
const incident = {
  ...checkoutIncident,
  timeline: [
    ...checkoutIncident.timeline,
    {
      at: '2026-11-22T09:30:00Z',
      message: `${MARKER}; reach Dana at ${EMAIL} or ${PHONE}`,
      author: 'Dana Whitfield',
    },
  ],
};

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values: OtlpValue[] };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: OtlpValue }[];
  status?: { code?: number };
}
interface ExportRequest {
  resourceSpans: {
    resource: { attributes: { key: string; value: OtlpValue }[] };
    scopeSpans: { spans: OtlpSpan[] }[];
  }[];
}

const valueOf = (value: OtlpValue): unknown =>
  value.arrayValue
    ? value.arrayValue.values.map(valueOf)
    : (value.stringValue ??
      (value.intValue !== undefined
        ? Number(value.intValue)
        : (value.doubleValue ?? value.boolValue)));
const attributesOf = (list: { key: string; value: OtlpValue }[]) =>
  Object.fromEntries(list.map(({ key, value }) => [key, valueOf(value)]));

/** An OTLP/HTTP receiver: keeps every export request it is posted. */
async function startCollector(): Promise<{
  url: string;
  requests: ExportRequest[];
  contentTypes: string[];
  close: () => Promise<void>;
}> {
  const requests: ExportRequest[] = [];
  const contentTypes: string[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.url === '/v1/traces') {
        contentTypes.push(String(request.headers['content-type']));
        requests.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as ExportRequest);
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    contentTypes,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Spawns the subgraph with the module trail hook, so the test can read which packages it loaded. */
function spawnWithTrail(env: Record<string, string>): {
  server: ServerProcess;
  modules: () => string[];
} {
  const trail = join(temporaryDataDir(), 'modules.txt');
  const server = spawnServer({
    DATA_DIR: temporaryDataDir(),
    NODE_OPTIONS: `--import ${MODULE_TRAIL_HOOK}`,
    MODULE_TRAIL: trail,
    ...env,
  });
  return { server, modules: () => readFileSync(trail, 'utf8').split('\n').filter(Boolean) };
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return (await response.json()) as {
    data?: Record<string, Record<string, unknown>>;
    errors?: { extensions?: { code?: string } }[];
  };
}

describe('tracing on (OTEL_EXPORTER_OTLP_ENDPOINT set)', { timeout: 120_000 }, () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let double: OpenAiDouble;
  let spans: OtlpSpan[];
  let resource: Record<string, unknown>;
  let modules: string[];
  let generation: Record<string, unknown>;
  const traceId = randomBytes(16).toString('hex');
  const routerSpanId = randomBytes(8).toString('hex');

  beforeAll(async () => {
    collector = await startCollector();
    double = await startOpenAiDouble({
      defaultBehaviour: {
        kind: 'text',
        text: MODEL_STATUS_UPDATE,
        usage: { inputTokens: 321, outputTokens: 45 },
      },
    });
    const spawned = spawnWithTrail({
      OPENAI_API_KEY: 'sk-test-tracing',
      LLM_CONFIG: writeLlmConfig({
        providers: { openai: { type: 'openai', baseURL: double.url } },
        defaults: { chain: ['openai:gpt-4o-mini'] },
        prices: { 'openai:gpt-4o-mini': { inputPerMillionUsd: 0.15, outputPerMillionUsd: 0.6 } },
      }),
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_SERVICE_NAME: 'ai-subgraph-under-test',
    });
    const url = await spawned.server.ready;
    const drafted = await post(
      url,
      { query: DRAFT_STATUS_UPDATE, variables: { input: { audience: 'CUSTOMER', incident } } },
      { traceparent: `00-${traceId}-${routerSpanId}-01` },
    );
    expect(drafted.errors).toBeUndefined();
    generation = drafted.data!['draftStatusUpdate']!['generation'] as Record<string, unknown>;
    const refused = await post(url, { query: 'query Broken { noSuchField }' });
    expect(refused.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    // A streamed draft followed over graphql-ws: the subscription is an operation of its own.
    const streamed = await post(url, {
      query: DRAFT_STATUS_UPDATE,
      variables: { input: { audience: 'CUSTOMER', incident, stream: true } },
    });
    const client = createClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    const watched = await collectStream(
      client,
      (streamed.data!['draftStatusUpdate']!['generation'] as { id: string }).id,
    );
    await client.dispose();
    expect(watched.events.at(-1)?.generation?.status).toBe('SUCCEEDED');
    // Spans are batched; a graceful shutdown must export what is left.
    spawned.server.child.kill('SIGTERM');
    expect(await spawned.server.exited).toEqual({ code: 0, signal: null });
    spans = collector.requests.flatMap((request) =>
      request.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((scope) => scope.spans)),
    );
    resource = attributesOf(collector.requests[0]!.resourceSpans[0]!.resource.attributes);
    modules = spawned.modules();
  });
  afterAll(async () => {
    await double.close();
    await collector.close();
  });

  it('exports OTLP/HTTP JSON with the service name and version, flushed on SIGTERM', () => {
    expect(modules.some((url) => SDK_MODULES.test(url))).toBe(true);
    expect(collector.contentTypes.every((type) => type.startsWith('application/json'))).toBe(true);
    expect(resource).toMatchObject({
      'service.name': 'ai-subgraph-under-test',
      'service.version': VERSION,
    });
  });

  it('makes one trace of the operation, continuing the router’s traceparent: operation → provider call and store statements', () => {
    const trace = spans.filter((span) => span.traceId === traceId);
    const operation = trace.find((span) => span.parentSpanId === routerSpanId)!;
    expect(operation).toMatchObject({ name: 'mutation Draft', kind: 2 });
    expect(attributesOf(operation.attributes)).toMatchObject({
      'graphql.operation.type': 'mutation',
      'graphql.operation.name': 'Draft',
      'ai_subgraph.outcome': 'ok',
      'http.response.status_code': 200,
    });

    const provider = trace.filter((span) => span.name.startsWith('chat '));
    expect(provider).toHaveLength(1);
    expect(provider[0]).toMatchObject({
      name: 'chat gpt-4o-mini',
      kind: 3,
      parentSpanId: operation.spanId,
    });
    const usage = generation['usage'] as { costUsd: number };
    expect(usage.costUsd).toBeCloseTo((321 * 0.15 + 45 * 0.6) / 1e6, 12);
    expect(attributesOf(provider[0]!.attributes)).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': 321,
      'gen_ai.usage.output_tokens': 45,
      'ai_subgraph.provider': 'openai',
      'ai_subgraph.feature': 'STATUS_UPDATE',
      'ai_subgraph.attempt': 1,
      'ai_subgraph.outcome': 'ok',
      'ai_subgraph.cost_usd': usage.costUsd,
    });

    const statements = trace.filter(
      (span) => attributesOf(span.attributes)['db.system.name'] === 'postgresql',
    );
    expect(statements.map((span) => span.name)).toEqual(
      expect.arrayContaining(['INSERT generations', 'UPDATE generations']),
    );
    expect(
      statements.every((span) => span.parentSpanId === operation.spanId && span.kind === 3),
    ).toBe(true);
    // Everything in the trace hangs off the operation: nothing went to a trace of its own.
    expect(
      trace.every((span) => span === operation || span.parentSpanId === operation.spanId),
    ).toBe(true);
  });

  it('makes one span of a subscription over graphql-ws, until it ends, with the read of its generation under it', () => {
    const subscription = spans.find((span) => span.name === 'subscription Watch')!;
    expect(subscription).toMatchObject({ kind: 2 });
    expect(subscription.traceId).not.toBe(traceId);
    expect(attributesOf(subscription.attributes)).toMatchObject({
      'graphql.operation.type': 'subscription',
      'graphql.operation.name': 'Watch',
      'network.protocol.name': 'websocket',
      'ai_subgraph.outcome': 'ok',
    });
    const children = spans.filter((span) => span.parentSpanId === subscription.spanId);
    expect(children.map((span) => span.name)).toContain('SELECT generations');
  });

  it('records a refused operation with its outcome and error codes, in a trace of its own', () => {
    const refused = spans.find(
      (span) => attributesOf(span.attributes)['ai_subgraph.error_codes'] !== undefined,
    )!;
    expect(refused.traceId).not.toBe(traceId);
    expect(refused.status?.code).toBe(2);
    expect(attributesOf(refused.attributes)).toMatchObject({
      'ai_subgraph.outcome': 'error',
      'ai_subgraph.error_codes': ['GRAPHQL_VALIDATION_FAILED'],
    });
  });

  it('puts no prompt text, answer text or personal data in any span or resource attribute', () => {
    const values = JSON.stringify([...spans.map((span) => [span.name, span.attributes]), resource]);
    for (const secret of [
      EMAIL,
      PHONE,
      MARKER,
      'Dana',
      'Checkout errors',
      'rollback',
      'sk-test-tracing',
      MODEL_STATUS_UPDATE.split('\n')[2]!,
    ])
      expect(values).not.toContain(secret);
  });
});

describe('tracing off (the default)', { timeout: 120_000 }, () => {
  it('never loads the tracing SDK or the exporter', async () => {
    const { server, modules } = spawnWithTrail({});
    const url = await server.ready;
    const drafted = await post(url, {
      query: DRAFT_STATUS_UPDATE,
      variables: { input: { audience: 'CUSTOMER', incident } },
    });
    expect(drafted.errors).toBeUndefined();
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    const loaded = modules();
    // The trail works in this process too: it saw the server's own packages.
    expect(loaded.some((url) => url.includes('/node_modules/@apollo/server/'))).toBe(true);
    expect(loaded.filter((url) => SDK_MODULES.test(url))).toEqual([]);
  });
});

describe('tracing settings', () => {
  it('derive the traces URL as the OTLP specification says, the signal’s own variable winning', () => {
    expect(loadConfig({}).tracing).toBeUndefined();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing).toEqual({
      url: 'http://collector:4318/v1/traces',
      serviceName: 'ai-subgraph',
    });
    expect(
      loadConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:9000/in',
        OTEL_SERVICE_NAME: 'subgraph-eu',
      }).tracing,
    ).toEqual({
      url: 'http://traces:9000/in',
      serviceName: 'subgraph-eu',
    });
  });

  it('refuse an endpoint that is not a URL, naming the variable', () => {
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(
      /^OTEL_EXPORTER_OTLP_ENDPOINT must be the base URL of an OTLP\/HTTP collector/,
    );
  });
});
