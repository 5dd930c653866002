/**
 * What every benchmark shares: the subgraph and the OpenAI double as child processes (each with
 * its own event loop, so the load generator, the subgraph and the double are measured apart), the
 * subgraph built and run as production runs it (compiled.ts), a keep-alive GraphQL-over-HTTP
 * client, a closed-loop load generator, and figures.
 *
 * Benchmarks print figures; they never assert timings (the machine is shared and noisy).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OpenAiBehaviour } from '../../test/support/openai-double.js';
import { imageNodeFlags, imageRuntimeTuning } from '../../test/deploy/support.js';
import { throwawayDatabase } from '../../test/support/postgres.js';
import type { LlmConfigFile } from '../../src/llm/provider-chains.js';
import { DIST_URL, ensureBuild, transpiledChild } from './compiled.js';
import { BENCH_MODEL } from './fixtures.js';
import type { ChildMessage, ChildRequest, ProcessStats } from './ipc.js';

const SUPPORT = fileURLToPath(new URL('./', import.meta.url));

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

/** A forked child that speaks the request/reply protocol of ipc.ts. */
export class Child {
  private nextId = 1;
  private readonly pending = new Map<number, (value: unknown) => void>();
  readonly exited: Promise<number | null>;

  private constructor(
    readonly process: ChildProcess,
    readonly url: string,
    /** The API key an init-store.ts child issued. */
    readonly apiKey: string | undefined,
  ) {
    process.on('message', (message: ChildMessage) => {
      if (message.type !== 'reply') return;
      this.pending.get(message.id)?.(message.value);
      this.pending.delete(message.id);
    });
    this.exited = new Promise((resolve) => process.once('exit', (code) => resolve(code)));
  }

  /**
   * `script`: a TypeScript file of bench/support/, run under tsx; or, with `plain`, the absolute
   * path of a JavaScript module run under plain `node` (the subgraph, see compiled.ts).
   */
  static async fork(
    script: string,
    env: Record<string, string>,
    execArgv: string[] = [],
    plain = false,
  ): Promise<Child> {
    const child = fork(plain ? script : join(SUPPORT, script), [], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      execArgv: plain ? execArgv : ['--import', 'tsx', ...execArgv],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    live.add(child);
    child.once('exit', () => live.delete(child));
    const ready = await new Promise<Extract<ChildMessage, { type: 'ready' }>>((resolve, reject) => {
      child.on('message', (message: ChildMessage) => {
        if (message.type === 'ready') resolve(message);
      });
      child.once('exit', (code) =>
        reject(new Error(`${script} exited with ${code} before it was ready`)),
      );
    });
    return new Child(child, ready.url, ready.apiKey);
  }

  call<T>(message: WithoutId<ChildRequest>, timeoutMs = 60_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no reply to ${message.type} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.pending.set(id, (value) => {
        clearTimeout(timer);
        resolve(value as T);
      });
      this.process.send({ ...message, id });
    });
  }

  stats(reset = false): Promise<ProcessStats> {
    return this.call<ProcessStats>({ type: 'stats', reset });
  }

  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    await this.call({ type: 'stop' }).catch(() => undefined);
    const code = await Promise.race([this.exited, sleep(5_000).then(() => 'timeout' as const)]);
    if (code === 'timeout') this.process.kill('SIGKILL');
  }
}

/** Children still running; killed if the benchmark itself dies. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of live) child.kill('SIGKILL');
    process.exit(130);
  });
}

export type DoubleProcess = Child & {
  setBehaviour(behaviour: OpenAiBehaviour): Promise<void>;
  /** The body of the last chat-completions request the double received. */
  lastRequestBody(): Promise<Record<string, unknown> | null>;
};

export async function startDouble(behaviour: OpenAiBehaviour): Promise<DoubleProcess> {
  const child = await Child.fork('double-process.ts', {
    BENCH_DOUBLE_BEHAVIOUR: JSON.stringify(behaviour),
  });
  return Object.assign(child, {
    setBehaviour: (b: OpenAiBehaviour) => child.call<void>({ type: 'set-behaviour', behaviour: b }),
    lastRequestBody: () => child.call<Record<string, unknown> | null>({ type: 'last-request' }),
  });
}

export type ServerProcess = Child & {
  /** ws://127.0.0.1:port/graphql (`url` is the http:// one). */
  readonly wsUrl: string;
  readonly dataDir: string;
  /** The PostgreSQL database it stores in (`store: 'postgres'`), for a benchmark that reads it. */
  readonly databaseUrl: string | undefined;
  /** `Bearer <API key>` of the benchmark's account: for the Authorization header and graphql-ws's connection_init. */
  readonly authorization: string;
};

