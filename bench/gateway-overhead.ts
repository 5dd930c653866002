/**
 * Gateway overhead (issue #3): what the subgraph adds to one generation, compared with calling
 * the model server directly.
 *
 * The same generation two ways, against the same OpenAI double (its own process, answering in
 * a fixed time: 20 chunks' worth), in two scenarios:
 *   fast      chunks 2 ms apart (about 50 ms): at 200 clients the direct baseline alone saturates
 *             this machine, so the figures there measure saturation, not overhead;
 *   llm       chunks 50 ms apart (about 1 s to the last token, as a language model answers): 200
 *             clients ask for about 200 generations a second. The target level. Its clients start
 *             spread over one second, or they would arrive in step, 200 at once, every second.
 * Both ways:
 *   direct    the `openai` SDK in this process, a chat completion asked for whole (as our OpenAI
 *             provider asks for a draft that is not streamed), with the very request the subgraph sends;
 *   subgraph  `draftStatusUpdate` (not streamed) over HTTP to the real subgraph in a child process
 *             (built, NODE_ENV=production, LOG_LEVEL=silent; PostgreSQL, or PGlite): parse,
 *             validate, store RUNNING while the provider is called, parse and ground-check the
 *             draft, store the outcome, answer.
 * at 1, 50 and 200 concurrent clients (closed loop), each level bounded by a request count and a
 * time. Prints p50/p99 of each, the added latency (subgraph minus direct), the throughput ratio,
 * CPU per request of the subgraph and the double, and the subgraph's event-loop delay.
 *
 *   npx tsx bench/gateway-overhead.ts                 both scenarios, all levels (about 3 minutes)
 *   npx tsx bench/gateway-overhead.ts --seconds 5     shorter levels
 *   npx tsx bench/gateway-overhead.ts --scenario llm  one scenario (fast or llm)
 *   npx tsx bench/gateway-overhead.ts --clients 200   only some levels
 *   npx tsx bench/gateway-overhead.ts --profile       then profile the subgraph (V8 CPU profiler) at 200 clients, LLM-like double
 *   npx tsx bench/gateway-overhead.ts --store pglite  the embedded store instead of PostgreSQL (the default,
 *                                                     as a deployment serving 200 concurrent clients runs)
 *   npx tsx bench/gateway-overhead.ts --smoke             a few seconds, fast double only (CI)
 *   npx tsx bench/gateway-overhead.ts --clients 1 --profile --profile-clients 1
 *                                                     profile at another load
 *   npx tsx bench/gateway-overhead.ts --profile --allocations
 *                                                     also what the profiled window allocated, per request
 *   npx tsx bench/gateway-overhead.ts --rates 0,1,10,50,200
 *                                                     instead: the subgraph's CPU per second (its PostgreSQL
 *                                                     apart) idle and at each paced rate of calls per second
 *                                                     (open loop), and the fit CPU/s = idle + per call x rate:
 *                                                     what it spends whether called or not, and what a call costs
 *   npx tsx bench/gateway-overhead.ts --rates 0,1 --profile
 *                                                     and where the CPU went at each rate
 *   npx tsx bench/gateway-overhead.ts --rates 0,1 --node-flags="--trace-gc"
 *                                                     with V8/Node flags for the subgraph
 *   npx tsx bench/gateway-overhead.ts --rates 50 --server-env="AUDIT_WRITE_DELAY_MS=10"
 *                                                     with settings in the subgraph's environment
 *   npx tsx bench/gateway-overhead.ts --pair="AUDIT_WRITE_DELAY_MS=10|AUDIT_WRITE_DELAY_MS=100" --clients 50 --rounds 4
 *                                                     instead: two subgraphs side by side (A with the settings
 *                                                     before the bar, B with those after), each under its own
 *                                                     closed loop of `--clients` at the same time, for `--rounds`
 *                                                     windows: CPU per call of each (its PostgreSQL apart) and
 *                                                     B/A, PostgreSQL included, per window. Both meet
 *                                                     the same machine at the same moment, which runs one after
 *                                                     the other (minutes apart, load 3-12) do not: the ratio holds
 *                                                     where the absolute figures swing by 20 %
 *
 * Figures only, never assertions: the machine is shared and noisy.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { databaseBackends } from './support/proc-cpu.js';
import { rateCpu } from './support/rate-cpu.js';
import {
  formatHeapProfile,
  formatProfile,
  summarizeHeapProfile,
  summarizeProfile,
} from './support/cpu-profile.js';
import { DRAFT, MODEL_STATUS_UPDATE, statusUpdateInput } from './support/fixtures.js';
import {
  closedLoop,
  failSmokeRunOn,
  flag,
  GraphQLHttpClient,
  hasFlag,
  machine,
  ms,
  SMOKE,
  startDouble,
  startServer,
  summarize,
  table,
  type DoubleProcess,
  type LoadResult,
  type StoreKind,
} from './support/harness.js';

const LEVELS = (flag('clients') ?? (SMOKE ? '1,5' : '1,50,200')).split(',').map(Number);
const SECONDS = Number(flag('seconds') ?? (SMOKE ? 2 : 10));
const MAX_REQUESTS = Number(flag('requests') ?? (SMOKE ? 20 : 4000));
const TARGET_ADDED_P99_MS = 2;
const TARGET_CLIENTS = 200;
const PROFILE_CLIENTS = Number(flag('profile-clients') ?? TARGET_CLIENTS);
/** With --profile: also sample every allocation in the profiled window (the sampling heap profiler). */
const ALLOCATIONS = hasFlag('allocations');
const STORE = (flag('store') ?? 'postgres') as StoreKind;
if (STORE !== 'postgres' && STORE !== 'pglite') throw new Error('--store: postgres or pglite');
const behaviour = (chunkDelayMs: number) =>
  ({
    kind: 'text',
    text: MODEL_STATUS_UPDATE,
    chunks: 20,
    chunkDelayMs,
    usage: { inputTokens: 400, outputTokens: 100 },
  }) as const;

