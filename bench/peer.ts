/**
 * The subgraph beside a real peer (issue #19): Portkey's open-source AI Gateway
 * (`@portkey-ai/gateway`, pinned, with its defaults) and the subgraph, one after the other in one
 * run, in front of the same OpenAI-compatible double, compared with calling the double directly.
 *
 * The double answers like a hosted model: the first chunk after 200 ms, then 20 chunks
 * `--spacing` ms apart (40 ms, and 10 ms for today's fast models). Three ways to the same answer:
 *   direct    the `openai` SDK against the double;
 *   portkey   the same SDK call through Portkey (`x-portkey-provider: openai`, the double as
 *             `x-portkey-custom-host`);
 *   subgraph  `draftStatusUpdate` over HTTP (whole answer), or with `stream: true` and then
 *             `generationStream` over graphql-ws (streamed), on the production build with
 *             everything production does switched on: API-key check, storage, audit, PII
 *             redaction, injection screening, parsing and grounding.
 * Closed-loop clients at 1, 50 and 200 at once. For each gateway: added p50/p99 (whole) or added
 * time to first token (streamed) over direct, throughput against direct, CPU per call (the
 * subgraph's PostgreSQL backends counted apart), write system calls per call (a count a busy
 * machine does not blur), peak RSS, and the subgraph/Portkey ratio of each.
 *
 *   npx tsx bench/peer.ts                        every mode, level and spacing (about 6 minutes)
 *   npx tsx bench/peer.ts --seconds 5            shorter levels (default 10 s each)
 *   npx tsx bench/peer.ts --mode stream --clients 200 --spacing 10
 *   npx tsx bench/peer.ts --store pglite         the embedded store (default PostgreSQL)
 *   npx tsx bench/peer.ts --mode stream --profile
 *                                                where the subgraph's CPU went at each level (V8
 *                                                profiler: its CPU per call is then not comparable)
 *   npx tsx bench/peer.ts --profile --keep-profile  and keep the .cpuprofile files
 *   npx tsx bench/peer.ts --node-flags="--optimize-for-size"   V8/Node flags for the subgraph
 *   npx tsx bench/peer.ts --server-env="STREAM_FRAME_MS=50"     settings for the subgraph (KEY=VALUE,
 *                                                space-separated), to weigh one before it changes
 *   npx tsx bench/peer.ts --smoke                a few seconds: that each way still answers (CI)
 *
 * Figures only, never assertions (but --smoke fails when a way stops answering).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { Client } from 'graphql-ws';
import { DRAFT, MODEL_STATUS_UPDATE, statusUpdateInput } from './support/fixtures.js';
import {
  closedLoop,
  failSmokeRunOn,
  flag,
  GraphQLHttpClient,
  hasFlag,
  machine,
  mb,
  ms,
  sleep,
  SMOKE,
  startDouble,
  startServer,
  summarize,
  table,
  type LoadResult,
  type StoreKind,
} from './support/harness.js';
import { formatProfile, summarizeProfile } from './support/cpu-profile.js';
import type { ProcessStats } from './support/ipc.js';
import { cpuMsOf, databaseBackends } from './support/proc-cpu.js';
import { writeCallsOf } from './support/proc-io.js';
import { freePort } from '../test/support/redis.js';
import {
  connectedClient,
  subgraphStream,
  type Draft,
  type StreamTiming,
} from './support/streams.js';

type Mode = 'whole' | 'stream';
type Way = 'direct' | 'portkey' | 'subgraph';

const SECONDS = Number(flag('seconds') ?? (SMOKE ? 2 : 10));
const MODES = (flag('mode')?.split(',') ?? ['whole', 'stream']) as Mode[];
const LEVELS = (flag('clients') ?? (SMOKE ? '1,5' : '1,50,200')).split(',').map(Number);
const SPACINGS = (flag('spacing') ?? (SMOKE ? '40' : '40,10')).split(',').map(Number);
const STORE = (flag('store') ?? 'postgres') as StoreKind;
const PROFILE = hasFlag('profile');
/** Extra flags for the subgraph's `node`, to weigh a flag's CPU per call before it goes into the image. */
const NODE_FLAGS = (flag('node-flags') ?? '').split(' ').filter(Boolean);
/** Settings for the subgraph's environment, over the bench's own (`--server-env="A=1 B=2"`). */
const SERVER_ENV = Object.fromEntries(
  (flag('server-env') ?? '')
    .split(' ')
    .filter(Boolean)
    .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
);
const MODEL = 'gpt-bench';
const FIRST_CHUNK_MS = 200;
const CHUNKS = 20;

