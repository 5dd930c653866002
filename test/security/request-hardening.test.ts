/**
 * Issue #14, as an attacker holding one low-privilege key (or none) would try it, on a production
 * server listening on loopback: one small document must not take the process down, bodies are not
 * read for anonymous callers nor waited for without end, bad documents meet the rate limit, and
 * malformed requests answer 4xx with a code. The server's log is captured: every line is JSON.
 */
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { getOperationAST, parse } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { SignJWT, exportSPKI, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config.js';
import { buildSchema } from '../../src/graphql/schema.js';
import { createLogger } from '../../src/infra/observability/logger.js';
import { Authenticator, type JwtSettings } from '../../src/security/authenticate.js';
import { measureOperation } from '../../src/security/limits/index.js';
import type { ApiKeyRepository } from '../../src/infra/store/api-keys.js';
import { createApp, type App } from '../../src/app/app.js';
import { issueKeyIn } from '../support/keys.js';
import { storeEnvFor, temporaryDataDir } from '../support/server.js';
import { until } from '../support/until.js';

/** `{ ...F0 } fragment F0 on Query { ...F1 ...F1 } … fragment Fn on Query { __typename }`: 2^(n+1) - 1 spreads written out. */
const doublingFragments = (n: number) =>
  `{ ...F0 }\n${Array.from({ length: n + 1 }, (_, i) =>
    i < n
      ? `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`
      : `fragment F${i} on Query { __typename }`,
  ).join('\n')}`;

interface Answer {
  status: number;
  headers: Headers;
  body: {
    data?: unknown;
    errors?: { message: string; extensions?: { code?: string; [key: string]: unknown } }[];
  };
}

describe('one request cannot take the service down (issue #14)', () => {
  let app: App;
  let url: string;
  let origin: string;
  let port: number;
  const keys: Record<'acme' | 'globex' | 'flood', string> = { acme: '', globex: '', flood: '' };
  const logLines: string[] = [];
  const clients: Client[] = [];

  beforeAll(async () => {
    const dataDir = temporaryDataDir();
    for (const account of ['acme', 'globex', 'flood'] as const)
      keys[account] = await issueKeyIn(dataDir, account, ['route', 'generate', 'eval']);
    const config = loadConfig({
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      PORT: '0',
      ...(await storeEnvFor(dataDir)),
      RATE_LIMIT_REQUESTS_PER_MINUTE: '30',
      MAX_BODY_BYTES: String(256 * 1024),
      HTTP_HEADERS_TIMEOUT_MS: '500',
      HTTP_REQUEST_TIMEOUT_MS: '1000',
    });
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    app = await createApp(config, createLogger({ level: config.logLevel, pretty: false }, sink));
    ({ url, port } = await app.listen(0, '127.0.0.1'));
    origin = new URL(url).origin;
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await app?.stop();
  });

  const post = async (
    body: unknown,
    account: keyof typeof keys = 'acme',
    headers: Record<string, string> = {},
  ): Promise<Answer> => {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${keys[account]}`,
        ...headers,
      },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as Answer['body'],
    };
  };
  const wsClient = (account: keyof typeof keys = 'acme') => {
    const client = createClient({
      url: url.replace('http://', 'ws://'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: true,
      connectionParams: { authorization: `Bearer ${keys[account]}` },
    });
    clients.push(client);
    return client;
  };
  /** The first result or error of one operation over graphql-ws; a closed socket rejects. */
  const overWebSocket = (client: Client, query: string) =>
    new Promise<Answer['body']>((resolve, reject) => {
      client.subscribe(
        { query },
        {
          next: (result) => resolve(result as Answer['body']),
          error: (error) =>
            Array.isArray(error) ? resolve({ errors: error as never }) : reject(error),
          complete: () => resolve({}),
        },
      );
    });
  /** A raw connection, for requests that fetch will not send: unfinished ones. */
  const rawConnection = async () => {
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    const closed = new Promise<number>((resolve) => {
      const opened = Date.now();
      socket.once('close', () => resolve(Date.now() - opened));
    });
    return { socket, received: () => received, closed };
  };

  /**
   * The bound is on the CPU time the process spends (server and client are both in it), not on wall
   * time: the machine running the tests may be shared many times over, which stretches wall time
   * without saying anything about the work. Wall time is bounded too, far from the minutes it took.
   */
  const timed = async <T>(work: () => Promise<T>) => {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const result = await work();
    const used = process.cpuUsage(cpu);
    return { result, cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - started };
  };

  it('refuses 2^41 fragment spreads with QUERY_TOO_COMPLEX in under 100 ms over HTTP and graphql-ws, while /healthz answers', async () => {
    const tooComplex = {
      code: 'QUERY_TOO_COMPLEX',
      rule: 'fragmentSpreads',
      measured: 2 ** 41 - 1,
      limit: 500,
    };
    // Warm: the first requests of a fresh process compile the parser, validation, measure and
    // refusal. A 10-level document runs the same code and is refused as well (2047 spreads).
    expect((await post({ query: doublingFragments(3) })).status).toBe(200);
    expect((await post({ query: doublingFragments(10) })).status).toBe(400);

    const { result, cpuMs, wallMs } = await timed(() =>
      Promise.all([post({ query: doublingFragments(40) }), fetch(`${origin}/healthz`)]),
    );
    const [refused, health] = result;
    expect(refused.status).toBe(400);
    expect(refused.body.errors![0]!.extensions).toEqual(tooComplex);
    expect(health.status).toBe(200);
    expect(cpuMs).toBeLessThan(100);
    expect(wallMs).toBeLessThan(2_000);

    const client = wsClient();
    expect((await overWebSocket(client, '{ __typename }')).data).toEqual({ __typename: 'Query' });
    const overWs = await timed(() => overWebSocket(client, doublingFragments(40)));
    expect(overWs.result.errors![0]!.extensions).toEqual(tooComplex);
    expect(overWs.cpuMs).toBeLessThan(100);
    expect(overWs.wallMs).toBeLessThan(2_000);
  });

  it('measures fragments once each: root fields and spreads count as often as spread, in linear time', () => {
    const schema = buildSchema();
    const measure = (query: string) => {
      const document = parse(query);
      return measureOperation(schema, document, getOperationAST(document)!, {});
    };
    // Walking every path would never end; once per fragment is a fraction of a millisecond each.
    const started = performance.now();
    const shape = measure(doublingFragments(400));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(shape.fragmentSpreads).toBeGreaterThan(Number.MAX_SAFE_INTEGER);
    expect(
      measure(
        '{ ...A ...A } fragment A on Query { ...B ...B } fragment B on Query { taxonomies { nodes { id } } }',
      ),
    ).toMatchObject({ rootFields: 4, fragmentSpreads: 6 });
  });

  it('answers an anonymous POST with 401 before reading its body, and closes the connection', async () => {
    const { socket, received, closed } = await rawConnection();
    socket.write(
      'POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 8000000\r\n\r\n',
    );
    socket.write('{"query":"' + 'x'.repeat(1000));
    await until('the response head', () => received().includes('\r\n\r\n'));
    expect(received()).toMatch(/^HTTP\/1\.1 401 /);
    expect(received()).toMatch(/connection: close/i);
    expect(received()).toContain('UNAUTHENTICATED');
    await closed;
  });

  it('cuts off headers and bodies that arrive too slowly (HTTP_HEADERS_TIMEOUT_MS, HTTP_REQUEST_TIMEOUT_MS)', async () => {
    const headers = await rawConnection();
    headers.socket.write('POST /graphql HTTP/1.1\r\nHost: localhost\r\n');
    const body = await rawConnection();
    body.socket.write(
      `POST /graphql HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${keys.globex}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query":`,
    );
    // Timeouts of 500 and 1000 ms, checked every 500 ms: both connections are gone well within 3 s.
    expect(await headers.closed).toBeLessThan(3_000);
    expect(headers.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(await body.closed).toBeLessThan(3_000);
    expect(body.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect((await fetch(`${origin}/healthz`)).status).toBe(200);
  });

  it('bounds the query text far below the body: a long document is refused unparsed, long variables pass', async () => {
    const long = `{ __typename }\n# ${'x'.repeat(40 * 1024)}`;
    const refused = await post({ query: long }, 'globex');
    expect(refused.status).toBe(400);
    expect(refused.body.errors![0]!.extensions).toEqual({
      code: 'QUERY_TOO_COMPLEX',
      rule: 'queryBytes',
      measured: Buffer.byteLength(long),
      limit: 32 * 1024,
    });
    const variables = await post(
      {
        query: 'query($text: String!) { __type(name: $text) { name } }',
        variables: { text: 'x'.repeat(200 * 1024) },
      },
      'globex',
    );
    expect(variables.status).toBe(200);
    expect((await overWebSocket(wsClient('globex'), long)).errors![0]!.extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      rule: 'queryBytes',
    });
  });

  it('counts bodies and documents that fail to parse or validate against the rate limit, over HTTP and graphql-ws', async () => {
    /** In turn: a syntax error, a validation error, a body that is not JSON. */
    const bad = async (i: number) =>
      i % 3 === 2
        ? (
            await fetch(url, {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                authorization: `Bearer ${keys.flood}`,
              },
              body: '{"query": ',
            })
          ).status
        : (await post({ query: i % 3 ? '{ nope }' : '{ generation(' }, 'flood')).status;
    const answers: number[] = [];
    for (let i = 0; i < 45 && !answers.includes(429); i++) answers.push(await bad(i));
    expect(new Set(answers.slice(0, 30))).toEqual(new Set([400]));
    // 30 per minute, refilled at one every 2 s while the loop runs.
    expect(answers).toContain(429);
    expect(answers.indexOf(429)).toBeGreaterThanOrEqual(30);
    // The bucket refills while a loaded machine runs this: a few tries find it empty again.
    const overLimit = async <T>(attempt: () => Promise<T>, limited: (answer: T) => boolean) => {
      let answer = await attempt();
      for (let tries = 1; tries < 5 && !limited(answer); tries++) answer = await attempt();
      return answer;
    };
    const limited = await overLimit(
      () => post({ query: '{ nope }' }, 'flood'),
      (answer) => answer.status === 429,
    );
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(limited.body.errors![0]!.extensions).toMatchObject({
      code: 'RATE_LIMITED',
      rule: 'requestsPerMinute',
    });

    // graphql-ws: a syntax error is answered with its code (it used to close the socket), and counted.
    const client = wsClient('flood');
    const overWs = await overLimit(
      () => overWebSocket(client, '{ generation('),
      (answer) => answer.errors?.[0]?.extensions?.code === 'RATE_LIMITED',
    );
    expect(overWs.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED' });
    const other = wsClient('globex');
    expect((await overWebSocket(other, '{ generation(')).errors![0]!.extensions).toEqual({
      code: 'GRAPHQL_PARSE_FAILED',
    });
    expect((await overWebSocket(other, '{ __typename }')).data).toEqual({ __typename: 'Query' });
  });

  it('answers a malformed URL and an APQ hash mismatch with 400 BAD_REQUEST', async () => {
    const report = await fetch(`${origin}/reports/eval/%E0%A4%A`, {
      headers: { authorization: `Bearer ${keys.acme}` },
    });
    expect(report.status).toBe(400);
    expect(((await report.json()) as Answer['body']).errors![0]!.extensions!.code).toBe(
      'BAD_REQUEST',
    );
    const mismatch = await post({
      query: '{ __typename }',
      extensions: { persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } },
    });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.errors![0]).toMatchObject({
      message: 'provided sha does not match query',
      extensions: { code: 'BAD_REQUEST' },
    });
  });

  it("keeps persisted queries per account: another tenant's hash is not found", async () => {
    const query = '{ taxonomies { nodes { id name } } }';
    const persistedQuery = {
      version: 1,
      sha256Hash: createHash('sha256').update(query).digest('hex'),
    };
    const byHash = { extensions: { persistedQuery } };
    expect((await post({ query, ...byHash }, 'acme')).status).toBe(200);
    expect((await post(byHash, 'acme')).body.data).toEqual({ taxonomies: { nodes: [] } });
    const other = await post(byHash, 'globex');
    expect(other.body.errors![0]!.extensions!.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('logs an oversized websocket message as one JSON line, with nothing printed outside the log', async () => {
    const stderr = vi.spyOn(process.stderr, 'write');
    const consoleError = vi.spyOn(console, 'error');
    try {
      const socket = new WebSocket(url.replace('http://', 'ws://'), 'graphql-transport-ws');
      await new Promise((resolve) => socket.once('open', resolve));
      const closed = new Promise<number>((resolve) => socket.once('close', resolve));
      socket.send('x'.repeat(300 * 1024));
      expect(await closed).toBe(1009);
      await until('the log line', () => logLines.some((line) => line.includes('websocket closed')));
      expect(logLines.filter((line) => line.includes('websocket closed'))).toHaveLength(1);
      expect(consoleError).not.toHaveBeenCalled();
      expect(stderr).not.toHaveBeenCalled();
    } finally {
      vi.restoreAllMocks();
    }
  });

  it('logged nothing but JSON lines throughout', () => {
    expect(logLines.length).toBeGreaterThan(0);
    for (const line of logLines) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });
});

describe('JWTs without an expiry (issue #14)', () => {
  it('refuses a token without exp unless JWT_ALLOW_WITHOUT_EXP is set', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const settings: JwtSettings = {
      issuer: 'https://router.example',
      audience: 'ai-subgraph',
      publicKeyPem: await exportSPKI(publicKey),
      accountClaim: 'sub',
    };
    const sign = (expires: boolean) => {
      const jwt = new SignJWT({ scope: 'route' })
        .setProtectedHeader({ alg: 'RS256' })
        .setIssuer(settings.issuer)
        .setAudience(settings.audience)
        .setSubject('acme');
      return (expires ? jwt.setExpirationTime('5m') : jwt).sign(privateKey);
    };
    const noKeys = {} as ApiKeyRepository;
    const strict = new Authenticator(noKeys, { production: true, jwt: settings });
    const bearer = async (expires: boolean) => ({
      authorization: `Bearer ${await sign(expires)}`,
    });
    await expect(strict.authenticate(await bearer(false))).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      message: expect.stringContaining('"exp"'),
    });
    expect((await strict.authenticate(await bearer(true))).id).toBe('acme');
    const lenient = new Authenticator(noKeys, {
      production: true,
      jwt: { ...settings, allowWithoutExp: true },
    });
    expect((await lenient.authenticate(await bearer(false))).id).toBe('acme');
    expect(loadConfig({ JWT_ALLOW_WITHOUT_EXP: 'true', ...jwtEnv(settings) }).jwt).toMatchObject({
      allowWithoutExp: true,
    });
    expect(loadConfig(jwtEnv(settings)).jwt).toMatchObject({ allowWithoutExp: false });
  });
});

const jwtEnv = (settings: JwtSettings) => ({
  JWT_ISSUER: settings.issuer,
  JWT_AUDIENCE: settings.audience,
  JWT_PUBLIC_KEY: settings.publicKeyPem!,
});