interface Scenario {
  name: 'fast' | 'llm';
  title: string;
  chunkDelayMs: number;
  /** Whether the target is judged on this scenario. */
  target: boolean;
  /** Clients start spread over this long (about one answer's time), so they do not arrive in step. */
  rampMs: number;
}

const ALL_SCENARIOS: readonly Scenario[] = [
  {
    name: 'fast',
    title:
      'fast double: 20 chunks 2 ms apart (about 50 ms); the direct baseline saturates the machine at 200 clients',
    chunkDelayMs: 2,
    target: false,
    rampMs: 0,
  },
  {
    name: 'llm',
    title:
      'LLM-like double: 20 chunks 50 ms apart (about 1 s to the last token); the target scenario',
    chunkDelayMs: 50,
    target: true,
    rampMs: 1000,
  },
];
const SCENARIOS = ALL_SCENARIOS.filter(
  (scenario) => (flag('scenario') ?? (SMOKE ? 'fast' : scenario.name)) === scenario.name,
);
const TARGET_SCENARIO = ALL_SCENARIOS.find((scenario) => scenario.target)!;

interface Draft {
  draftStatusUpdate: {
    generation: {
      id: string;
      status: string;
      text: string;
      error: { code: string; message: string } | null;
    } | null;
  };
}

function subgraphCall(client: GraphQLHttpClient) {
  const variables = { input: statusUpdateInput() };
  return async () => {
    const result = await client.post<Draft>(DRAFT, variables);
    const draft = result.data?.draftStatusUpdate.generation;
    if (!draft || draft.status !== 'SUCCEEDED')
      throw new Error(
        `subgraph: ${result.errors?.[0]?.message ?? draft?.error?.message ?? draft?.status}`,
      );
    if (draft.text.length !== MODEL_STATUS_UPDATE.length) throw new Error('subgraph: wrong text');
  };
}