/** One level's figures for one way. */
interface Measured {
  result: LoadResult;
  /** Time to the first token of each streamed call, ms. */
  firstToken: number[];
  /** Each streamed call's timing (see streams.ts). */
  timings: StreamTiming[];
  cpuMs: number;
  /** Write system calls of the gateway process (socket writes, mostly). */
  writes: number;
  /** The subgraph's PostgreSQL backends, ms. */
  databaseCpuMs: number;
}

async function main() {
  console.log(
    `${machine()}; store ${STORE}; ${SECONDS} s a level${NODE_FLAGS.length ? `; subgraph under node ${NODE_FLAGS.join(' ')}` : ''}${flag('server-env') ? `; subgraph with ${flag('server-env')}` : ''}`,
  );
  const double = await startDouble(behaviour(SPACINGS[0]!));
  const portkey = await startPortkey();
  const subgraph = await startServer({
    doubleUrl: double.url,
    maxConcurrent: 400,
    store: STORE,
    execArgv: NODE_FLAGS,
    env: SERVER_ENV,
  });
  const http = new GraphQLHttpClient(subgraph.url, subgraph.authorization);
  // Several sockets, calls dealt round-robin: production caps one socket at 100 open
  // subscriptions (WS_MAX_SUBSCRIPTIONS_PER_SOCKET), and one socket for 200 streamed clients had
  // the cap refuse the 101st; about 25 a socket stays far below it.
  const sockets = await Promise.all(
    Array.from({ length: Math.ceil(Math.max(...LEVELS) / 25) }, () =>
      connectedClient(subgraph.wsUrl, subgraph.authorization),
    ),
  );
  let nextSocket = 0;
  const ws = () => sockets[nextSocket++ % sockets.length]!;
  const database = STORE === 'postgres' ? await databaseBackends(subgraph.databaseUrl!) : undefined;
  const sdk = {
    direct: new OpenAI({ apiKey: 'sk-bench', baseURL: double.url, maxRetries: 0 }),
    portkey: new OpenAI({
      apiKey: 'sk-bench',
      baseURL: `${portkey.url}/v1`,
      maxRetries: 0,
      defaultHeaders: { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': double.url },
    }),
  };
  let failures = 0;
  try {
    for (const spacing of SPACINGS) {
      await double.setBehaviour(behaviour(spacing));
      for (const mode of MODES) {
        const rows: (string | number)[][] = [];
        const profiles: string[] = [];
        const notes: string[] = [];
        const phases: string[] = [];
        for (const clients of LEVELS) {
          const measured = {} as Record<Way, Measured>;
          for (const way of ['direct', 'portkey', 'subgraph'] as const) {
            const pid = way === 'portkey' ? portkey.process.pid : subgraph.process.pid;
            const call =
              way === 'subgraph'
                ? () => subgraphCall(mode, http, ws())
                : () => sdkCall(mode, sdk[way]);
            const before = way === 'subgraph' ? await subgraph.stats(true) : undefined;
            const profile = PROFILE && way === 'subgraph' ? profileFile() : undefined;
            if (profile) await subgraph.call({ type: 'profile-start' });
            measured[way] = await measure(
              clients,
              call,
              way === 'direct' ? undefined : pid,
              way === 'subgraph' ? database : undefined,
            );
            if (profile) {
              await subgraph.call({ type: 'profile-stop', path: profile });
              const calls = measured[way].result.latencies.length;
              profiles.push(
                `\nProfile of the subgraph, ${mode}, ${clients} clients, chunks ${spacing} ms apart:\n${formatProfile(summarizeProfile(profile, 20), calls, 'call')}`,
              );
              keepOrRemove(profile);
            }
            if (before)
              notes.push(subgraphNote(clients, measured[way], before, await subgraph.stats()));
            const { errors, firstError } = measured[way].result;
            if (errors) {
              failures++;
              console.log(`  ${way} ${mode} ${clients}: ${errors} failed (${firstError})`);
            }
          }
          rows.push(...levelRows(mode, clients, measured));
          if (mode === 'stream') phases.push(phaseNote(clients, measured));
        }
        console.log(
          `\n${mode === 'whole' ? 'Whole answers' : 'Streamed, time to first token'}, chunks ${spacing} ms apart:`,
        );
        console.log(table(HEADER[mode], rows));
        for (const note of notes) console.log(note);
        for (const phase of phases) console.log(phase);
        for (const profile of profiles) console.log(profile);
      }
    }
    console.log(
      `\npeak RSS: subgraph ${mb(peakRss(subgraph.process.pid!))} MB, portkey ${mb(peakRss(portkey.process.pid!))} MB`,
    );
  } finally {
    for (const socket of sockets) void socket.dispose();
    http.close();
    await database?.close();
    await subgraph.stop();
    portkey.process.kill('SIGTERM');
    await double.stop();
  }
  failSmokeRunOn(failures, 'levels with calls that');
}

function behaviour(spacing: number) {
  return {
    kind: 'delay' as const,
    ms: FIRST_CHUNK_MS,
    then: {
      kind: 'text' as const,
      text: MODEL_STATUS_UPDATE,
      chunks: CHUNKS,
      chunkDelayMs: spacing,
      usage: { inputTokens: 400, outputTokens: 100 },
    },
  };
}

const HEADER: Record<Mode, string[]> = {
  whole: [
    'clients',
    'way',
    'p50',
    'p99',
    'added p50',
    'added p99',
    'thr. vs direct',
    'CPU ms/call',
    'writes/call',
  ],
  stream: [
    'clients',
    'way',
    'ttft p50',
    'ttft p99',
    'added p50',
    'added p99',
    'thr. vs direct',
    'CPU ms/call',
    'writes/call',
  ],
};

/** Rows for Portkey, the subgraph and their ratio at one level. */
function levelRows(mode: Mode, clients: number, m: Record<Way, Measured>): (string | number)[][] {
  const samples = (w: Way) => (mode === 'whole' ? m[w].result.latencies : m[w].firstToken);
  const direct = summarize(samples('direct'));
  const rate = (w: Way) => m[w].result.latencies.length / m[w].result.elapsedMs;
  const figures = (w: Way) => {
    const s = summarize(samples(w));
    const calls = Math.max(1, m[w].result.latencies.length);
    return {
      p50: s.p50,
      p99: s.p99,
      addedP50: s.p50 - direct.p50,
      addedP99: s.p99 - direct.p99,
      throughput: rate(w) / rate('direct'),
      cpu: m[w].cpuMs / calls,
      writes: m[w].writes / calls,
      databaseCpu: m[w].databaseCpuMs / calls,
    };
  };
  const p = figures('portkey');
  const s = figures('subgraph');
  const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : 'n/a');
  return [
    [clients, 'direct', ms(direct.p50), ms(direct.p99), '', '', '1.00', '', ''],
    [
      clients,
      'portkey',
      ms(p.p50),
      ms(p.p99),
      ms(p.addedP50),
      ms(p.addedP99),
      p.throughput.toFixed(2),
      ms(p.cpu, 2),
      p.writes.toFixed(1),
    ],
    [
      clients,
      'subgraph',
      ms(s.p50),
      ms(s.p99),
      ms(s.addedP50),
      ms(s.addedP99),
      s.throughput.toFixed(2),
      `${ms(s.cpu, 2)} (+${ms(s.databaseCpu, 2)} db)`,
      s.writes.toFixed(1),
    ],
    [
      clients,
      'subgraph / portkey',
      '',
      '',
      ratio(Math.max(s.addedP50, 0), Math.max(p.addedP50, 0)),
      ratio(Math.max(s.addedP99, 0), Math.max(p.addedP99, 0)),
      ratio(s.throughput, p.throughput),
      ratio(s.cpu + s.databaseCpu, p.cpu),
      ratio(s.writes, p.writes),
    ],
  ];
}

