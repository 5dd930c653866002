/** Reading the deployment files the way the tests in this folder check them. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const KUBERNETES_DIR = fileURLToPath(new URL('../../deploy/kubernetes/', import.meta.url));

export function readRepoFile(path: string): string {
  return readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
}

/** Every document of a YAML file, as plain data; a syntax error fails loudly with the file name. */
export function readYamlDocuments(path: string): Array<Record<string, unknown>> {
  const documents = parseAllDocuments(readFileSync(path, 'utf8'), { prettyErrors: true });
  return documents.map((document) => {
    if (document.errors.length > 0)
      throw new Error(`${path}: ${document.errors.map((error) => error.message).join('; ')}`);
    return document.toJS() as Record<string, unknown>;
  });
}

/**
 * The environment variables src/config.ts reads: the keys of its zod `environmentSchema`. Read
 * from the source, because the schema is not exported (and a stripped unknown key would not show).
 */
export function configEnvironmentNames(): Set<string> {
  const source = readRepoFile('src/config.ts');
  const start = source.indexOf('const environmentSchema = z.object({');
  const end = source.indexOf('\n});', start);
  if (start < 0 || end < 0)
    throw new Error(
      'src/config.ts: environmentSchema = z.object({ … }) not found; update test/deploy/support.ts',
    );
  return new Set(
    [...source.slice(start, end).matchAll(/^\s+([A-Z][A-Z0-9_]*):/gm)].map((match) => match[1]!),
  );
}

/**
 * The Dockerfile as instructions: continuation lines joined, comments dropped, `${ARG}` references
 * in FROM resolved to the ARG's default, grouped by stage.
 */
export interface DockerInstruction {
  keyword: string;
  args: string;
}
export interface DockerStage {
  name: string;
  image: string;
  instructions: DockerInstruction[];
}

export function parseDockerfile(text: string): {
  args: Record<string, string>;
  stages: DockerStage[];
} {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push(pending + line);
    pending = '';
  }
  const args: Record<string, string> = {};
  const stages: DockerStage[] = [];
  for (const line of logical) {
    const [, keyword = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args: rest };
    if (instruction.keyword === 'FROM') {
      const [, image = '', name = ''] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest) ?? [];
      stages.push({
        name,
        image: image.replace(
          /\$\{(\w+)\}|\$(\w+)/g,
          (_, a: string | undefined, b: string | undefined) => args[(a ?? b)!] ?? '',
        ),
        instructions: [],
      });
    } else if (stages.length === 0 && instruction.keyword === 'ARG') {
      const [name = '', value = ''] = rest.split('=', 2);
      args[name] = value;
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { args, stages };
}

const TUNING = new Set(['NODE_OPTIONS', 'MALLOC_ARENA_MAX']);

/**
 * The runtime settings the production image gives the process (its last stage's ENV): V8 flags in
 * NODE_OPTIONS and glibc's MALLOC_ARENA_MAX. The benchmarks run the subgraph with the same, read
 * from the Dockerfile so that the two cannot drift apart.
 */
export function imageRuntimeTuning(): Record<string, string> {
  const runtime = parseDockerfile(readRepoFile('Dockerfile')).stages.at(-1);
  const tuning: Record<string, string> = {};
  for (const { keyword, args } of runtime?.instructions ?? []) {
    if (keyword !== 'ENV') continue;
    for (const assignment of args.split(/\s+/)) {
      const [name = '', value = ''] = assignment.split(/=(.*)/s);
      if (TUNING.has(name)) tuning[name] = value;
    }
  }
  return tuning;
}

/**
 * The flags the production image gives `node` on its command line (its last stage's CMD in exec
 * form, `node <flags> dist/main.js`): the V8 flags Node refuses in NODE_OPTIONS, such as
 * --heap-growing-percent. The benchmarks start the subgraph with them too.
 */
export function imageNodeFlags(): string[] {
  const runtime = parseDockerfile(readRepoFile('Dockerfile')).stages.at(-1);
  const command = runtime?.instructions.filter(({ keyword }) => keyword === 'CMD').at(-1);
  if (!command) return [];
  const [, ...rest] = JSON.parse(command.args) as string[];
  return rest.slice(0, -1);
}

/** `"1"` → 1, `"250m"` → 0.25 (CPU); `"384Mi"` → bytes (memory). Enough for requests and limits. */
export function quantity(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)(m|k|M|G|Ki|Mi|Gi)?$/.exec(value);
  if (!match) throw new Error(`unsupported quantity ${value}`);
  const factor = { '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 }[
    match[2] ?? ''
  ]!;
  return Number(match[1]) * factor;
}