function directCall(sdk: OpenAI, body: Record<string, unknown>) {
  const params = {
    ...(body as unknown as OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming),
    stream: false as const,
  };
  return async () => {
    const completion = await sdk.chat.completions.create(params);
    const choice = completion.choices[0];
    if (
      choice?.message.content?.length !== MODEL_STATUS_UPDATE.length ||
      choice.finish_reason !== 'stop'
    )
      throw new Error('direct: incomplete answer');
  };
}

interface Level {
  clients: number;
  direct: LoadResult;
  subgraph: LoadResult;
  serverCpuMsPerRequest: number;
  serverEventLoopP99: number;
  /** Statements the subgraph sent to PostgreSQL per request (NaN on the embedded store). */
  serverStatementsPerRequest: number;
  doubleCpuMsPerRequestDirect: number;
  doubleCpuMsPerRequestSubgraph: number;
  clientCpuMsPerRequestDirect: number;
  clientCpuMsPerRequestSubgraph: number;
}

async function measured(
  run: () => Promise<LoadResult>,
  double: DoubleProcess,
  server?: Awaited<ReturnType<typeof startServer>>,
) {
  await double.stats(true);
  if (server) await server.stats(true);
  const cpu = process.cpuUsage();
  const result = await run();
  const own = process.cpuUsage(cpu);
  const doubleStats = await double.stats();
  const serverStats = server ? await server.stats() : undefined;
  const n = Math.max(1, result.latencies.length);
  return {
    result,
    clientCpu: (own.user + own.system) / 1000 / n,
    doubleCpu: doubleStats.cpuMs / n,
    serverCpu: serverStats ? serverStats.cpuMs / n : NaN,
    serverDelayP99: serverStats?.eventLoopDelay?.p99 ?? NaN,
    // PostgreSQL store only (the statements the subgraph sent, BEGIN and COMMIT included).
    statements: serverStats ? (serverStats.extra['statements'] ?? 0) / n : NaN,
  };
}

async function main(): Promise<void> {
  const rates = flag('rates');
  if (rates !== undefined) {
    await rateCpu({
      rates: rates.split(',').map(Number),
      seconds: SECONDS,
      store: STORE,
      profile: hasFlag('profile'),
      behaviour: behaviour(TARGET_SCENARIO.chunkDelayMs),
      nodeFlags: (flag('node-flags') ?? '').split(' ').filter(Boolean),
      env: settings(flag('server-env') ?? ''),
    });
    return;
  }
  const pair = flag('pair');
  if (pair !== undefined) {
    await comparePair(pair);
    return;
  }
  console.log(`gateway overhead: ${machine()}`);
  console.log(
    `levels ${LEVELS.join(', ')} clients, each at most ${MAX_REQUESTS} requests or ${SECONDS} s; store ${STORE}`,
  );
  const double = await startDouble(behaviour(SCENARIOS[0]!.chunkDelayMs));
  for (const scenario of SCENARIOS) await runScenario(scenario, double);
  if (hasFlag('profile')) {
    await double.setBehaviour(behaviour(TARGET_SCENARIO.chunkDelayMs));
    await profile(double);
  }
  await double.stop();
}

/** `A=1 B=2` as an environment. */
function settings(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split(' ')
      .filter(Boolean)
      .map((setting) => [setting.split('=')[0]!, setting.slice(setting.indexOf('=') + 1)]),
  );
}

/**
 * `--pair`: subgraphs A and B (their settings apart) under the same closed-loop load at the same
 * time, on the target scenario's double; per window, each one's CPU and statements per call.
 */
