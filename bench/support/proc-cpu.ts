/**
 * CPU time of another process (user + system, milliseconds) from /proc/<pid>/stat, so a benchmark
 * can charge CPU to a child that does not speak the harness's IPC, the same way for every child.
 * Resolution is one clock tick (10 ms): read it over windows of seconds.
 */
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';

const TICKS_PER_SECOND = 100;

export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start at "state"; utime and stime are the 12th and 13th of them.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/**
 * CPU of the PostgreSQL backends serving the subgraph's database, by backend: a pool may open
 * connections during a level, so a level is charged what each backend spent since the snapshot
 * before it (all of it for a backend that started during the level).
 */
export async function databaseBackends(databaseUrl: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  return {
    snapshot: async (): Promise<Map<number, number>> => {
      const { rows } = await client.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      );
      return new Map(rows.map(({ pid }) => [pid, safeCpuMsOf(pid)]));
    },
    close: () => client.end(),
  };
}

function safeCpuMsOf(pid: number): number {
  try {
    return cpuMsOf(pid);
  } catch {
    return 0; // the backend ended
  }
}

/**
 * CPU time of each thread of another process, summed by thread name (`main` for the main thread;
 * V8's garbage-collection and compiler helpers and libuv's pool are all `node`): a V8 CPU profile
 * samples the main thread only.
 */
export function threadCpuMsOf(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended
    }
    // Node's own threads are all called `node` (V8's helpers and libuv's pool alike): the main thread is the one whose id is the process's.
    const name =
      tid === String(pid) ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
    byName.set(name, (byName.get(name) ?? 0) + ms);
  }
  return byName;
}
