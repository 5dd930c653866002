/**
 * The HTTP side of the one port: /graphql through Apollo Server (POST and GET, Sandbox for
 * browsers), GraphiQL at /graphiql (served with Sandbox, and working offline), /healthz and
 * /readyz for orchestrators, /metrics for Prometheus.
 *
 * A POST is authenticated from its headers before its body is read: an anonymous caller cannot
 * make the server hold megabytes for it (issue #14). Bodies are bounded before they are parsed,
 * and the query text in them far more tightly than the body (variables may carry a job log). How
 * long headers and bodies may take to arrive is the Node server's `headersTimeout` and
 * `requestTimeout` (see app.ts), which answer 408 and close the connection.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServer, HTTPGraphQLHead } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import type { Account } from '../domain.js';
import { ErrorCode, ServiceError } from '../errors.js';
import type { Logger } from '../infra/observability/logger.js';
import { buildContext, type RequestContext } from '../graphql/context.js';
import { authenticateOrThrow } from './authenticate-request.js';
import { formattedServiceError } from './errors.js';
import type { Explorer } from './explorer/explorer.js';
import { queryTooLarge, setHttpHead, type OperationGate } from './plugins/operation-gate.js';
import type { Services } from '../graphql/services.js';

export interface HttpHandlerOptions {
  apollo: ApolloServer<RequestContext>;
  services: Services;
  logger: Logger;
  maxBodyBytes: number;
  /** Largest query text handed to Apollo Server to parse. */
  maxQueryBytes: number;
  /** Counts a refused query text against the caller's rate limit. */
  gate: OperationGate;
  /** False once shutdown has begun, so /readyz takes the replica out of rotation. */
  accepting: () => boolean;
  /** Whether the store answers, for /readyz. */
  storeReachable: () => Promise<boolean>;
  /** GraphiQL at /graphiql, served with Sandbox (absent when Sandbox is off). */
  explorer?: Explorer;
}

/** A request answered with a 4xx and BAD_REQUEST before it reaches Apollo Server. */
class RequestRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The client went away (or its request timed out) before its body arrived: nobody to answer. */
class RequestAborted extends Error {}

function readBody(request: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const tooLarge = () =>
      new RequestRefused(413, `the request body is larger than ${limit} bytes`);
    const declared = Number(request.headers['content-length']);
    if (declared > limit) return reject(tooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.removeAllListeners('data');
        reject(tooLarge());
        // Stop reading, but let the response go out before the socket closes.
        request.pause();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', () => reject(new RequestAborted()));
    request.on('close', () => {
      if (!request.complete) reject(new RequestAborted());
    });
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

/** A ServiceError as Apollo Server would send it: 429 with Retry-After, else 400. */
function sendServiceError(response: ServerResponse, error: ServiceError): void {
  const head: HTTPGraphQLHead = { status: 400, headers: new HeaderMap() };
  setHttpHead(head, error);
  for (const [name, value] of head.headers) response.setHeader(name, value);
  sendJson(response, head.status!, { errors: [formattedServiceError(error)] });
}

/** The query text of a GraphQL request (POST body or GET parameter), when it has one. */
function queryTextOf(body: unknown, url: URL): string | undefined {
  const query =
    body !== null && typeof body === 'object'
      ? (body as { query?: unknown }).query
      : url.searchParams.get('query');
  return typeof query === 'string' ? query : undefined;
}

function parsedUrl(path: string): URL {
  try {
    return new URL(path, 'http://localhost');
  } catch {
    throw new RequestRefused(400, 'the request URL is malformed');
  }
}

/** A percent-encoded path segment, decoded; a malformed encoding is the client's error, not ours. */
function decodedPathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new RequestRefused(400, 'the URL is not validly percent-encoded');
  }
}

