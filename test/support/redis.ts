/**
 * A real `redis-server` for tests: a child process on a free loopback port, its files in a temp
 * directory. It can be stopped, killed and started again on the same port and directory, for
 * fault tests. With `persistence` (the default) it keeps an append-only file fsynced on every
 * write, as production should run it, so its data survives a restart or a crash.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisServerOptions {
  /** Append-only file, fsynced always (default true). Without it a restart loses every key. */
  persistence?: boolean;
}

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  readonly running: boolean;
  /** SIGTERM: Redis shuts down cleanly (flushing its append-only file). */
  stop(): Promise<void>;
  /** SIGKILL: a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory. */
  start(): Promise<void>;
  restart(): Promise<void>;
  /** Stops it for good and removes its directory. */
  dispose(): Promise<void>;
}

/** Whether this machine has redis-server (`apt-get install redis-server`). */
export function redisServerInstalled(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Sends PING over a raw socket; true once the server answers PONG (not while loading its data). */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  const persistence = options.persistence ?? true;
  const dir = mkdtempSync(join(tmpdir(), 'ai-subgraph-redis-'));
  const port = await freePort();
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let output = '';

  async function start(): Promise<void> {
    if (child) return;
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--daemonize',
      'no',
      '--protected-mode',
      'yes',
    ];
    args.push(
      ...(persistence
        ? ['--appendonly', 'yes', '--appendfsync', 'always']
        : ['--appendonly', 'no']),
    );
    output = '';
    const started = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    started.stdout.on(
      'data',
      (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)),
    );
    started.stderr.on(
      'data',
      (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)),
    );
    child = started;
    exited = new Promise((resolve) => started.once('exit', () => resolve()));
    void exited.then(() => {
      if (child === started) child = null;
    });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (child !== started) throw new Error(`redis-server exited at start-up:\n${output}`);
      if (await ping(port)) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    started.kill('SIGKILL');
    throw new Error(`redis-server did not answer on port ${port} within 10 s:\n${output}`);
  }

  async function signal(name: NodeJS.Signals): Promise<void> {
    if (!child) return;
    child.kill(name);
    await exited;
    child = null;
  }

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    get running() {
      return child !== null;
    },
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
    start,
    async restart() {
      await signal('SIGTERM');
      await start();
    },
    async dispose() {
      await signal('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
