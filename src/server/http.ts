/**
 * The HTTP side of the one port: /graphql through Apollo Server (POST and GET, Sandbox for
 * browsers), /healthz and /readyz for orchestrators, /metrics for Prometheus. Bodies are bounded
 * before they are parsed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import type { Logger } from '../observability/logger.js';
import { authenticateOrThrow, buildContext, type RequestContext } from './context.js';
import type { Services } from './services.js';

export interface HttpHandlerOptions {
  apollo: ApolloServer<RequestContext>;
  services: Services;
  logger: Logger;
  maxBodyBytes: number;
  /** False once shutdown has begun, so /readyz takes the replica out of rotation. */
  accepting: () => boolean;
}

class BodyTooLarge extends Error {}

function readBody(request: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length']);
    if (declared > limit) return reject(new BodyTooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.removeAllListeners('data');
        reject(new BodyTooLarge());
        // Stop reading, but let the response go out before the socket closes.
        request.pause();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
    .end(JSON.stringify(body));
}

function requestError(response: ServerResponse, status: number, message: string): void {
  sendJson(response, status, { errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });
}

export function createHttpHandler(options: HttpHandlerOptions) {
  const { apollo, services, logger } = options;
  let inFlight = 0;

  async function graphql(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
  ): Promise<void> {
    let body: unknown;
    if (request.method === 'POST') {
      const raw = await readBody(request, options.maxBodyBytes);
      const type = request.headers['content-type'] ?? '';
      if (type.includes('application/json') || type.includes('application/graphql-response+json')) {
        try {
          body = raw === '' ? {} : JSON.parse(raw);
        } catch {
          return requestError(response, 400, 'the request body is not valid JSON');
        }
      } else {
        body = raw;
      }
    }
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const aborted = new AbortController();
    response.on('close', () => {
      if (!response.writableFinished) aborted.abort();
    });
    const requestId =
      typeof request.headers['x-request-id'] === 'string'
        ? request.headers['x-request-id']
        : undefined;
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: request.method ?? 'GET', headers, search: url.search, body },
      context: async () => {
        const account = await authenticateOrThrow(services, {
          authorization: request.headers.authorization,
          remoteAddress: request.socket.remoteAddress,
        });
        return buildContext(services, logger, account, { requestId, signal: aborted.signal });
      },
    });
    for (const [name, value] of result.headers) response.setHeader(name, value);
    response.statusCode = result.status ?? 200;
    if (result.body.kind === 'complete') {
      response.end(result.body.string);
      return;
    }
    for await (const chunk of result.body.asyncIterator) response.write(chunk);
    response.end();
  }

  /** An evaluation run's HTML report, for callers of the owning account with the `eval` scope. */
  async function evalReport(
    request: IncomingMessage,
    response: ServerResponse,
    runId: string,
  ): Promise<void> {
    let context: RequestContext;
    try {
      const account = await authenticateOrThrow(services, {
        authorization: request.headers.authorization,
        remoteAddress: request.socket.remoteAddress,
      });
      context = buildContext(services, logger, account, {
        requestId:
          typeof request.headers['x-request-id'] === 'string'
            ? request.headers['x-request-id']
            : undefined,
      });
    } catch (error) {
      const code = (error as { extensions?: { code?: string } }).extensions?.code;
      if (!code) throw error;
      return sendJson(response, 401, {
        errors: [{ message: (error as Error).message, extensions: { code } }],
      });
    }
    if (!context.account.scopes.has('eval'))
      return sendJson(response, 403, {
        errors: [
          { message: 'evaluation reports need the scope eval', extensions: { code: 'FORBIDDEN' } },
        ],
      });
    let html: string;
    try {
      html = await services.evaluation.runs.report(context.account, runId);
    } catch (error) {
      if ((error as { code?: string }).code === 'NOT_FOUND')
        return sendJson(response, 404, {
          errors: [{ message: (error as Error).message, extensions: { code: 'NOT_FOUND' } }],
        });
      throw error;
    }
    response
      .writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'private, no-store',
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
      })
      .end(request.method === 'HEAD' ? undefined : html);
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const report = /^\/reports\/eval\/([^/]+)$/.exec(url.pathname);
    if (report && (request.method === 'GET' || request.method === 'HEAD'))
      return evalReport(request, response, decodeURIComponent(report[1]!));
    if (url.pathname === '/healthz') return sendJson(response, 200, { status: 'ok' });
    if (url.pathname === '/readyz') {
      const storeReachable = await services.store.ping();
      const ready = storeReachable && options.accepting();
      return sendJson(response, ready ? 200 : 503, {
        status: ready ? 'ready' : 'unavailable',
        store: storeReachable ? 'ok' : 'unreachable',
        accepting: options.accepting(),
      });
    }
    if (url.pathname === '/graphql') return graphql(request, response, url);
    if (url.pathname === '/metrics' && (request.method === 'GET' || request.method === 'HEAD')) {
      const { contentType, body } = await services.metrics.scrape();
      response
        .writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' })
        .end(request.method === 'HEAD' ? undefined : body);
      return;
    }
    sendJson(response, 404, { error: 'not found; GraphQL is served at /graphql' });
  }

  return {
    /** Requests being answered right now; shutdown waits for them. */
    get inFlight() {
      return inFlight;
    },
    listener(request: IncomingMessage, response: ServerResponse): void {
      inFlight++;
      response.on('close', () => inFlight--);
      handle(request, response).catch((error: unknown) => {
        if (error instanceof BodyTooLarge) {
          response.setHeader('connection', 'close');
          return requestError(
            response,
            413,
            `the request body is larger than ${options.maxBodyBytes} bytes`,
          );
        }
        logger.error({ err: error }, 'unhandled error in the HTTP handler');
        if (!response.headersSent)
          sendJson(response, 500, {
            errors: [
              { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } },
            ],
          });
        else response.destroy();
      });
    },
  };
}