async function comparePair(pair: string): Promise<void> {
  const [a = '', b = ''] = pair.split('|');
  const clients = LEVELS.at(-1)!;
  const rounds = Number(flag('rounds') ?? 4);
  console.log(`gateway overhead, side by side: ${machine()}`);
  console.log(
    `A: ${a || '(defaults)'}; B: ${b || '(defaults)'}; ${clients} clients each, ${rounds} windows of ${SECONDS} s; store ${STORE}\n`,
  );
  const double = await startDouble(behaviour(TARGET_SCENARIO.chunkDelayMs));
  const servers = await Promise.all(
    [a, b].map((env) =>
      startServer({ doubleUrl: double.url, maxConcurrent: 1000, store: STORE, env: settings(env) }),
    ),
  );
  const clientsOf = servers.map(
    (server) => new GraphQLHttpClient(server.url, server.authorization),
  );
  // Each subgraph's own PostgreSQL backends: their CPU counts with the subgraph's.
  const databases = await Promise.all(
    servers.map((server) => (server.databaseUrl ? databaseBackends(server.databaseUrl) : null)),
  );
  const rows: string[][] = [];
  try {
    const load = {
      concurrency: clients,
      maxRequests: 100_000,
      maxMs: SECONDS * 1000,
      rampMs: TARGET_SCENARIO.rampMs,
    };
    await Promise.all(
      clientsOf.map((client) =>
        closedLoop({ concurrency: 20, maxRequests: 1000, maxMs: 3000 }, subgraphCall(client)),
      ),
    );
    for (let round = 1; round <= rounds; round++) {
      await Promise.all(servers.map((server) => server.stats(true)));
      const database0 = await Promise.all(databases.map((database) => database?.snapshot()));
      const results = await Promise.all(
        clientsOf.map((client) => closedLoop(load, subgraphCall(client))),
      );
      const stats = await Promise.all(servers.map((server) => server.stats()));
      const database1 = await Promise.all(databases.map((database) => database?.snapshot()));
      const per = stats.map((stat, index) => {
        const calls = Math.max(1, results[index]!.latencies.length);
        // A backend that started during the window is charged all it spent.
        let databaseMs = 0;
        for (const [backend, spent] of database1[index] ?? [])
          databaseMs += spent - (database0[index]?.get(backend) ?? 0);
        return {
          calls,
          errors: results[index]!.errors,
          cpu: stat.cpuMs / calls,
          database: databaseMs / calls,
          statements: (stat.extra['statements'] ?? 0) / calls,
        };
      });
      const [x, y] = per as [(typeof per)[0], (typeof per)[0]];
      rows.push([
        String(round),
        `${x.calls} / ${y.calls}`,
        `${x.errors} / ${y.errors}`,
        `${ms(x.cpu, 2)} / ${ms(y.cpu, 2)}`,
        `${ms(x.database, 2)} / ${ms(y.database, 2)}`,
        ((y.cpu + y.database) / (x.cpu + x.database)).toFixed(3),
        STORE === 'postgres' ? `${x.statements.toFixed(2)} / ${y.statements.toFixed(2)}` : 'n/a',
        machine().replace(/.*load average /, ''),
      ]);
      console.log(
        `  window ${round}: CPU ms per call A ${ms(x.cpu, 2)} (+${ms(x.database, 2)} db), B ${ms(y.cpu, 2)} (+${ms(y.database, 2)} db)`,
      );
    }
  } finally {
    for (const client of clientsOf) client.close();
    await Promise.all(databases.map((database) => database?.close()));
    await Promise.all(servers.map((server) => server.stop()));
    await double.stop();
  }
  console.log(
    `\n${table(['window', 'calls A / B', 'errors A / B', 'CPU ms per call A / B', 'its PostgreSQL A / B', 'B / A, PostgreSQL included', 'statements per call A / B', 'load'], rows)}`,
  );
  const ratios = rows.map((row) => Number(row[5])).sort((p, q) => p - q);
  console.log(
    `\nB / A, median of ${ratios.length} windows: ${ratios[Math.floor(ratios.length / 2)]!.toFixed(3)}`,
  );
}

