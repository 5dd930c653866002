/**
 * `npm run keys` beside a running server, as an operator runs it: the key goes through the server
 * that holds DATA_DIR, works at once, survives a restart, and ends anonymous loopback access with
 * a notice saying so. A second process on the same DATA_DIR stops at once, naming the holder.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { spawnServer, type ServerProcess } from '../support/process.js';
import { temporaryDataDir } from '../support/server.js';

const PROVIDERS = '{ providers { target } }';

async function post(url: string, query: string, key?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: (await response.json()) as { data?: unknown } };
}

describe('npm run keys and the DATA_DIR lock', () => {
  const servers: ServerProcess[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('creates a key through the running server, which accepts it at once and keeps it', async () => {
    const dataDir = temporaryDataDir();
    const server = spawnServer({ DATA_DIR: dataDir });
    servers.push(server);
    const url = await server.ready;
    expect(server.stdout()).toContain('"authentication":"none from loopback');

    const created = await runCli(
      'keys',
      ['create', '--account', 'acme', '--scopes', 'generate,route,admin'],
      { DATA_DIR: dataDir },
    );
    expect(created.code).toBe(0);
    expect(created.stderr).toContain(`server: ${url}`);
    expect(created.stdout).toContain(
      'anonymous access from loopback (the "dev" account) is now off',
    );
    expect(created.stdout).toContain('npm run keys -- revoke <prefix>');
    const key = created.stdout.trim().split('\n').at(-1)!;
    expect(key).toMatch(/^ais_/);

    expect((await post(url, PROVIDERS, key)).status).toBe(200);
    // The server notices the first key within two seconds; from then on anonymous calls are refused.
    await new Promise((done) => setTimeout(done, 2_100));
    expect((await post(url, PROVIDERS)).status).toBe(401);

    // A second server on the same directory stops at once, naming the directory and the holder.
    const second = spawnServer({ DATA_DIR: dataDir });
    expect((await second.exited).code).toBe(1);
    const refusal = second.stderr().trim();
    expect(refusal.split('\n')).toHaveLength(1);
    expect(refusal).toContain(
      `ai-subgraph: DATA_DIR ${resolve(dataDir)} is in use by process ${server.child.pid} (`,
    );
    expect(refusal).toContain(`src/main.ts, serving ${url}): stop it first`);

    // Once the holder is gone, the key is still there, read from the directory itself.
    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
    const listed = await runCli('keys', ['list'], { DATA_DIR: dataDir });
    expect(listed.code).toBe(0);
    expect(listed.stderr).toContain(`store: embedded, in ${dataDir}`);
    expect(listed.stdout).toContain(`${key.slice(0, 14)}  acme  generate,route,admin  active`);
  }, 180_000);

  it('takes over a lock whose process is gone', async () => {
    const dataDir = temporaryDataDir();
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((done) => gone.on('exit', done));
    writeFileSync(
      join(dataDir, 'ai-subgraph.lock'),
      JSON.stringify({ pid: gone.pid, command: 'src/main.ts' }),
    );
    const listed = await runCli('keys', ['list'], { DATA_DIR: dataDir });
    expect(listed.stderr).toBe(`store: embedded, in ${dataDir}\n`);
    expect(listed.code).toBe(0);
  }, 60_000);
});
