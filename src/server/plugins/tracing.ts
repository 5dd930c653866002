import type { ApolloServerPlugin } from '@apollo/server';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
} from '@opentelemetry/api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TRACER_NAME } from '../../infra/observability/tracing.js';
import type { RequestContext } from '../../graphql/context.js';
import { clientErrorCodes } from './response-errors.js';

type Listener = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * One server span per GraphQL request over HTTP, continuing the trace of the router's W3C
 * `traceparent` when it sent one. The span must be the active one while resolvers run, so that
 * provider calls and store statements become its children, and Apollo Server has no hook that
 * wraps execution: so the span is opened here, around the whole HTTP request, and `tracingPlugin`
 * names it after the operation and records the outcome. Installed only when tracing is on.
 */
export function traceGraphQLRequests(listener: Listener): Listener {
  const tracer = trace.getTracer(TRACER_NAME);
  return (request, response) => {
    if (!request.url?.startsWith('/graphql')) return listener(request, response);
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const span = tracer.startSpan(
      'GraphQL Operation',
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': request.method ?? 'GET', 'url.path': '/graphql' },
      },
      parent,
    );
    response.once('close', () => {
      span.setAttribute('http.response.status_code', response.statusCode);
      if (!response.writableFinished)
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: 'the client went away before the response was sent',
        });
      span.end();
    });
    context.with(trace.setSpan(parent, span), () => listener(request, response));
  };
}

/**
 * Names the request's span `query routeTicket` (operation type and name, as OpenTelemetry's
 * GraphQL conventions say) and records the outcome and the public error codes. Never the document
 * or the variables: they carry incident and personal data.
 */
export function tracingPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart({ contextValue }) {
      const span = trace.getActiveSpan();
      if (!span) return;
      span.setAttribute('ai_subgraph.request_id', contextValue.requestId);
      return {
        async didResolveOperation({ operation, operationName }) {
          if (!operation) return;
          const name = (operationName ?? operation.name?.value)?.slice(0, 100);
          span.updateName(name ? `${operation.operation} ${name}` : operation.operation);
          span.setAttribute('graphql.operation.type', operation.operation);
          if (name) span.setAttribute('graphql.operation.name', name);
        },
        async willSendResponse({ response }) {
          const codes = clientErrorCodes(response);
          span.setAttribute('ai_subgraph.outcome', codes.length === 0 ? 'ok' : 'error');
          if (codes.length === 0) return;
          span.setAttribute('ai_subgraph.error_codes', codes);
          span.setStatus({ code: SpanStatusCode.ERROR, message: codes.join(', ') });
        },
      };
    },
  };
}
