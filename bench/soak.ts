/**
 * Soak (issue #9): minutes of mixed load against the real subgraph, looking for what only time
 * shows: failed requests, memory that grows, sockets or subscriptions left open, event-loop stalls.
 *
 *   npx tsx bench/soak.ts                 10 minutes (the first minute is warm-up)
 *   npx tsx bench/soak.ts --minutes 2     shorter; `npm run bench` runs it for 2 unless given --minutes
 *
 * Open-loop load at fixed rates, all at once: `routeTicket` queries on a CLINC150 taxonomy (the
 * local model, builtin provider, no LLM), non-streamed status-update drafts against the OpenAI
 * double, and streamed drafts each watched to its end over graphql-ws (a pool of websockets kept
 * open throughout). The subgraph is measured at two quiet points with identical conditions (load
 * stopped, in-flight work finished, idle keep-alive sockets timed out, after a forced GC): right
 * after the warm-up and at the end. Figures are printed, never asserted.
 */
import type { Client } from 'graphql-ws';
import { clincTestTickets, trainClincTaxonomy } from './support/clinc-taxonomy.js';
import { DRAFT, MODEL_STATUS_UPDATE, statusUpdateInput } from './support/fixtures.js';
import {
  failSmokeRunOn,
  SMOKE,
  flag,
  GraphQLHttpClient,
  load,
  machine,
  mb,
  ms,
  sleep,
  startDouble,
  startServer,
  summarize,
  table,
  type ServerProcess,
} from './support/harness.js';
import type { ProcessStats } from './support/ipc.js';
import { connectedClient, subgraphStream, type Draft } from './support/streams.js';

const MINUTES = Number(
  flag('minutes') ?? (SMOKE ? 0.25 : process.env['npm_lifecycle_event'] === 'bench' ? 2 : 10),
);
const WARMUP_MS = Math.min(60_000, MINUTES * 6_000);
const RATES = {
  routing: Number(flag('routing-rate') ?? 20),
  generation: Number(flag('generation-rate') ?? 4),
  stream: Number(flag('stream-rate') ?? 2),
};
const WEBSOCKETS = 8;
const SAMPLE_MS = 30_000;
/** Longer than the harness agent's idle timeout (4 s) and the server's keep-alive timeout (5 s). */
const QUIET_MS = 6_000;

type Kind = keyof typeof RATES;

interface Tally {
  ok: number;
  failed: number;
  errors: Map<string, number>;
  latencies: number[];
}

/** Fires `once` `perSecond` times a second, whatever is still in flight, until stopped. */
function paced(
  perSecond: number,
  once: () => Promise<void>,
  tally: Tally,
): { stop: () => Promise<void> } {
  const inFlight = new Set<Promise<void>>();
  const timer = setInterval(() => {
    const started = performance.now();
    const run = once().then(
      () => {
        tally.ok++;
        tally.latencies.push(performance.now() - started);
      },
      (error: unknown) => {
        tally.failed++;
        const message = (error as Error).message.slice(0, 200);
        tally.errors.set(message, (tally.errors.get(message) ?? 0) + 1);
      },
    );
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
  }, 1000 / perSecond);
  return {
    stop: async () => {
      clearInterval(timer);
      await Promise.all(inFlight);
    },
  };
}

interface Snapshot {
  stats: ProcessStats;
  subscriptionsOpen: number;
  generationsRunning: number;
}

async function metric(server: ServerProcess, name: string): Promise<number> {
  const text = await (await fetch(server.url.replace(/\/graphql$/, '/metrics'))).text();
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : Number.NaN;
}

/** The subgraph at a quiet point: after a forced GC, with its open handles and subscriptions. */
async function quietSnapshot(server: ServerProcess): Promise<Snapshot> {
  await sleep(QUIET_MS);
  await server.call({ type: 'gc' });
  return {
    stats: await server.stats(),
    subscriptionsOpen: await metric(server, 'ai_subgraph_subscriptions_open'),
    generationsRunning: await metric(server, 'ai_subgraph_generations_running'),
  };
}

const resource = (stats: ProcessStats, kind: string) => stats.extra[`resource:${kind}`] ?? 0;