async function runScenario(scenario: Scenario, double: DoubleProcess): Promise<void> {
  console.log(`\n## ${scenario.title} (${machine()})\n`);
  await double.setBehaviour(behaviour(scenario.chunkDelayMs));
  const server = await startServer({ doubleUrl: double.url, maxConcurrent: 1000, store: STORE });
  const graphql = new GraphQLHttpClient(server.url, server.authorization);
  const sdk = new OpenAI({ baseURL: double.url, apiKey: 'x', maxRetries: 0 });
  const levels: Level[] = [];
  try {
    // Warm both paths up (JIT, connections, PGlite caches) and learn the exact request the subgraph sends.
    await closedLoop({ concurrency: 20, maxRequests: 1000, maxMs: 3000 }, subgraphCall(graphql));
    const body = await double.lastRequestBody();
    if (!body) throw new Error('the double saw no request from the subgraph');
    await closedLoop({ concurrency: 20, maxRequests: 1000, maxMs: 2000 }, directCall(sdk, body));

    for (const clients of LEVELS) {
      const load = {
        concurrency: clients,
        maxRequests: MAX_REQUESTS,
        maxMs: SECONDS * 1000,
        rampMs: scenario.rampMs,
      };
      const direct = await measured(() => closedLoop(load, directCall(sdk, body)), double);
      const subgraph = await measured(
        () => closedLoop(load, subgraphCall(graphql)),
        double,
        server,
      );
      levels.push({
        clients,
        direct: direct.result,
        subgraph: subgraph.result,
        serverCpuMsPerRequest: subgraph.serverCpu,
        serverEventLoopP99: subgraph.serverDelayP99,
        serverStatementsPerRequest: STORE === 'postgres' ? subgraph.statements : NaN,
        doubleCpuMsPerRequestDirect: direct.doubleCpu,
        doubleCpuMsPerRequestSubgraph: subgraph.doubleCpu,
        clientCpuMsPerRequestDirect: direct.clientCpu,
        clientCpuMsPerRequestSubgraph: subgraph.clientCpu,
      });
      const d = summarize(direct.result.latencies);
      const s = summarize(subgraph.result.latencies);
      console.log(
        `  ${clients} clients: direct p50 ${ms(d.p50)} p99 ${ms(d.p99)} ms (${d.count}); subgraph p50 ${ms(s.p50)} p99 ${ms(s.p99)} ms (${s.count}); subgraph CPU ${ms(subgraph.serverCpu, 2)} ms per request; ${machine()}`,
      );
    }
  } finally {
    graphql.close();
    await server.stop();
  }
  failSmokeRunOn(
    levels.reduce((sum, level) => sum + level.direct.errors + level.subgraph.errors, 0),
    'requests',
  );
  report(scenario, levels);
}

