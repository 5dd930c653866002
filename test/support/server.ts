/**
 * Starts the real subgraph in-process on an ephemeral loopback port, with its own data directory,
 * and gives tests an HTTP GraphQL client and a real graphql-ws client.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import { inject } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/infra/observability/logger.js';
import { createApp, type App } from '../../src/app/app.js';
import { createDatabaseFrom, testDatabaseIsPostgres } from './postgres.js';

export interface TestServer {
  app: App;
  url: string;
  wsUrl: string;
  dataDir: string;
  /** The server's own PostgreSQL database when TEST_DATABASE=postgres (else its store is PGlite in dataDir). */
  databaseUrl?: string;
  graphql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<T>>;
  wsClient(options?: { connectionParams?: Record<string, unknown> }): Client;
  stop(): Promise<void>;
}

export interface GraphQLResponse<T> {
  status: number;
  data?: T;
  errors?: {
    message: string;
    path?: string[];
    extensions?: { code?: string; [key: string]: unknown };
  }[];
}

/** A fresh data directory, copied from the run's migrated template (see global-setup.ts); removed with the run. */
export function temporaryDataDir(): string {
  const dir = mkdtempSync(join(inject('testRunDir'), 'data-'));
  cpSync(inject('templateDataDir'), dir, { recursive: true });
  return dir;
}

/** With TEST_DATABASE=postgres, each data directory gets its own database, kept across restarts. */
const databasesByDataDir = new Map<string, string>();

/** The database a test server on `dataDir` uses under TEST_DATABASE=postgres (created on first use). */
export async function testDatabaseFor(dataDir: string): Promise<string> {
  let url = databasesByDataDir.get(dataDir);
  if (!url) {
    url = await createDatabaseFrom(inject('postgresAdminUrl'), inject('postgresTemplate'));
    databasesByDataDir.set(dataDir, url);
  }
  return url;
}

/**
 * The store settings of the test server on `dataDir`, for what opens that store beside it (the
 * CLIs, an app built by hand): DATA_DIR, plus DATABASE_URL under TEST_DATABASE=postgres.
 */
export async function storeEnvFor(
  dataDir: string,
): Promise<{ DATA_DIR: string; DATABASE_URL?: string }> {
  return testDatabaseIsPostgres()
    ? { DATA_DIR: dataDir, DATABASE_URL: await testDatabaseFor(dataDir) }
    : { DATA_DIR: dataDir };
}

export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  // A directory the caller did not give is the server's own: removed when it stops. Tests that
  // restart on the same data pass DATA_DIR.
  const ownsDataDir = env.DATA_DIR === undefined;
  const dataDir = env.DATA_DIR ?? temporaryDataDir();
  const databaseUrl =
    env.DATABASE_URL ?? (testDatabaseIsPostgres() ? await testDatabaseFor(dataDir) : undefined);
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PORT: '0',
    // One event per provider chunk, so that tests counting deltas see them; the coalescing tests
    // (test/infra/streams/coalescing.test.ts) set a frame.
    STREAM_FRAME_MS: '0',
    ...env,
    DATA_DIR: dataDir,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  const app = await createApp(config, createLogger({ level: config.logLevel, pretty: false }));
  const { url } = await app.listen(0, '127.0.0.1');
  const wsUrl = url.replace('http://', 'ws://');
  const clients: Client[] = [];
  return {
    app,
    url,
    wsUrl,
    dataDir,
    databaseUrl,
    async graphql(query, variables, headers = {}) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, ...((await response.json()) as object) };
    },
    wsClient(options = {}) {
      const client = createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: true,
        ...options,
      });
      clients.push(client);
      return client;
    },
    async stop() {
      await Promise.all(clients.map((client) => client.dispose()));
      await app.stop();
      if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A stream event as tests read it: its GraphQL type, its seq, and the delta's text or the finished
 * generation (null on the other kind).
 */
export interface StreamEventShape {
  __typename: 'GenerationTextDelta' | 'GenerationFinished';
  seq: number;
  delta: string | null;
  generation: {
    id: string;
    status: string;
    text: string;
    error?: { code: string } | null;
    output?: Record<string, unknown> | null;
  } | null;
}

/** A stream event as the server sends it for `streamEventSelection`. */
export type RawStreamEvent = Pick<StreamEventShape, '__typename' | 'seq'> & {
  text?: string;
  generation?: StreamEventShape['generation'];
};

/**
 * What tests select of a `GenerationEvent`: its kind and seq, a delta's text, the finished
 * generation (with `output`'s selection when given).
 */
export function streamEventSelection(output?: string): string {
  const typed = output ? ` output { ${output} }` : '';
  return `__typename seq
      ... on GenerationTextDelta { text }
      ... on GenerationFinished { generation { id status text error { code }${typed} } }`;
}

/** An event selected with `streamEventSelection`, in the shape tests read. */
export function streamEventOf(raw: RawStreamEvent): StreamEventShape {
  return {
    __typename: raw.__typename,
    seq: raw.seq,
    delta: raw.text ?? null,
    generation: raw.generation ?? null,
  };
}

/**
 * Subscribes to a generation's stream and collects events until the server completes it; `output`
 * selects the final generation's typed output (e.g. `... on StatusUpdateOutput { needsHuman }`).
 */
export function collectStream(
  client: Client,
  id: string,
  afterSeq?: number,
  output?: string,
): Promise<{ events: StreamEventShape[]; errors?: unknown }> {
  const query = `subscription Watch($id: ID!, $afterSeq: Int) {
    generationStream(id: $id, afterSeq: $afterSeq) { ${streamEventSelection(output)} }
  }`;
  return new Promise((resolve, reject) => {
    const events: StreamEventShape[] = [];
    client.subscribe<{ generationStream: RawStreamEvent }>(
      { query, variables: { id, afterSeq } },
      {
        next: (result) => {
          if (result.errors) resolve({ events, errors: result.errors });
          else if (result.data) events.push(streamEventOf(result.data.generationStream));
        },
        error: (error) =>
          Array.isArray(error) ? resolve({ events, errors: error }) : reject(error),
        complete: () => resolve({ events }),
      },
    );
  });
}
