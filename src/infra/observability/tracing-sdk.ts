/**
 * The OpenTelemetry SDK, loaded by `startTracing` only when an OTLP endpoint is configured: a
 * Node tracer provider (async-local-storage context, W3C `traceparent` propagation) that batches
 * finished spans and posts them as OTLP/HTTP JSON.
 */
import { readFileSync } from 'node:fs';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Logger } from './logger.js';
import type { Tracing, TracingSettings } from './tracing-settings.js';

/** The same path from src/infra/observability (tsx) and dist/infra/observability (build). */
const PACKAGE_JSON = new URL('../../../package.json', import.meta.url);

export function startTracerProvider(settings: TracingSettings, logger: Logger): Tracing {
  const version = (JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string }).version;
  // Export failures (collector unreachable) surface in our log instead of vanishing.
  const log = logger.child({ component: 'tracing' });
  diag.setLogger(
    {
      error: (message) => log.warn(message),
      warn: (message) => log.warn(message),
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    },
    DiagLogLevel.WARN,
  );
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: settings.serviceName,
      [ATTR_SERVICE_VERSION]: version,
    }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.url }))],
  });
  provider.register();
  log.info(
    { exportTo: settings.url, serviceName: settings.serviceName },
    'tracing: exporting spans with OTLP/HTTP',
  );
  return { shutdown: () => provider.shutdown() };
}
