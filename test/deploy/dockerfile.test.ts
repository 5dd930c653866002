/**
 * The Dockerfile and .dockerignore, read as text (docker cannot run here; deploy/simulate-image.sh
 * replays the two stages without it): what reaches the runtime image, who runs it, how it is
 * started, checked and stopped, and that the build context holds what the build copies.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import {
  REPO,
  imageNodeFlags,
  imageRuntimeTuning,
  parseDockerfile,
  readRepoFile,
  type DockerInstruction,
} from './support.js';

const dockerfile = parseDockerfile(readRepoFile('Dockerfile'));
const build = dockerfile.stages.find((stage) => stage.name === 'build')!;
const runtime = dockerfile.stages.at(-1)!;
const packageJson = JSON.parse(readRepoFile('package.json')) as {
  engines: { node: string };
  scripts: Record<string, string>;
};

const of = (instructions: DockerInstruction[], keyword: string) =>
  instructions.filter((instruction) => instruction.keyword === keyword);
const runs = (instructions: DockerInstruction[]) =>
  of(instructions, 'RUN').map((instruction) => instruction.args.replace(/--mount=\S+\s+/g, ''));
/** COPY's sources and options: `COPY --from=build /app/dist ./dist` → { from: 'build', sources: ['/app/dist'] }. */
function copies(instructions: DockerInstruction[]) {
  return of(instructions, 'COPY').map(({ args }) => {
    const words = args.split(/\s+/);
    const options = words.filter((word) => word.startsWith('--'));
    const paths = words.filter((word) => !word.startsWith('--'));
    return {
      from: options.find((option) => option.startsWith('--from='))?.slice('--from='.length),
      sources: paths.slice(0, -1),
      target: paths.at(-1)!,
    };
  });
}
const exec = (args: string) => JSON.parse(args) as string[];