export function createHttpHandler(options: HttpHandlerOptions) {
  const { apollo, services, logger } = options;
  let inFlight = 0;

  /**
   * The caller's account, from the request's headers; or, refused, the error (401 UNAUTHENTICATED,
   * 503 when the key store is unreachable) as a GraphQLError that carries its HTTP status.
   */
  async function identify(
    request: IncomingMessage,
  ): Promise<{ account: Account } | { refusal: unknown }> {
    try {
      return {
        account: await authenticateOrThrow(services, {
          authorization: request.headers.authorization,
          remoteAddress: request.socket.remoteAddress,
        }),
      };
    } catch (refusal) {
      return { refusal };
    }
  }

  function sendRefusal(response: ServerResponse, refusal: unknown): void {
    const extensions = (refusal as { extensions?: { code?: string; http?: { status?: number } } })
      .extensions;
    if (!extensions?.code) throw refusal;
    sendJson(response, extensions.http?.status ?? 401, {
      errors: [{ message: (refusal as Error).message, extensions: { code: extensions.code } }],
    });
  }

  const requestIdOf = (request: IncomingMessage) =>
    typeof request.headers['x-request-id'] === 'string'
      ? request.headers['x-request-id']
      : undefined;

  async function graphql(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
  ): Promise<void> {
    const identity = await identify(request);
    const account = 'account' in identity ? identity.account : undefined;
    /** A malformed request of a known caller is counted against its rate limit: RATE_LIMITED once over. */
    const refuse = async (error: ServiceError, caller: Account) =>
      sendServiceError(response, (await options.gate.countFailure(caller.id)) ?? error);
    let body: unknown;
    if (request.method === 'POST') {
      if (!account) {
        // The body is never read: close the connection rather than drain what the caller sends.
        response.setHeader('connection', 'close');
        return sendRefusal(response, (identity as { refusal: unknown }).refusal);
      }
      const raw = await readBody(request, options.maxBodyBytes);
      const type = request.headers['content-type'] ?? '';
      if (type.includes('application/json') || type.includes('application/graphql-response+json')) {
        try {
          body = raw === '' ? {} : JSON.parse(raw);
        } catch {
          return refuse(
            new ServiceError(ErrorCode.BAD_REQUEST, 'the request body is not valid JSON'),
            account,
          );
        }
      } else {
        body = raw;
      }
    }
    // A GET without credentials goes on to Apollo Server: a browser gets the landing page, anyone else its 401.
    const query = queryTextOf(body, url);
    if (account && query !== undefined && Buffer.byteLength(query) > options.maxQueryBytes)
      return refuse(queryTooLarge(Buffer.byteLength(query), options.maxQueryBytes), account);
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const aborted = new AbortController();
    response.on('close', () => {
      if (!response.writableFinished) aborted.abort();
    });
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: request.method ?? 'GET', headers, search: url.search, body },
      context: async () => {
        if (!account) throw (identity as { refusal: unknown }).refusal;
        return buildContext(services, logger, account, {
          requestId: requestIdOf(request),
          signal: aborted.signal,
        });
      },
    });
    // Each answer holds one account's data; no cache on the way may keep it (see subgraph-server.ts).
    response.setHeader('cache-control', 'no-store');
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
    const identity = await identify(request);
    if ('refusal' in identity) return sendRefusal(response, identity.refusal);
    const context = buildContext(services, logger, identity.account, {
      requestId: requestIdOf(request),
    });
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
    const url = parsedUrl(request.url ?? '/');
    const report = /^\/reports\/eval\/([^/]+)$/.exec(url.pathname);
    if (report && (request.method === 'GET' || request.method === 'HEAD'))
      return evalReport(request, response, decodedPathSegment(report[1]!));
    if (url.pathname === '/healthz') return sendJson(response, 200, { status: 'ok' });
    if (url.pathname === '/readyz') {
      const storeReachable = await options.storeReachable();
      const ready = storeReachable && options.accepting();
      return sendJson(response, ready ? 200 : 503, {
        status: ready ? 'ready' : 'unavailable',
        store: storeReachable ? 'ok' : 'unreachable',
        accepting: options.accepting(),
      });
    }
    if (url.pathname === '/graphql') return graphql(request, response, url);
    if (options.explorer?.owns(url.pathname))
      return options.explorer.serve(request, response, url.pathname);
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
        if (error instanceof RequestAborted) return;
        if (error instanceof RequestRefused) {
          // An unread body may follow: close the connection rather than drain it.
          response.setHeader('connection', 'close');
          return requestError(response, error.status, error.message);
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
