/**
 * `npm run bench`: every benchmark script in bench/ (not this one, not support/), one after the
 * other, each as its own `tsx` child process so that none inherits another's heap, JIT state or
 * leftover sockets. Arguments after `--` go to every script; `--only name` runs a subset.
 *
 *   npm run bench
 *   npm run bench -- --only streaming
 *   npx tsx bench/run.ts --only gateway-overhead,streaming
 *
 * Exits non-zero when a benchmark failed to run (never because of a timing: there are no
 * assertions on timings).
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BENCH = fileURLToPath(new URL('./', import.meta.url));
const ROOT = fileURLToPath(new URL('../', import.meta.url));

const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? (process.argv[onlyAt + 1] ?? '').split(',').filter(Boolean) : undefined;
const passThrough =
  onlyAt >= 0
    ? process.argv.slice(2).filter((_, i) => i !== onlyAt - 2 && i !== onlyAt - 1)
    : process.argv.slice(2);

const scripts = readdirSync(BENCH)
  .filter((name) => name.endsWith('.ts') && name !== 'run.ts' && !name.endsWith('.d.ts'))
  .sort()
  .filter((name) => !only || only.includes(name.replace(/\.ts$/, '')));

function run(script: string): Promise<{ code: number | null; seconds: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `bench/${script}`, ...passThrough], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    child.on('exit', (code, signal) =>
      resolve({ code: code ?? (signal ? 1 : null), seconds: (performance.now() - started) / 1000 }),
    );
  });
}

const results: { script: string; code: number | null; seconds: number }[] = [];
for (const script of scripts) {
  console.log(`\n=== bench/${script} ===\n`);
  results.push({ script, ...(await run(script)) });
}

console.log('\n=== summary ===\n');
for (const { script, code, seconds } of results)
  console.log(
    `${code === 0 ? 'ok    ' : `FAILED (exit ${code})`}  bench/${script}  ${seconds.toFixed(0)} s`,
  );
process.exitCode = results.every((result) => result.code === 0) ? 0 : 1;