describe('Dockerfile', () => {
  it('builds in a stage of its own and runs from a second one, both on a pinned Node 20 slim image', () => {
    expect(dockerfile.stages.map((stage) => stage.name)).toEqual(['build', 'runtime']);
    for (const stage of dockerfile.stages) {
      const [, major, minor] =
        /^node:(\d+)\.(\d+)\.\d+-bookworm-slim(@sha256:[0-9a-f]{64})?$/.exec(stage.image) ?? [];
      expect(major, `${stage.name} image ${stage.image} is node:<x.y.z>-bookworm-slim`).toBe('20');
      // package.json's engines: ">=20.19".
      const [, engineMajor, engineMinor] = /^>=(\d+)\.(\d+)/.exec(packageJson.engines.node)!;
      expect(Number(minor)).toBeGreaterThanOrEqual(
        Number(major) === Number(engineMajor) ? Number(engineMinor) : 0,
      );
    }
  });

  it('compiles with every dependency in the build stage, as npm run build does', () => {
    expect(runs(build.instructions)).toContainEqual(
      expect.stringMatching(/^npm ci\b(?!.*--omit=dev)/),
    );
    expect(runs(build.instructions)).toContain('npm run build');
    expect(packageJson.scripts['build']).toBe('tsc -p tsconfig.build.json');
  });

  it('installs production dependencies only and copies just dist/, schema/ and package*.json into the runtime', () => {
    expect(runs(runtime.instructions)).toContainEqual(
      expect.stringMatching(/^npm ci .*--omit=dev/),
    );
    expect(copies(runtime.instructions)).toEqual([
      { from: undefined, sources: ['package.json', 'package-lock.json'], target: './' },
      { from: 'build', sources: ['/app/dist'], target: './dist' },
      { from: undefined, sources: ['schema'], target: './schema' },
    ]);
    // schema.ts reads ../../schema/ relative to dist/graphql/schema.js: both folders under WORKDIR.
    expect(of(runtime.instructions, 'WORKDIR').at(-1)?.args).toBe('/app');
    expect(of(build.instructions, 'WORKDIR').at(-1)?.args).toBe('/app');
  });

  it('runs node dist/main.js in production, as a non-root user, on port 4000, stopped by SIGTERM', () => {
    expect(of(runtime.instructions, 'ENV').map((instruction) => instruction.args)).toContain(
      'NODE_ENV=production',
    );
    const user = of(runtime.instructions, 'USER').at(-1)?.args ?? 'root';
    expect(user).toMatch(/^[1-9]\d*(:\d+)?$/);
    expect(of(runtime.instructions, 'EXPOSE').map((instruction) => instruction.args)).toEqual([
      '4000',
    ]);
    expect(of(runtime.instructions, 'STOPSIGNAL').map((instruction) => instruction.args)).toEqual([
      'SIGTERM',
    ]);
    // Not `npm start`: that runs tsx from source, a devDependency the runtime does not have.
    const command = exec(of(runtime.instructions, 'CMD').at(-1)!.args);
    expect(command[0]).toBe('node');
    expect(command.at(-1)).toBe('dist/main.js');
    // Everything between is a flag for node (imageNodeFlags), none of them a script of its own.
    expect(command.slice(1, -1)).toEqual(imageNodeFlags());
    expect(imageNodeFlags().every((flag) => flag.startsWith('--'))).toBe(true);
    expect(existsSync(`${REPO}src/main.ts`)).toBe(true);
  });

  it('caps the young generation, the old generation’s growth and malloc arenas, with settings Node accepts', () => {
    const tuning = imageRuntimeTuning();
    expect(tuning).toEqual({
      NODE_OPTIONS: expect.stringMatching(/--max-semi-space-size=\d+/),
      MALLOC_ARENA_MAX: expect.stringMatching(/^\d+$/),
    });
    // The old generation grows only so far past what survived the last full collection: V8's own
    // choice reserved up to 2.6 times the live heap of 2,000 open streams. Node refuses the flag
    // in NODE_OPTIONS, so it is on the CMD.
    expect(imageNodeFlags()).toContainEqual(expect.stringMatching(/^--heap-growing-percent=\d+$/));
    // Node refuses to start on a flag NODE_OPTIONS may not carry: the image would not run at all.
    // Enough surviving allocations for V8 to grow its young generation as far as it may.
    const grow = 'const kept = []; for (let i = 0; i < 3e6; i++) kept.push({ i });';
    const newSpace =
      'v8.getHeapSpaceStatistics().find((space) => space.space_name === "new_space").space_size';
    const probe = spawnSync(
      process.execPath,
      [...imageNodeFlags(), '-e', `${grow} process.stdout.write(String(${newSpace}))`],
      {
        env: { PATH: process.env['PATH'] ?? '', ...tuning },
        encoding: 'utf8',
      },
    );
    expect(probe.stderr).toBe('');
    expect(probe.status).toBe(0);
    const semiSpaceMb = Number(/--max-semi-space-size=(\d+)/.exec(tuning['NODE_OPTIONS']!)![1]);
    // Both semi-spaces of the young generation stay within the cap (16 MB each by default here).
    expect(Number(probe.stdout)).toBeLessThanOrEqual(2 * semiSpaceMb * 1024 * 1024);
  });

  it('checks health on /healthz with node’s fetch, not curl', () => {
    const [healthcheck] = of(runtime.instructions, 'HEALTHCHECK');
    const command = /\bCMD\s+(\[.*\])$/.exec(healthcheck!.args)?.[1];
    const [program, flag, script] = exec(command!);
    expect([program, flag]).toEqual(['node', '-e']);
    expect(script).toMatch(
      /fetch\('http:\/\/127\.0\.0\.1:' \+ \(process\.env\.PORT \|\| 4000\) \+ '\/healthz'/,
    );
    expect(healthcheck!.args).not.toMatch(/curl|wget/);
    // The script is valid JavaScript.
    expect(() => new Function(script!)).not.toThrow();
  });
});

describe('.dockerignore', () => {
  const patterns = readRepoFile('.dockerignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const included = patterns
    .filter((pattern) => pattern.startsWith('!'))
    .map((pattern) => pattern.slice(1));

  it('ignores everything but what the build copies from the context', () => {
    expect(patterns[0]).toBe('*');
    const fromContext = dockerfile.stages.flatMap((stage) =>
      copies(stage.instructions)
        .filter((copy) => copy.from === undefined)
        .flatMap((copy) => copy.sources),
    );
    expect([...new Set(fromContext)].sort()).toEqual([...included].sort());
    for (const path of included) expect(existsSync(`${REPO}${path}`), path).toBe(true);
  });

  it('never lets local state or secrets in', () => {
    for (const path of ['node_modules', 'dist', 'data', '.git', 'test', '.env'])
      expect(included).not.toContain(path);
    expect(patterns).toContain('**/.env*');
  });
});