/** One closed-loop level, with the CPU the gateway process (and its database) spent on it. */
async function measure(
  clients: number,
  call: () => Promise<StreamTiming | undefined>,
  pid: number | undefined,
  database: { snapshot(): Promise<Map<number, number>> } | undefined,
): Promise<Measured> {
  const firstToken: number[] = [];
  const timings: StreamTiming[] = [];
  const cpu0 = pid ? cpuMsOf(pid) : 0;
  const writes0 = pid ? writeCallsOf(pid) : 0;
  const db0 = (await database?.snapshot()) ?? new Map<number, number>();
  const result = await closedLoop(
    {
      concurrency: clients,
      maxRequests: SMOKE ? clients * 3 : 100_000,
      maxMs: SECONDS * 1000,
      // Clients that start together stay in step against a double that answers in a fixed time.
      rampMs: clients > 1 ? 1000 : 0,
    },
    async () => {
      const timing = await call();
      if (timing === undefined) return;
      firstToken.push(timing.firstDeltaMs);
      timings.push(timing);
    },
  );
  const cpuMs = pid ? cpuMsOf(pid) - cpu0 : 0;
  const writes = pid ? writeCallsOf(pid) - writes0 : 0;
  let databaseCpuMs = 0;
  for (const [backend, spent] of (await database?.snapshot()) ?? [])
    databaseCpuMs += spent - (db0.get(backend) ?? 0);
  return { result, firstToken, timings, cpuMs, writes, databaseCpuMs };
}