function report(scenario: Scenario, levels: Level[]): void {
  console.log(`\n${scenario.name}: latency (ms) and throughput, closed loop:\n`);
  const rows = levels.map((level) => {
    const d = summarize(level.direct.latencies);
    const s = summarize(level.subgraph.latencies);
    const dRate = level.direct.latencies.length / (level.direct.elapsedMs / 1000);
    const sRate = level.subgraph.latencies.length / (level.subgraph.elapsedMs / 1000);
    return [
      level.clients,
      `${d.count} / ${level.direct.errors}`,
      ms(d.p50),
      ms(d.p99),
      `${s.count} / ${level.subgraph.errors}`,
      ms(s.p50),
      ms(s.p99),
      ms(s.p50 - d.p50),
      ms(s.p99 - d.p99),
      dRate.toFixed(0),
      sRate.toFixed(0),
      (sRate / dRate).toFixed(2),
    ];
  });
  console.log(
    table(
      [
        'clients',
        'direct ok / err',
        'direct p50',
        'direct p99',
        'subgraph ok / err',
        'subgraph p50',
        'subgraph p99',
        'added p50',
        'added p99',
        'direct req/s',
        'subgraph req/s',
        'throughput ratio',
      ],
      rows,
    ),
  );
  console.log(
    `\n${scenario.name}: where the CPU goes (ms of CPU per request) and the subgraph's event-loop delay:\n`,
  );
  console.log(
    table(
      [
        'clients',
        'subgraph process',
        'double (direct run)',
        'double (subgraph run)',
        'load generator (direct)',
        'load generator (subgraph)',
        'subgraph event-loop delay p99 (ms)',
        'subgraph statements per request',
      ],
      levels.map((level) => [
        level.clients,
        ms(level.serverCpuMsPerRequest, 2),
        ms(level.doubleCpuMsPerRequestDirect, 2),
        ms(level.doubleCpuMsPerRequestSubgraph, 2),
        ms(level.clientCpuMsPerRequestDirect, 2),
        ms(level.clientCpuMsPerRequestSubgraph, 2),
        ms(level.serverEventLoopP99),
        ms(level.serverStatementsPerRequest, 2),
      ]),
    ),
  );
  for (const level of levels) {
    if (level.direct.firstError)
      console.log(`  ${level.clients} clients, first direct error: ${level.direct.firstError}`);
    if (level.subgraph.firstError)
      console.log(`  ${level.clients} clients, first subgraph error: ${level.subgraph.firstError}`);
  }

  const atTarget = levels.find((level) => level.clients === TARGET_CLIENTS);
  if (atTarget && scenario.target) {
    const added =
      summarize(atTarget.subgraph.latencies).p99 - summarize(atTarget.direct.latencies).p99;
    console.log(
      `\nTarget (${scenario.name} scenario): added p99 under ${TARGET_ADDED_P99_MS} ms at ${TARGET_CLIENTS} clients. Measured: ${ms(added)} ms: ${added < TARGET_ADDED_P99_MS ? 'met' : 'NOT met'}.`,
    );
  }
}

/**
 * The subgraph alone at `--profile-clients` (default: the target load, on the target scenario's double) with the V8 CPU profiler on (the profiler of --cpu-prof,
 * started and stopped over the inspector so that start-up is not in the profile): where its time goes.
 */
async function profile(double: DoubleProcess): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ai-subgraph-cpuprof-'));
  const file = join(dir, 'subgraph.cpuprofile');
  const heapFile = join(dir, 'subgraph.heapprofile');
  const server = await startServer({ doubleUrl: double.url, maxConcurrent: 1000, store: STORE });
  const graphql = new GraphQLHttpClient(server.url, server.authorization);
  let result: LoadResult;
  try {
    await closedLoop({ concurrency: 20, maxRequests: 1000, maxMs: 3000 }, subgraphCall(graphql));
    await server.call({ type: 'profile-start' });
    if (ALLOCATIONS) await server.call({ type: 'heap-start', allocated: true });
    result = await closedLoop(
      {
        concurrency: PROFILE_CLIENTS,
        maxRequests: 100_000,
        maxMs: SECONDS * 1000,
        rampMs: TARGET_SCENARIO.rampMs,
      },
      subgraphCall(graphql),
    );
    await server.call({ type: 'profile-stop', path: file });
    if (ALLOCATIONS) await server.call({ type: 'heap-stop', path: heapFile });
  } finally {
    graphql.close();
    await server.stop();
  }
  const s = summarize(result.latencies);
  console.log(
    `\nProfile of the subgraph process at ${PROFILE_CLIENTS} clients: ${s.count} requests (${result.errors} errors) in ${ms(result.elapsedMs / 1000)} s, p50 ${ms(s.p50)} ms, p99 ${ms(s.p99)} ms`,
  );
  console.log(formatProfile(summarizeProfile(file, 20), s.count));
  if (ALLOCATIONS) {
    // Every sampled allocation of the window, collected or not: what the garbage collector worked through.
    console.log('\nAllocations in the same window (collected ones included):\n');
    console.log(formatHeapProfile(summarizeHeapProfile(heapFile, 20), s.count, 'request'));
  }
  if (hasFlag('keep-profile'))
    console.log(`\nprofile kept: ${file} (open it in Chrome DevTools or speedscope)`);
  else rmSync(dir, { recursive: true, force: true });
}

await main();
