/**
 * Open file descriptors, which cap how many streams one process can hold (every socket is one):
 * how many a process holds, and the most this one (and the children it forks) may open. Linux
 * only (/proc); elsewhere undefined, and the benchmarks say nothing about descriptors.
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