/** A chat completion through the SDK; streamed, resolves with its timing. */
async function sdkCall(mode: Mode, client: OpenAI): Promise<StreamTiming | undefined> {
  const messages = [{ role: 'user' as const, content: 'Draft a status update.' }];
  if (mode === 'whole') {
    const answer = await client.chat.completions.create({ model: MODEL, messages });
    if (answer.choices[0]?.message.content !== MODEL_STATUS_UPDATE) throw new Error('wrong answer');
    return undefined;
  }
  const started = performance.now();
  let firstToken: number | undefined;
  let lastDeltaMs = 0;
  let text = '';
  const stream = await client.chat.completions.create({ model: MODEL, messages, stream: true });
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta.content;
    if (!delta) continue;
    lastDeltaMs = performance.now() - started;
    firstToken ??= lastDeltaMs;
    text += delta;
  }
  if (text !== MODEL_STATUS_UPDATE || firstToken === undefined) throw new Error('wrong stream');
  return { firstDeltaMs: firstToken, totalMs: performance.now() - started, lastDeltaMs };
}

async function subgraphCall(
  mode: Mode,
  http: GraphQLHttpClient,
  ws: Client,
): Promise<StreamTiming | undefined> {
  if (mode === 'stream') return subgraphStream(http, ws);
  const result = await http.post<Draft & { draftStatusUpdate: { generation: { status: string } } }>(
    DRAFT,
    {
      input: statusUpdateInput(),
    },
  );
  const status = result.data?.draftStatusUpdate?.generation?.status;
  if (status !== 'SUCCEEDED') throw new Error(result.errors?.[0]?.message ?? `status ${status}`);
  return undefined;
}