/** Where the subgraph stores: embedded PGlite in its data directory, or a PostgreSQL database. */
export type StoreKind = 'pglite' | 'postgres';

export interface ServerOptions {
  doubleUrl: string;
  /** policies.concurrency.maxConcurrent: raised above the default 32 for the many-client runs. */
  maxConcurrent: number;
  /** Extra Node flags for the server process (`--cpu-prof`, `--expose-gc`); they win over the image's NODE_OPTIONS. */
  execArgv?: string[];
  env?: Record<string, string>;
  /** Without the image's runtime settings (NODE_OPTIONS, MALLOC_ARENA_MAX, the flags on its CMD), to measure what they do. */
  untuned?: boolean;
  /** Per-feature chains instead of the double's (`{ ROUTING: { chain: ['builtin:builtin'] } }`); the builtin provider is then registered too. */
  features?: LlmConfigFile['features'];
  /** Default `pglite`. */
  store?: StoreKind;
}

/**
 * The real subgraph in a child process as production runs it: the compiled build (dist/, rebuilt
 * if stale) under plain `node` with NODE_ENV=production and the image's runtime settings
 * (test/deploy/support.ts), authenticated by an API key. Its own store (a PGlite directory, or a
 * PostgreSQL database with `store: 'postgres'`), created and migrated by another child first so
 * that the subgraph opens an existing one; an LLM_CONFIG that routes every feature to the double
 * only (no builtin fallback, so a failure is counted rather than hidden), with no retries, no
 * response cache, and the per-account abuse limits off.
 */
