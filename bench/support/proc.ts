/**
 * What /proc tells of a process that the process itself does not: the open file descriptors, which
 * cap how many streams one process can hold (every socket is one), and the most it may open; and
 * the highest RSS it ever had, which a sampler can miss. Linux only; elsewhere undefined, and the
 * benchmarks leave those figures out.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** The descriptors process `pid` holds now. */
export function openFiles(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}

/** The soft limit on open files of this process, which forked children inherit. */
export function openFilesLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((row) => row.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

/** The highest RSS process `pid` has had since it started (VmHWM), in bytes. */
export function highWaterRss(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch {
    return undefined;
  }
}
