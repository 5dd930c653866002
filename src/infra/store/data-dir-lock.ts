/**
 * One process at a time owns an embedded DATA_DIR. PGlite is PostgreSQL in one process with no
 * shared memory: a second process that opens the same directory (a CLI beside the server, a
 * second server) gets its own copy of the database in memory, writes that the first never sees,
 * and one of them overwrites the other's files on close. So whoever opens the directory first
 * takes a lock file in it holding its pid; the next one stops at once, naming the holder. A lock
 * whose process is gone (a crash, SIGKILL) is stale and taken over.
 */
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const LOCK_FILE = 'ai-subgraph.lock';

/** What the lock file says about its holder. */
export interface LockHolder {
  pid: number;
  /** The holder's command line, for the operator reading the refusal. */
  command: string;
  /** The GraphQL URL the holder serves, once it listens (servers only). */
  url?: string;
}

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    super(
      `DATA_DIR ${dataDir} is in use by process ${holder.pid} (${holder.command}${holder.url ? `, serving ${holder.url}` : ''}): stop it first, or set another DATA_DIR`,
    );
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  release(): void;
}

/** The locks this process holds, by resolved directory. */
const held = new Map<string, LockHolder>();

/** The live process holding `dataDir`, or null when it is free (or its lock is stale). */
export function dataDirHolder(dataDir: string): LockHolder | null {
  const holder = readLock(join(dataDir, LOCK_FILE));
  return holder && isAlive(holder.pid) ? holder : null;
}

/** Takes `dataDir` for this process, or throws DataDirLockedError naming the process that has it. */
export function lockDataDir(dataDir: string): DataDirLock {
  const path = join(dataDir, LOCK_FILE);
  const mine: LockHolder = { pid: process.pid, command: commandLine() };
  // Written whole under a private name, then linked into place: link fails if the lock exists,
  // and a reader never sees a half-written lock.
  const draft = `${path}.${process.pid}`;
  writeFileSync(draft, JSON.stringify(mine));
  try {
    // Two attempts: the second after removing a stale lock.
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(draft, path);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = readLock(path);
        if (holder && isAlive(holder.pid)) throw new DataDirLockedError(resolve(dataDir), holder);
        if (attempt > 0) throw error;
        rmSync(path, { force: true });
      }
    }
  } finally {
    rmSync(draft, { force: true });
  }
  held.set(resolve(dataDir), mine);
  // A process that exits without closing its store (process.exit on a fatal error) frees it too.
  const releaseOnExit = () => release();
  process.once('exit', releaseOnExit);
  function release() {
    process.off('exit', releaseOnExit);
    held.delete(resolve(dataDir));
    if (readLock(path)?.pid === process.pid) rmSync(path, { force: true });
  }
  return { release };
}

/**
 * Adds the URL this process serves to the lock it holds on `dataDir`, so that a CLI finding the
 * directory taken can talk to the server instead. Replaced by rename: readers see old or new.
 */
export function recordServerUrl(dataDir: string, url: string): void {
  const mine = held.get(resolve(dataDir));
  if (!mine) return;
  const path = join(dataDir, LOCK_FILE);
  writeFileSync(`${path}.${process.pid}`, JSON.stringify({ ...mine, url }));
  renameSync(`${path}.${process.pid}`, path);
}

function readLock(path: string): LockHolder | null {
  try {
    const holder = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    return typeof holder.pid === 'number'
      ? { pid: holder.pid, command: String(holder.command ?? 'unknown'), url: holder.url }
      : null;
  } catch {
    // Missing, or half-written by a process that died while writing it: nobody holds it.
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function commandLine(): string {
  return process.argv
    .slice(1)
    .map((arg) => arg.replace(/^.*\/node_modules\//, ''))
    .join(' ')
    .slice(0, 200);
}
