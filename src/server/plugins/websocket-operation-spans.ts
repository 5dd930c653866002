import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  trace,
  type Span,
} from '@opentelemetry/api';
import type { ExecutionArgs, GraphQLFormattedError } from 'graphql';
import type { ServerOptions } from 'graphql-ws';
import { TRACER_NAME } from '../../infra/observability/tracing.js';
import type { RequestContext } from '../../graphql/context.js';
import { graphql } from '../graphql-runtime.js';

type Execution = Required<Pick<ServerOptions, 'execute' | 'subscribe'>>;

/**
 * One server span per graphql-ws operation (a subscription, usually), from its start until its
 * signal aborts (the client completed it, it ended, or the socket closed): the counterpart of
 * `traceGraphQLRequests` for HTTP. Named and attributed as an HTTP operation's span is
 * (`subscription Watch`, type, name, request id, outcome, error codes), never with the document,
 * the variables or the events. Statements run while it starts (the read of the generation)
 * become its children; the events that follow are not spans of their own. Installed only when
 * tracing is on.
 */
export class WebSocketOperationSpans {
  private readonly tracer = trace.getTracer(TRACER_NAME);
  /** The open span of each operation, by the context value built for it (one per operation). */
  private readonly spans = new WeakMap<object, Span>();
  private readonly failedSpans = new WeakSet<Span>();

  /** Opens the operation's span; it ends when the operation's signal aborts. */
  start(
    contextValue: RequestContext,
    args: Pick<ExecutionArgs, 'document' | 'operationName'>,
  ): void {
    const operation = graphql.getOperationAST(args.document, args.operationName);
    const type = operation?.operation ?? 'subscription';
    const name = (args.operationName ?? operation?.name?.value)?.slice(0, 100);
    const span = this.tracer.startSpan(
      name ? `${type} ${name}` : type,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'graphql.operation.type': type,
          'ai_subgraph.request_id': contextValue.requestId,
          'network.protocol.name': 'websocket',
        },
      },
      ROOT_CONTEXT,
    );
    if (name) span.setAttribute('graphql.operation.name', name);
    this.spans.set(contextValue, span);
    contextValue.signal.addEventListener(
      'abort',
      () => {
        this.spans.delete(contextValue);
        span.setAttribute('ai_subgraph.outcome', this.failedSpans.has(span) ? 'error' : 'ok');
        span.end();
      },
      { once: true },
    );
  }

  /** `execute` and `subscribe` run with the operation's span active. */
  wrap(execution: Execution): Execution {
    const within =
      <Args extends { contextValue?: unknown }, Result>(run: (args: Args) => Result) =>
      (args: Args): Result => {
        const span =
          typeof args.contextValue === 'object' && args.contextValue !== null
            ? this.spans.get(args.contextValue)
            : undefined;
        return span ? context.with(trace.setSpan(ROOT_CONTEXT, span), () => run(args)) : run(args);
      };
    return {
      execute: within(execution.execute),
      subscribe: within(execution.subscribe),
    } as Execution;
  }

  /** Records an event's or a result's error codes on the operation's span. */
  failed(contextValue: unknown, errors: readonly GraphQLFormattedError[]): void {
    const span =
      typeof contextValue === 'object' && contextValue !== null
        ? this.spans.get(contextValue)
        : undefined;
    if (!span || errors.length === 0) return;
    const codes = [
      ...new Set(
        errors.map((error) => String(error.extensions?.['code'] ?? 'INTERNAL_SERVER_ERROR')),
      ),
    ];
    this.failedSpans.add(span);
    span.setAttribute('ai_subgraph.error_codes', codes);
    span.setStatus({ code: SpanStatusCode.ERROR, message: codes.join(', ') });
  }
}
