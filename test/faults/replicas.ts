/**
 * What the fault tests share: subgraph replicas as real child processes (so they can be killed),
 * talked to over real HTTP and graphql-ws, and a live view of a generation's stream.
 */
import { connect } from 'node:net';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll } from 'vitest';
import WebSocket from 'ws';
import { MODEL_STATUS_UPDATE } from '../fixtures/status-update.js';
import { startOpenAiDouble, type OpenAiDouble } from '../support/openai-double.js';
import {
  createEmptyDatabase,
  postgresBinDir,
  startPostgresCluster,
  type PostgresCluster,
} from '../support/postgres.js';
import { spawnServer, type ServerProcess } from '../support/process.js';
import { redisServerInstalled, startRedis, type RedisServer } from '../support/redis.js';
import {
  streamEventOf,
  streamEventSelection,
  type GraphQLResponse,
  type RawStreamEvent,
  type StreamEventShape,
} from '../support/server.js';

export interface Replica {
  process: ServerProcess;
  url: string;
  graphql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLResponse<T>>;
  /** A graphql-ws client, disposed by `stop`. */
  wsClient(): Client;
  /** GET on a path beside /graphql (/readyz, /healthz). */
  get(path: string): Promise<Response>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts a replica (`npm start` as a child process) and waits until it listens. */
export async function spawnReplica(env: Record<string, string>): Promise<Replica> {
  const process = spawnServer(env);
  const url = await process.ready;
  const clients: Client[] = [];
  return {
    process,
    url,
    async graphql(query, variables) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, ...((await response.json()) as object) };
    },
    wsClient() {
      const client = createClient({
        url: url.replace('http://', 'ws://'),
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: true,
      });
      clients.push(client);
      return client;
    },
    get: (path) => fetch(url.replace(/\/graphql$/, path)),
    async stop() {
      await Promise.all(clients.map((client) => client.dispose()));
      if (process.child.exitCode === null && process.child.signalCode === null)
        process.child.kill('SIGTERM');
      return process.exited;
    },
  };
}

/** Whether redis-server and PostgreSQL's server binaries are here; in CI their absence is an error. */
export function scaleOutServersAvailable(): boolean {
  const available = redisServerInstalled() && postgresBinDir() !== null;
  if (!available && process.env.CI)
    throw new Error(
      'fault tests need redis-server and PostgreSQL 15 (apt-get install -y redis-server postgresql-15)',
    );
  return available;
}

/** Two replicas and what they share; set once the describe's beforeAll has run. */
export interface ReplicaPair {
  a: Replica;
  b: Replica;
  redis: RedisServer;
  /** Answers MODEL_STATUS_UPDATE unless told otherwise. */
  double: OpenAiDouble;
}

/**
 * Call inside a describe: a PostgreSQL cluster, a redis-server (append-only, fsynced always), the
 * OpenAI double, and two replicas (with `env`) on all three, started together; all stopped after.
 */
export function twoReplicas(env: Record<string, string> = {}): ReplicaPair {
  const pair = {} as ReplicaPair;
  let cluster: PostgresCluster | undefined;
  beforeAll(async () => {
    [cluster, pair.redis, pair.double] = await Promise.all([
      startPostgresCluster(),
      startRedis(),
      startOpenAiDouble({ defaultBehaviour: { kind: 'text', text: MODEL_STATUS_UPDATE } }),
    ]);
    const shared = {
      DATABASE_URL: await createEmptyDatabase(cluster.adminUrl),
      REDIS_URL: pair.redis.url,
      OPENAI_BASE_URL: pair.double.url,
      OPENAI_API_KEY: 'test-key',
      ...env,
    };
    [pair.a, pair.b] = await Promise.all([spawnReplica(shared), spawnReplica(shared)]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([pair.a?.stop(), pair.b?.stop()]);
    await Promise.all([pair.double?.close(), pair.redis?.dispose(), cluster?.stop()]);
  });
  return pair;
}

export interface FollowedStream {
  /** Events so far, in arrival order. */
  events: StreamEventShape[];
  /** Settles when the server completes the subscription (or it errors). */
  done: Promise<{ errors?: unknown }>;
  /** Leaves the subscription, as a client closing its tab would. */
  leave(): void;
}

const WATCH = `subscription Watch($id: ID!, $afterSeq: Int) {
  generationStream(id: $id, afterSeq: $afterSeq) { ${streamEventSelection()} }
}`;

/** Subscribes to a generation's stream and exposes its events as they arrive. */
export function follow(client: Client, id: string, afterSeq?: number): FollowedStream {
  const events: StreamEventShape[] = [];
  let leave: () => void = () => undefined;
  const done = new Promise<{ errors?: unknown }>((resolve) => {
    leave = client.subscribe<{ generationStream: RawStreamEvent }>(
      { query: WATCH, variables: { id, afterSeq } },
      {
        next: (result) => {
          if (result.errors) resolve({ errors: result.errors });
          else if (result.data) events.push(streamEventOf(result.data.generationStream));
        },
        error: (error) => resolve({ errors: error }),
        complete: () => resolve({}),
      },
    );
  });
  return { events, done, leave: () => leave() };
}

/** Whether a new TCP connection to the URL's port is refused. */
export function connectionRefused(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

export const GENERATION = `query Generation($id: ID!) { generation(id: $id) { id status text error { code message } } }`;

export interface GenerationShape {
  id: string;
  status: string;
  text: string;
  error: { code: string; message: string } | null;
}
