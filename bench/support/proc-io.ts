/**
 * How many write system calls (write, writev, send...) another process has made, from
 * /proc/<pid>/io (`syscw`): a count that, unlike CPU time, a busy machine does not blur, so a
 * benchmark can tell whether a change wrote less often.
 */
import { readFileSync } from 'node:fs';

export function writeCallsOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/io`, 'utf8').match(/^syscw:\s+(\d+)/m);
  return line ? Number(line[1]) : NaN;
}