async function main(): Promise<void> {
  console.log(`# Soak: ${MINUTES} min of mixed load\n\n${machine()}`);
  console.log(
    `rates: routeTicket ${RATES.routing}/s, non-streamed drafts ${RATES.generation}/s, streamed drafts watched over graphql-ws ${RATES.stream}/s (${WEBSOCKETS} websockets); warm-up ${WARMUP_MS / 1000} s\n`,
  );
  const double = await startDouble({
    kind: 'text',
    text: MODEL_STATUS_UPDATE,
    chunks: 20,
    chunkDelayMs: 10,
    usage: { inputTokens: 400, outputTokens: 100 },
  });
  const server = await startServer({
    doubleUrl: double.url,
    maxConcurrent: 256,
    execArgv: ['--expose-gc'],
    features: { ROUTING: { chain: ['builtin:builtin'] } },
  });
  const http = new GraphQLHttpClient(server.url, server.authorization);
  const taxonomy = await trainClincTaxonomy(http, 'clinc150', SMOKE ? 10 : Infinity);
  const tickets = clincTestTickets();
  const sockets: Client[] = await Promise.all(
    Array.from({ length: WEBSOCKETS }, () => connectedClient(server.wsUrl, server.authorization)),
  );
  const idle = await quietSnapshot(server);

  const route =
    'query Route($ticket: TicketInput!, $taxonomyId: ID) { routeTicket(ticket: $ticket, taxonomyId: $taxonomyId) { category confidence decidedBy } }';
  let nextTicket = 0;
  let nextSocket = 0;
  const work: Record<Kind, () => Promise<void>> = {
    routing: async () => {
      const result = await http.post<{ routeTicket: { decidedBy: string } }>(route, {
        // A ticket id of its own per request: a repeated one would read its stored decision.
        ticket: { ...tickets[nextTicket % tickets.length]!, id: `soak-${nextTicket++}` },
        taxonomyId: taxonomy.taxonomyId,
      });
      if (result.errors || !result.data?.routeTicket)
        throw new Error(`routeTicket: ${result.errors?.[0]?.message ?? 'no data'}`);
    },
    generation: async () => {
      const result = await http.post<Draft>(DRAFT, { input: statusUpdateInput() });
      const generation = result.data?.draftStatusUpdate?.generation;
      // A draft that failed is a FAILED generation, not a GraphQL error.
      if (generation?.status !== 'SUCCEEDED')
        throw new Error(`draft: ${result.errors?.[0]?.message ?? generation?.status ?? 'no data'}`);
    },
    stream: async () => {
      await subgraphStream(http, sockets[nextSocket++ % sockets.length]!);
    },
  };
  const tally = (): Tally => ({ ok: 0, failed: 0, errors: new Map(), latencies: [] });
  const tallies = (): Record<Kind, Tally> => ({
    routing: tally(),
    generation: tally(),
    stream: tally(),
  });
  const run = async (
    counts: Record<Kind, Tally>,
    durationMs: number,
    onSample?: (elapsedMs: number) => Promise<void>,
  ) => {
    const loops = (Object.keys(RATES) as Kind[]).map((kind) =>
      paced(RATES[kind], work[kind], counts[kind]),
    );
    const started = performance.now();
    while (performance.now() - started < durationMs) {
      await sleep(Math.min(SAMPLE_MS, durationMs - (performance.now() - started)));
      await onSample?.(performance.now() - started);
    }
    await Promise.all(loops.map((loop) => loop.stop()));
  };

  const warmup = tallies();
  await run(warmup, WARMUP_MS);
  const start = await quietSnapshot(server);
  await server.stats(true); // event-loop delay and CPU from here on

  console.log(
    'Every 30 s (event-loop delay over the window; RSS and heap as sampled, not after GC):\n',
  );
  const samples: (string | number)[][] = [];
  const soak = tallies();
  const soakStarted = performance.now();
  const windowP99s: number[] = [];
  let cpuMs = 0;
  await run(soak, MINUTES * 60_000 - WARMUP_MS, async (elapsedMs) => {
    const stats = await server.stats(true);
    cpuMs += stats.cpuMs;
    windowP99s.push(stats.eventLoopDelay!.p99);
    const failed = Object.values(soak).reduce((sum, tally) => sum + tally.failed, 0);
    const ok = Object.values(soak).reduce((sum, tally) => sum + tally.ok, 0);
    const row = [
      `${(elapsedMs / 1000).toFixed(0)} s`,
      ok,
      failed,
      mb(stats.rss),
      mb(stats.heapUsed),
      ms(stats.eventLoopDelay!.p99),
      ms(stats.eventLoopDelay!.max),
      resource(stats, 'TCPSocketWrap'),
      stats.extra['runningGenerations'] ?? 0,
      `${((100 * stats.cpuMs) / stats.wallMs).toFixed(0)} %`,
      load().replace('load average ', ''),
    ];
    samples.push(row);
    console.error(row.join(' · '));
  });
  const soakSeconds = (performance.now() - soakStarted) / 1000;
  const end = await quietSnapshot(server);
  console.log(
    table(
      [
        'elapsed',
        'requests ok',
        'failed',
        'RSS MB',
        'heap MB',
        'event-loop delay p99 ms',
        'max ms',
        'TCP sockets',
        'generations running',
        'CPU (one core)',
        'load average',
      ],
      samples,
    ),
  );

  console.log(
    `\nRequests over the ${soakSeconds.toFixed(0)} s after warm-up (latency in ms, from sending to the answer; a stream to its final event):\n`,
  );
  console.log(
    table(
      ['kind', 'ok', 'failed', 'p50', 'p99', 'max'],
      (Object.keys(RATES) as Kind[]).map((kind) => {
        const summary = summarize(soak[kind].latencies);
        return [
          kind,
          soak[kind].ok,
          soak[kind].failed,
          ms(summary.p50),
          ms(summary.p99),
          ms(summary.max),
        ];
      }),
    ),
  );
  for (const [kind, tally] of Object.entries({
    ...Object.fromEntries(Object.entries(warmup).map(([k, t]) => [`${k} (warm-up)`, t])),
    ...soak,
  })) {
    for (const [message, count] of tally.errors) console.log(`- ${kind}: ${count} × ${message}`);
  }

  const failed = Object.values(soak).reduce((sum, tally) => sum + tally.failed, 0);
  const growth = (end.stats.rss - start.stats.rss) / start.stats.rss;
  const kinds = [...new Set([...Object.keys(start.stats.extra), ...Object.keys(end.stats.extra)])]
    .filter((key) => key.startsWith('resource:'))
    .sort();
  console.log(
    '\nThe subgraph at its quiet points (load stopped, in-flight work done, after GC):\n',
  );
  console.log(
    table(
      ['', 'before any load', 'after warm-up', 'at the end', 'verdict'],
      [
        [
          'RSS MB',
          mb(idle.stats.rss),
          mb(start.stats.rss),
          mb(end.stats.rss),
          `${(growth * 100).toFixed(1)} % since warm-up (${growth < 0.1 ? 'under' : 'NOT under'} 10 %)`,
        ],
        [
          'heap used MB',
          mb(idle.stats.heapUsed),
          mb(start.stats.heapUsed),
          mb(end.stats.heapUsed),
          '',
        ],
        [
          'subscriptions open (/metrics)',
          idle.subscriptionsOpen,
          start.subscriptionsOpen,
          end.subscriptionsOpen,
          end.subscriptionsOpen === start.subscriptionsOpen ? 'none left open' : 'LEFT OPEN',
        ],
        [
          'generations running (/metrics)',
          idle.generationsRunning,
          start.generationsRunning,
          end.generationsRunning,
          end.generationsRunning === 0 ? 'none' : 'STILL RUNNING',
        ],
        ...kinds.map((key) => [
          key.replace('resource:', 'handles: '),
          idle.stats.extra[key] ?? 0,
          start.stats.extra[key] ?? 0,
          end.stats.extra[key] ?? 0,
          (end.stats.extra[key] ?? 0) <= (start.stats.extra[key] ?? 0) ? '' : 'MORE',
        ]),
      ],
    ),
  );
  const worstP99 = Math.max(...windowP99s);
  failSmokeRunOn(failed, 'requests');
  console.log(
    `\nfailed requests after warm-up: ${failed} (${failed === 0 ? 'none' : 'SOME'}); event-loop delay p99 per 30-s window: median ${ms(summarize(windowP99s).p50)} ms, worst ${ms(worstP99)} ms; subgraph CPU ${(cpuMs / soakSeconds / 10).toFixed(0)} % of one core; ${load()}`,
  );

  await Promise.all(sockets.map((socket) => socket.dispose()));
  http.close();
  await server.stop();
  await double.stop();
}

await main();
