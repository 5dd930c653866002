/**
 * Child-process entry: the real subgraph (createApp, as main.ts starts it) on an ephemeral loopback
 * port, plus what a benchmark needs to look inside it over IPC: RSS and heap, CPU time, and
 * event-loop delay (perf_hooks.monitorEventLoopDelay).
 *
 * Started by `startServer()` in harness.ts under plain `node`, as JavaScript (compiled.ts), with
 * the service loaded from the compiled build (`BENCH_DIST`, dist/) as production runs it;
 * otherwise configured entirely by its environment.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import type * as ConfigModule from '../../src/config.js';
import type * as LoggerModule from '../../src/infra/observability/logger.js';
import type * as AppModule from '../../src/app/app.js';
import { ProcessUsage, type ChildRequest, type ProcessStats } from './ipc.js';

if (!process.send) throw new Error('server-process.ts runs as a forked child (see harness.ts)');
const send = (message: unknown) => process.send!(message);

const dist = process.env['BENCH_DIST'];
if (!dist) throw new Error('BENCH_DIST (the file:// URL of dist/) is not set');
const { loadConfig } = (await import(`${dist}/config.js`)) as typeof ConfigModule;
const { createLogger } = (await import(
  `${dist}/infra/observability/logger.js`
)) as typeof LoggerModule;
const { createApp } = (await import(`${dist}/app/app.js`)) as typeof AppModule;

// Every statement sent to PostgreSQL is counted (`statements` in the stats), so a benchmark can
// report statements per request: a count, which the load on a shared machine does not move. The
// patch is on the `pg` the build itself loads (resolved from dist/), before the store opens.
let statements = 0;
const pg = createRequire(`${dist}/main.js`)('pg') as {
  Client: { prototype: { query: (...args: unknown[]) => unknown } };
};
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: unknown, ...args: unknown[]) {
  statements++;
  return query.apply(this, args);
};

const config = loadConfig(process.env);
const app = await createApp(config, createLogger({ level: config.logLevel, pretty: false }));
const { url } = await app.listen(0, '127.0.0.1');

const delay = monitorEventLoopDelay({ resolution: 5 });
delay.enable();
const usage = new ProcessUsage();

/** `process.getActiveResourcesInfo()` counted by kind, as `resource:TCPSocketWrap` and so on. */
function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo())
    counts[`resource:${kind}`] = (counts[`resource:${kind}`] ?? 0) + 1;
  return counts;
}

function stats(reset: boolean): ProcessStats {
  const result: ProcessStats = {
    ...usage.read(reset),
    eventLoopDelay: {
      p50: delay.percentile(50) / 1e6,
      p99: delay.percentile(99) / 1e6,
      max: delay.max / 1e6,
      mean: delay.mean / 1e6,
    },
    // The statements sent to the store and the stream events' results made (executed or projected)
    // and shared so far (cumulative); plus every kind of handle keeping the loop alive
    // (`TCPSocketWrap`, `Timeout`, ...), to spot leaks.
    extra: {
      runningGenerations: app.services.runner.activeCount,
      statements,
      streamEventsExecuted: app.streamEvents.executed,
      streamEventsProjected: app.streamEvents.projected,
      streamEventsShared: app.streamEvents.shared,
      ...activeResources(),
    },
  };
  if (reset) {
    delay.reset();
    statements = 0;
  }
  return result;
}

let profiler: Session | undefined;
let heapProfiler: Session | undefined;

process.on('message', (message: ChildRequest) => {
  void (async () => {
    switch (message.type) {
      case 'stats':
        send({ type: 'reply', id: message.id, value: stats(message.reset ?? false) });
        return;
      case 'gc':
        (globalThis as { gc?: () => void }).gc?.();
        send({ type: 'reply', id: message.id, value: null });
        return;
      case 'profile-start':
        profiler ??= new Session();
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.start');
        send({ type: 'reply', id: message.id, value: null });
        return;
      case 'profile-stop': {
        if (!profiler) throw new Error('profile-stop before profile-start');
        const { profile } = await profiler.post('Profiler.stop');
        profiler.disconnect();
        writeFileSync(message.path, JSON.stringify(profile));
        send({ type: 'reply', id: message.id, value: message.path });
        return;
      }
      case 'heap-start':
        heapProfiler ??= new Session();
        heapProfiler.connect();
        await heapProfiler.post('HeapProfiler.enable');
        await heapProfiler.post('HeapProfiler.startSampling', {
          samplingInterval: 16_384,
          ...(message.allocated
            ? { includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }
            : {}),
        });
        send({ type: 'reply', id: message.id, value: null });
        return;
      case 'heap-stop': {
        if (!heapProfiler) throw new Error('heap-stop before heap-start');
        const { profile } = await heapProfiler.post('HeapProfiler.stopSampling');
        heapProfiler.disconnect();
        writeFileSync(message.path, JSON.stringify(profile));
        send({ type: 'reply', id: message.id, value: message.path });
        return;
      }
      case 'heap-snapshot':
        send({ type: 'reply', id: message.id, value: writeHeapSnapshot(message.path) });
        return;
      case 'stop':
        await app.stop();
        send({ type: 'reply', id: message.id, value: null });
        // Exit normally, so that --cpu-prof writes its profile.
        process.exit(0);
    }
  })();
});
process.on('disconnect', () => process.exit(0));

send({ type: 'ready', url });
