/**
 * CPU time of another process (user + system, milliseconds) from /proc/<pid>/stat, so a benchmark
 * can charge CPU to a child that does not speak the harness's IPC, the same way for every child.
 * Resolution is one clock tick (10 ms): read it over windows of seconds.
 */
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start at "state"; utime and stime are the 12th and 13th of them.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}
