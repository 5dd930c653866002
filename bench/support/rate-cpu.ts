/**
 * What the subgraph spends whether called or not, and what one call costs (issue #19): its CPU per
 * second idle (after start-up and a warm-up) and at paced rates of whole drafts (open loop,
 * paced-load.ts), with the least-squares line CPU/s = idle + per call x rate through them.
 *
 * Closed-loop levels cannot tell the two apart: at 50 clients the CPU per call of a fixed cost per
 * second is four times what it is at 200. A fixed part that is not there at rate 0 is work that
 * batching shares at high rates (group commit, corked writes) and a lone call pays in full; the
 * figures per call at each rate show which.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { OpenAiBehaviour } from '../../test/support/openai-double.js';
import { formatProfile, summarizeProfile } from './cpu-profile.js';
import { DRAFT, statusUpdateInput } from './fixtures.js';
import {
  closedLoop,
  GraphQLHttpClient,
  machine,
  ms,
  sleep,
  startDouble,
  startServer,
  table,
  type StoreKind,
} from './harness.js';
import { pacedLoad } from './paced-load.js';
import { cpuMsOf, databaseBackends, threadCpuMsOf } from './proc-cpu.js';
import { writeCallsOf } from './proc-io.js';

export interface RateCpuOptions {
  /** Calls per second; 0 is idle. */
  rates: number[];
  seconds: number;
  store: StoreKind;
  /** Also where the CPU went at each rate (V8 profiler). */
  profile: boolean;
  behaviour: OpenAiBehaviour;
  /** Extra flags for the subgraph's `node` (`--trace-gc`, a V8 setting to weigh). */
  nodeFlags: string[];
  /** Settings for the subgraph's environment (`AUDIT_WRITE_DELAY_MS=100`), to weigh one. */
  env?: Record<string, string>;
}

interface RateFigures {
  rate: number;
  calls: number;
  failed: number;
  cpuPerSecond: number;
  databasePerSecond: number;
  writes: number;
  statements: number;
  /** CPU ms per second of each kind of thread (the main thread is `node`). */
  threads: Map<string, number>;
  load: string;
}

