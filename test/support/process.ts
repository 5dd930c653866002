/** Runs the subgraph as a real child process (`npm start` without the build), for signal and exit tests. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ServerProcess {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the GraphQL URL once the server logs that it is ready. */
  ready: Promise<string>;
}

/** `node` runs src/main.ts itself; `npm start` runs it as an operator or a supervisor does. */
export function spawnServer(
  env: Record<string, string>,
  via: 'node' | 'npm start' = 'node',
): ServerProcess {
  const [command, args] =
    via === 'node'
      ? [process.execPath, ['--import', 'tsx', 'src/main.ts']]
      : ['npm', ['start', '--silent']];
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'info', PORT: '0', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<string>((resolve, reject) => {
    const check = () => {
      const match = stdout.match(/"url":"(http:[^"]+)"/);
      if (match) resolve(match[1]!);
    };
    child.stdout.on('data', check);
    void exited.then(({ code }) =>
      reject(new Error(`server exited with ${code} before it was ready: ${stderr}`)),
    );
  });
  // Tests that expect an early exit never await `ready`.
  ready.catch(() => undefined);
  return { child, stdout: () => stdout, stderr: () => stderr, exited, ready };
}