/** Portkey's gateway as its README starts it, headless, in production mode. */
async function startPortkey(): Promise<{ url: string; process: ChildProcess }> {
  const script = createRequire(import.meta.url).resolve(
    '@portkey-ai/gateway/build/start-server.js',
  );
  // A port the system has just given out free, not a random one: a random port in the ephemeral
  // range was taken now and then by another process's connection (Portkey then exits at once and the
  // run stopped with "Portkey did not start").
  const port = await freePort();
  const child = spawn(process.execPath, [script, `--port=${port}`, '--headless'], {
    env: { PATH: process.env['PATH'] ?? '', NODE_ENV: 'production' },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 100; attempt++) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { url, process: child };
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error('Portkey did not start');
}

/**
 * How busy the subgraph was (cores: CPU seconds per second; one is all a Node process has), its
 * event-loop delay, and per call the stream events whose results it made, by graphql execution
 * or by projection (see src/server/delta-projection.ts), and shared between subscribers.
 */
function subgraphNote(
  clients: number,
  measured: Measured,
  before: ProcessStats,
  after: ProcessStats,
): string {
  const calls = Math.max(1, measured.result.latencies.length);
  const count = (name: string) => ((after.extra[name] ?? 0) - (before.extra[name] ?? 0)) / calls;
  const made = count('streamEventsExecuted');
  const projected = count('streamEventsProjected');
  return `  subgraph at ${clients}: ${(measured.cpuMs / measured.result.elapsedMs).toFixed(2)} cores busy, event-loop delay p99 ${ms(after.eventLoopDelay?.p99 ?? NaN)} ms (max ${ms(after.eventLoopDelay?.max ?? NaN)}); per call ${made.toFixed(1)} stream events' results made (${(made - projected).toFixed(1)} executed, ${projected.toFixed(1)} projected), ${count('streamEventsShared').toFixed(1)} shared`;
}

/**
 * Where a streamed call's time goes as its client sees it, p50/p99: the end of the call after its
 * last token (the finish, its storage, the subscription's completion) for each way, and the
 * subgraph's mutation and its final event's lead over the completion. Timestamps of one client
 * process: a starved machine stretches them, but a hop that one way makes and another does not
 * still shows.
 */
function phaseNote(clients: number, measured: Record<Way, Measured>): string {
  const of = (way: Way, figure: (timing: StreamTiming) => number | undefined) => {
    const samples = measured[way].timings.map(figure).filter((x): x is number => x !== undefined);
    const { p50, p99 } = summarize(samples);
    return `${ms(p50)}/${ms(p99)}`;
  };
  const afterLast = (timing: StreamTiming) =>
    timing.lastDeltaMs === undefined ? undefined : timing.totalMs - timing.lastDeltaMs;
  const ways = (['direct', 'portkey', 'subgraph'] as const)
    .map((way) => `${way} ${of(way, afterLast)}`)
    .join(', ');
  const accepted = of('subgraph', (timing) => timing.acceptedMs);
  const completed = of('subgraph', (timing) =>
    timing.finishedMs === undefined ? undefined : timing.totalMs - timing.finishedMs,
  );
  return `  phases at ${clients}, p50/p99 ms: end of the call after its last token: ${ways}; subgraph's mutation answered ${accepted}, its completion after the final event ${completed}`;
}

function profileFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'ai-subgraph-cpuprof-')), 'peer.cpuprofile');
}

/** `--keep-profile` keeps a profile file (for Chrome DevTools or speedscope); otherwise it goes. */
function keepOrRemove(file: string): void {
  if (hasFlag('keep-profile')) console.log(`  profile kept: ${file}`);
  else rmSync(join(file, '..'), { recursive: true, force: true });
}

/** The peak resident set of a process so far (VmHWM), bytes. */
function peakRss(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmHWM:\s+(\d+) kB/m);
  return line ? Number(line[1]) * 1024 : NaN;
}

await main();