export async function rateCpu(options: RateCpuOptions): Promise<void> {
  const settings = Object.entries(options.env ?? {}).map(([name, value]) => `${name}=${value}`);
  console.log(
    `CPU per second by rate of whole drafts: ${machine()}; store ${options.store}${settings.length ? `; ${settings.join(' ')}` : ''}`,
  );
  const double = await startDouble(options.behaviour);
  const server = await startServer({
    doubleUrl: double.url,
    maxConcurrent: 1000,
    store: options.store,
    execArgv: options.nodeFlags,
    ...(options.env ? { env: options.env } : {}),
  });
  const graphql = new GraphQLHttpClient(server.url, server.authorization);
  const database = server.databaseUrl ? await databaseBackends(server.databaseUrl) : undefined;
  const pid = server.process.pid!;
  console.log(`  subgraph pid ${pid}`);
  const profileDir = mkdtempSync(join(tmpdir(), 'ai-subgraph-ratecpu-'));
  const measured: RateFigures[] = [];
  const profiles: string[] = [];
  try {
    await closedLoop({ concurrency: 20, maxRequests: 1000, maxMs: 3000 }, async () => {
      const result = await graphql.post<unknown>(DRAFT, { input: statusUpdateInput() });
      if (result.errors) throw new Error(result.errors[0]!.message);
    });
    // The warm-up's last calls and their upkeep settle before the first window.
    await sleep(2000);
    for (const rate of options.rates) {
      const file = join(profileDir, `rate-${rate}.cpuprofile`);
      if (options.profile) await server.call({ type: 'profile-start' });
      await server.stats(true);
      const cpu0 = cpuMsOf(pid);
      const threads0 = threadCpuMsOf(pid);
      const writes0 = writeCallsOf(pid);
      const db0 = (await database?.snapshot()) ?? new Map<number, number>();
      const started = performance.now();
      let calls = 0;
      let failed = 0;
      if (rate === 0) await sleep(options.seconds * 1000);
      else {
        const result = await pacedLoad({
          url: server.url,
          rate,
          seconds: options.seconds,
          authorization: server.authorization,
          body: () => JSON.stringify({ query: DRAFT, variables: { input: statusUpdateInput() } }),
          failed: (body) => !body.includes('"SUCCEEDED"'),
          onFailure: (answer) => {
            if (failed === 0) console.log(`  first failure at ${rate}/s: ${answer}`);
          },
        });
        calls = result.latencies.length;
        failed = result.failed;
      }
      const seconds = (performance.now() - started) / 1000;
      const cpuMs = cpuMsOf(pid) - cpu0;
      const threads = new Map<string, number>();
      for (const [name, spent] of threadCpuMsOf(pid))
        threads.set(name, (spent - (threads0.get(name) ?? 0)) / seconds);
      const writes = writeCallsOf(pid) - writes0;
      let databaseMs = 0;
      for (const [backend, spent] of (await database?.snapshot()) ?? [])
        databaseMs += spent - (db0.get(backend) ?? 0);
      const stats = await server.stats();
      if (options.profile) {
        await server.call({ type: 'profile-stop', path: file });
        profiles.push(
          `\nProfile at ${rate} calls/s:\n${formatProfile(summarizeProfile(file, 15), Math.round(seconds), 'second')}`,
        );
      }
      const figures: RateFigures = {
        rate: calls / seconds,
        calls,
        failed,
        cpuPerSecond: cpuMs / seconds,
        databasePerSecond: databaseMs / seconds,
        writes,
        statements: stats.extra['statements'] ?? 0,
        threads,
        load: machine(),
      };
      measured.push(figures);
      console.log(
        `  ${rate}/s: ${calls} calls (${failed} failed) in ${seconds.toFixed(1)} s, CPU ${ms(figures.cpuPerSecond)} ms/s (+${ms(figures.databasePerSecond)} db); ${figures.load}`,
      );
    }
  } finally {
    graphql.close();
    await database?.close();
    await server.stop();
    await double.stop();
    rmSync(profileDir, { recursive: true, force: true });
  }
  report(measured);
  for (const profile of profiles) console.log(profile);
}

function report(measured: RateFigures[]): void {
  const perCall = (total: number, calls: number) => (calls > 0 ? (total / calls).toFixed(2) : '');
  console.log(
    `\n${table(
      [
        'calls/s',
        'CPU ms/s',
        'db ms/s',
        'CPU ms/call',
        'db ms/call',
        'writes/call',
        'statements/call',
        'writes/s',
      ],
      measured.map((m) => {
        const seconds = m.calls > 0 ? m.calls / m.rate : 1;
        return [
          m.rate.toFixed(1),
          ms(m.cpuPerSecond),
          ms(m.databasePerSecond),
          perCall(m.cpuPerSecond * seconds, m.calls),
          perCall(m.databasePerSecond * seconds, m.calls),
          perCall(m.writes, m.calls),
          perCall(m.statements, m.calls),
          (m.writes / seconds).toFixed(1),
        ];
      }),
    )}`,
  );
  const names = [...new Set(measured.flatMap((m) => [...m.threads.keys()]))].sort();
  console.log(
    `\nCPU ms per second by thread:\n\n${table(
      ['calls/s', ...names],
      measured.map((m) => [m.rate.toFixed(1), ...names.map((n) => ms(m.threads.get(n) ?? 0))]),
    )}`,
  );
  const fit = (y: (m: RateFigures) => number) => leastSquares(measured.map((m) => [m.rate, y(m)]));
  const cpu = fit((m) => m.cpuPerSecond);
  const db = fit((m) => m.databasePerSecond);
  console.log(
    `\nfit CPU/s = ${ms(cpu.intercept)} + ${ms(cpu.slope, 2)} x rate (subgraph), ${ms(db.intercept)} + ${ms(db.slope, 2)} x rate (its PostgreSQL)`,
  );
}

/** The line y = intercept + slope x closest to the points (least squares). */
function leastSquares(points: [number, number][]): { intercept: number; slope: number } {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const slope = sxx > 0 ? sxy / sxx : 0;
  return { intercept: my - slope * mx, slope };
}
