/**
 * A throwaway PostgreSQL cluster for tests (`TEST_DATABASE=postgres`): initdb into a temp
 * directory, a server on a free loopback port with durability turned off (tests need speed, not
 * crash safety), and a migrated template database from which each test server gets its own
 * database in a few milliseconds (`CREATE DATABASE … TEMPLATE`).
 *
 * PostgreSQL refuses to run as root, and CI runs as root: then the cluster runs as the `postgres`
 * system user (created by Debian's `postgresql-15` package), through `runuser`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './redis.js';

/** Whether this run should use PostgreSQL rather than PGlite (`TEST_DATABASE=postgres`). */
export function testDatabaseIsPostgres(): boolean {
  return process.env.TEST_DATABASE === 'postgres';
}

/** The directory holding initdb, pg_ctl and postgres; PostgreSQL 15 preferred. */
export function postgresBinDir(): string | null {
  const explicit = process.env.POSTGRES_BIN;
  if (explicit) return existsSync(join(explicit, 'pg_ctl')) ? explicit : null;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter(
      (version) =>
        existsSync(join(root, version, 'bin', 'pg_ctl')) &&
        existsSync(join(root, version, 'bin', 'initdb')),
    )
    .sort((a, b) => (a === '15' ? -1 : b === '15' ? 1 : Number(b) - Number(a)));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

export interface PostgresCluster {
  /** Superuser URL of the cluster's `postgres` database. */
  adminUrl: string;
  port: number;
  /** URL of database `name` on this cluster. */
  urlOf(name: string): string;
  /** Shuts the server down (fast: connections are terminated), keeping its data, for fault tests. */
  stopServer(): Promise<void>;
  /** Starts it again on the same port and data; resolves once it accepts connections. */
  startServer(): Promise<void>;
  /** Stops it for good and removes its files. */
  stop(): Promise<void>;
}

const asRoot = process.getuid?.() === 0;

function runAsOwner(command: string, args: string[]): void {
  const [file, fullArgs] = asRoot
    ? ['runuser', ['-u', 'postgres', '--', command, ...args]]
    : [command, args];
  const result = spawnSync(file, fullArgs, { encoding: 'utf8' });
  if (result.status !== 0)
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`,
    );
}

/** initdb + pg_ctl start; resolves once the server accepts connections. */
export async function startPostgresCluster(): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  if (!bin)
    throw new Error(
      'PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install -y postgresql-15), or set POSTGRES_BIN',
    );
  if (asRoot && spawnSync('id', ['-u', 'postgres']).status !== 0)
    throw new Error(
      'running as root needs the postgres system user (apt-get install -y postgresql-15 creates it)',
    );
  const dir = mkdtempSync(join(tmpdir(), 'ai-subgraph-postgres-'));
  const data = join(dir, 'data');
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  runAsOwner(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--locale=C',
    '--no-sync',
    '--no-instructions',
  ]);
  const port = await freePort();
  const settings = [
    `-p ${port}`,
    "-c listen_addresses='127.0.0.1'",
    `-c unix_socket_directories='${dir}'`,
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=400',
    '-c shared_buffers=128MB',
  ].join(' ');
  const start = () =>
    runAsOwner(join(bin, 'pg_ctl'), [
      '-D',
      data,
      '-l',
      join(dir, 'server.log'),
      '-o',
      settings,
      '-w',
      '-t',
      '60',
      'start',
    ]);
  start();
  let running = true;
  const urlOf = (name: string) => `postgres://postgres@127.0.0.1:${port}/${name}`;
  return {
    adminUrl: urlOf('postgres'),
    port,
    urlOf,
    async stopServer() {
      runAsOwner(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
      running = false;
    },
    async startServer() {
      start();
      running = true;
    },
    async stop() {
      try {
        if (running) runAsOwner(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        // Backends of an immediate shutdown may still be leaving as the removal starts.
        rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
      }
    },
  };
}

/** Runs `work` with a superuser connection to `url`. */
export async function withAdmin<T>(
  url: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * A new, empty-but-migrated database copied from `template`; returns its URL. Database names are
 * random, so concurrent test files never collide.
 */
export async function createDatabaseFrom(adminUrl: string, template: string): Promise<string> {
  const name = `test_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, async (client) => {
    // Copying a template needs nobody connected to it; creations from it may run concurrently,
    // but PostgreSQL briefly reports the template busy while another copy starts: retry then.
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
        return;
      } catch (error) {
        if (attempt >= 50 || !/is being accessed by other users/.test((error as Error).message))
          throw error;
        await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 30));
      }
    }
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** An empty database (no migrations); returns its URL. */
export async function createEmptyDatabase(adminUrl: string): Promise<string> {
  return createDatabaseFrom(adminUrl, 'template0');
}

/** An empty database of its own for a test or a benchmark, and how to remove it. */
export interface ThrowawayDatabase {
  url: string;
  /** Drops the database, or stops the cluster started for it. */
  drop(): Promise<void>;
}

/**
 * An empty database on the server at `adminUrl` (the run's shared cluster, or a DATABASE_URL
 * allowed to CREATE DATABASE) when given, else in a cluster of its own.
 */
export async function throwawayDatabase(adminUrl?: string): Promise<ThrowawayDatabase> {
  if (adminUrl) {
    const url = await createEmptyDatabase(adminUrl);
    const name = new URL(url).pathname.slice(1);
    return {
      url,
      drop: () =>
        withAdmin(
          adminUrl,
          async (client) =>
            void (await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)),
        ),
    };
  }
  const cluster = await startPostgresCluster();
  return { url: await createEmptyDatabase(cluster.adminUrl), drop: () => cluster.stop() };
}
