/**
 * What tracing is started with and what a started tracer offers, apart from both the start-up
 * switch (tracing.ts) and the SDK it loads lazily (tracing-sdk.ts), so neither imports the other.
 */
export interface TracingSettings {
  /** Where spans are posted (OTLP/HTTP, JSON). */
  url: string;
  /** `service.name` of the resource; OTEL_SERVICE_NAME, default `ai-subgraph`. */
  serviceName: string;
}

export interface Tracing {
  /** Exports the spans still buffered and stops the provider; for graceful shutdown. */
  shutdown(): Promise<void>;
}
