/**
 * The subgraph as production runs it (Dockerfile: `npm run build`, then plain `node` on dist/),
 * for the benchmark children: dist/ rebuilt when a file of src/ is newer than it, and a child's
 * own TypeScript (server-process.ts and what it imports from support/) turned into JavaScript
 * beside it, so that no loader (tsx: ~75 MB of RSS, and its compile hooks) runs in the measured
 * process.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SUPPORT = fileURLToPath(new URL('./', import.meta.url));
const DIST_MAIN = join(ROOT, 'dist', 'main.js');

/** file:// URL of dist/, for a child's dynamic imports (`${BENCH_DIST}/app/app.js`). */
export const DIST_URL = pathToFileURL(join(ROOT, 'dist')).href;

function newestModification(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(
      newest,
      entry.isDirectory() ? newestModification(path) : statSync(path).mtimeMs,
    );
  }
  return newest;
}

let built = false;

/**
 * Runs `npm run build` (tsc -p tsconfig.build.json) unless dist/ is newer than every file of src/.
 * tsc still emits when the tree does not type-check (someone's edit in progress): the benchmark
 * then measures what was emitted and says so, rather than refusing to run.
 */
export function ensureBuild(): void {
  if (built) return;
  const builtAt = existsSync(DIST_MAIN) ? statSync(DIST_MAIN).mtimeMs : 0;
  if (builtAt < newestModification(join(ROOT, 'src'))) {
    const started = performance.now();
    const result = spawnSync(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
        '-p',
        join(ROOT, 'tsconfig.build.json'),
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    if (!existsSync(DIST_MAIN) || statSync(DIST_MAIN).mtimeMs <= builtAt)
      throw new Error(`npm run build failed:\n${result.stdout}${result.stderr}`);
    const errors = result.stdout.split('\n').filter((line) => line.includes('error TS'));
    console.log(
      `  built dist/ in ${((performance.now() - started) / 1000).toFixed(1)} s${errors.length ? `, with ${errors.length} type errors (emitted anyway), first: ${errors[0]}` : ''}`,
    );
  }
  built = true;
}

/**
 * Writes `script` (a file of bench/support/) and the support modules it imports as ES modules into
 * `dir`, types stripped as tsx would; returns the entry's path. Its imports of the service must go
 * through `BENCH_DIST` (dist/), which this does not rewrite.
 */
export function transpiledChild(script: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  const pending = [script];
  for (let file = pending.pop(); file; file = pending.pop()) {
    const source = readFileSync(join(SUPPORT, file), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2023,
        verbatimModuleSyntax: true,
        sourceMap: false,
      },
    });
    writeFileSync(join(dir, file.replace(/\.ts$/, '.js')), outputText);
    // Sibling modules that still import at run time (type-only imports are gone from outputText).
    for (const [, sibling] of outputText.matchAll(/from '\.\/([\w-]+)\.js'/g))
      if (!existsSync(join(dir, `${sibling}.js`))) pending.push(`${sibling}.ts`);
  }
  return join(dir, script.replace(/\.ts$/, '.js'));
}