export async function startServer(options: ServerOptions): Promise<ServerProcess> {
  ensureBuild();
  const dataDir = mkdtempSync(join(tmpdir(), 'ai-subgraph-bench-'));
  const configPath = join(dataDir, 'llm-config.json');
  const config: LlmConfigFile = {
    providers: {
      openai: { type: 'openai', baseURL: options.doubleUrl },
      ...(options.features ? { builtin: { type: 'builtin' as const } } : {}),
    },
    defaults: { chain: [`openai:${BENCH_MODEL}`], retries: 0, timeoutMs: 300_000 },
    ...(options.features ? { features: options.features } : {}),
    policies: {
      concurrency: {
        maxConcurrent: options.maxConcurrent,
        maxQueue: options.maxConcurrent,
        queueTimeoutMs: 60_000,
      },
      breaker: { failureThreshold: 1_000_000, cooldownMs: 0 },
      cacheMaxBytes: 0,
    },
  };
  writeFileSync(configPath, JSON.stringify(config));
  // In the server at DATABASE_URL when one is given (it must allow CREATE DATABASE), else in a cluster of its own.
  const database =
    options.store === 'postgres' ? await throwawayDatabase(process.env['DATABASE_URL']) : undefined;
  const storeEnv = {
    DATA_DIR: join(dataDir, 'pgdata'),
    ...(database ? { DATABASE_URL: database.url } : {}),
  };
  const removeStore = async () => {
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  let apiKey: string | undefined;
  let child: Child;
  try {
    const init = await Child.fork('init-store.ts', storeEnv);
    await init.exited;
    apiKey = init.apiKey;
    child = await Child.fork(
      transpiledChild('server-process.ts', join(dataDir, 'child')),
      {
        NODE_ENV: 'production',
        ...(options.untuned ? {} : imageRuntimeTuning()),
        BENCH_DIST: DIST_URL,
        LOG_LEVEL: 'silent',
        PORT: '0',
        HOST: '127.0.0.1',
        ...storeEnv,
        LLM_CONFIG: configPath,
        OPENAI_API_KEY: 'sk-bench',
        SHUTDOWN_GRACE_MS: '2000',
        // The per-account abuse limits (requests and tokens per minute, daily budget, streams and
        // subscriptions at once) would refuse a benchmark's load from its single account: off (0),
        // as with one account per client they would not apply.
        RATE_LIMIT_REQUESTS_PER_MINUTE: '0',
        RATE_LIMIT_TOKENS_PER_MINUTE: '0',
        DAILY_BUDGET_USD: '0',
        MAX_CONCURRENT_STREAMS: '0',
        MAX_SUBSCRIPTIONS_PER_ACCOUNT: '0',
        ...options.env,
      },
      // The image's command-line flags first, so that a benchmark's own (`--node-flags`) win.
      [...(options.untuned ? [] : imageNodeFlags()), ...(options.execArgv ?? [])],
      true,
    );
  } catch (error) {
    await removeStore();
    throw error;
  }
  const stop = child.stop.bind(child);
  return Object.assign(child, {
    wsUrl: child.url.replace('http://', 'ws://'),
    dataDir,
    databaseUrl: database?.url,
    authorization: `Bearer ${apiKey}`,
    stop: async () => {
      await stop();
      await removeStore();
    },
  });
}

/** GraphQL over HTTP POST with a keep-alive agent: cheaper per request than fetch. */
export class GraphQLHttpClient {
  /**
   * Idle sockets are dropped after 4 s, before the server's 5 s keep-alive timeout closes them:
   * otherwise a request sent on a socket the server is closing fails with ECONNRESET.
   */
  private readonly agent = new Agent({ keepAlive: true, maxSockets: Infinity, timeout: 4_000 });
  private readonly target: URL;

  /** `authorization`: the Authorization header sent with every request (`server.authorization`). */
  constructor(
    url: string,
    private readonly authorization?: string,
  ) {
    this.target = new URL(url);
  }

  post<T>(
    query: string,
    variables: Record<string, unknown>,
  ): Promise<{ data?: T; errors?: { message: string }[] }> {
    const body = JSON.stringify({ query, variables });
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          agent: this.agent,
          host: this.target.hostname,
          port: this.target.port,
          path: this.target.pathname,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            ...(this.authorization ? { authorization: this.authorization } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            try {
              resolve(
                JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
                  data?: T;
                  errors?: { message: string }[];
                },
              );
            } catch (error) {
              reject(new Error(`HTTP ${res.statusCode}: not JSON (${(error as Error).message})`));
            }
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface LoadOptions {
  concurrency: number;
  /** Stop issuing after this many requests... */
  maxRequests: number;
  /** ...or after this long, whichever comes first. */
  maxMs: number;
  /**
   * The clients start spread evenly over this long (default 0: all at once). Against a server that
   * answers in a fixed time, clients started together stay in step and arrive in bursts forever.
   */
  rampMs?: number;
}

export interface LoadResult {
  /** Milliseconds per successful request. */
  latencies: number[];
  errors: number;
  firstError?: string;
  elapsedMs: number;
}

/**
 * A closed loop: `concurrency` clients, each sending its next request as soon as its previous one
 * is answered. `once` returns extra per-request samples (e.g. time to first delta) if it has any.
 */
export async function closedLoop(
  options: LoadOptions,
  once: () => Promise<void>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let issued = 0;
  const started = performance.now();
  const deadline = started + options.maxMs;
  const worker = async (_: unknown, client: number) => {
    if (options.rampMs)
      await new Promise((resolve) =>
        setTimeout(resolve, (client * options.rampMs!) / options.concurrency),
      );
    while (issued < options.maxRequests && performance.now() < deadline) {
      issued++;
      const t0 = performance.now();
      try {
        await once();
        latencies.push(performance.now() - t0);
      } catch (error) {
        errors++;
        firstError ??= (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return {
    latencies,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    elapsedMs: performance.now() - started,
  };
}

export interface Summary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) return { count: 0, p50: NaN, p90: NaN, p99: NaN, max: NaN, mean: NaN };
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  return {
    count: sorted.length,
    p50: at(50),
    p90: at(90),
    p99: at(99),
    max: sorted.at(-1)!,
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
  };
}

export const ms = (value: number, digits = 1) =>
  Number.isFinite(value) ? value.toFixed(digits) : '—';
export const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

/** A Markdown table, so the output can be pasted into a bench/results/ file as is. */
export function table(header: string[], rows: (string | number)[][]): string {
  const lines = [header, header.map(() => '---'), ...rows.map((row) => row.map(String))];
  return lines.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The 1-minute load average: other work on the machine while the benchmark ran. */
export function load(): string {
  return `load average ${loadavg()[0]!.toFixed(2)}`;
}

export function machine(): string {
  return `Node ${process.version}, ${process.platform}/${process.arch}, ${availableParallelism()} cores, ${cpus()[0]?.model ?? 'unknown CPU'}, ${load()}`;
}

/**
 * `--smoke`: a few seconds of a benchmark, to show it still runs end to end (`npm run bench:smoke`,
 * run by CI). Figures from a smoke run mean nothing; a smoke run that saw a failed request exits 1.
 */
export const SMOKE = hasFlag('smoke');

/** In a smoke run, failed requests fail the benchmark (a benchmark that stopped working). */
export function failSmokeRunOn(failures: number, what: string): void {
  if (!SMOKE || failures === 0) return;
  console.error(`smoke run: ${failures} ${what} failed`);
  process.exitCode = 1;
}

/** `--name value` or `--name=value` from argv. */
export function flag(name: string): string | undefined {
  const at = process.argv.findIndex((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`));
  if (at < 0) return undefined;
  const arg = process.argv[at]!;
  return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : (process.argv[at + 1] ?? '');
}

export function hasFlag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}
