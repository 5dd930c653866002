/**
 * OpenTelemetry tracing, optional and off by default. With an OTLP endpoint configured
 * (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), `startTracing` loads the
 * SDK (`tracing-sdk.ts`, by dynamic import, so a process without tracing never loads it) and
 * registers a tracer provider; the spans themselves are made with `@opentelemetry/api` where the
 * work happens: GraphQL operations (server/plugins/tracing.ts), provider calls
 * (provider-call-spans.ts) and store statements (store/database.ts).
 *
 * Those span makers are installed only when tracing started, so with tracing off no span object
 * is ever created, not even the API's no-op ones.
 */
import type { Logger } from './logger.js';
import type { Tracing, TracingSettings } from './tracing-settings.js';

/** Every span of this service comes from one tracer (the instrumentation scope). */
export const TRACER_NAME = 'ai-subgraph';

export async function startTracing(
  settings: TracingSettings | undefined,
  logger: Logger,
): Promise<Tracing | null> {
  if (!settings) return null;
  const { startTracerProvider } = await import('./tracing-sdk.js');
  return startTracerProvider(settings, logger);
}
