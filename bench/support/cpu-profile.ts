/**
 * Reads a V8 `.cpuprofile` (node --cpu-prof, or the inspector's Profiler) and tells where the time
 * went: self time per function and per module (package, src/ file or Node internal), and inclusive
 * time of this project's own functions, so a report can name the code to change. Also reads a
 * sampling heap profile (which allocations are still alive), attributed the same way.
 */
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Idle, program and garbage collector, as V8 names them. */
  idleMs: number;
  gcMs: number;
  selfByFunction: ProfileEntry[];
  selfByModule: ProfileEntry[];
  /**
   * Self time charged to the nearest package or src/ file on the stack, so that Node internals
   * and native code (socket writes, JSON, crypto) count for whoever called them.
   */
  byOwner: ProfileEntry[];
  /** Functions of src/ with their callees' time included. */
  inclusiveSrc: ProfileEntry[];
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where a frame's code lives: an npm package, a file of this project, a Node internal, or V8. */
export function moduleOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  // PGlite's PostgreSQL or undici's HTTP parser (llhttp): told apart by their caller (wasmOwner).
  if (url.startsWith('wasm://')) return '(wasm)';
  if (url.startsWith('node:')) return url.replace(/^node:internal\/([^/]+).*$/, 'node:internal/$1');
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const inModules = path.lastIndexOf('node_modules/');
  if (inModules >= 0) {
    const rest = path.slice(inModules + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (!path.startsWith(ROOT)) return path;
  // The benchmarks run the compiled build: dist/x.js is charged to its source, src/x.ts.
  const own = relative(ROOT, path);
  return own.startsWith('dist/') ? `src/${own.slice('dist/'.length).replace(/\.js$/, '.ts')}` : own;
}

/** Whether a module is somebody's code (a package or ours) rather than Node's or V8's. */
function isOwner(module: string): boolean {
  return !module.startsWith('node:') && !module.startsWith('(');
}

const sources = new Map<string, string[] | null>();

/**
 * tsx hands V8 its compiled module on one line, so profiles say line 1 for everything: find the
 * declaration by name in the TypeScript source instead (the first line that declares it).
 */
function declarationLine(module: string, functionName: string): number | undefined {
  if (!module.startsWith('src/') || functionName === '' || functionName.startsWith('<'))
    return undefined;
  let lines = sources.get(module);
  if (lines === undefined) {
    const path = `${ROOT}${module}`;
    lines = existsSync(path) ? readFileSync(path, 'utf8').split('\n') : null;
    sources.set(module, lines);
  }
  if (!lines) return undefined;
  const name = functionName
    .replace(/^(get|set) /, '')
    .replace(/[.*+?^${}()|[\]\\#]/g, (c) => `\\${c}`);
  const declaration = new RegExp(
    `(^|[^.\\w$#])${name}\\s*(<[^>]*>)?\\s*(\\(|=\\s*(async\\s*)?\\(|:\\s*(async\\s*)?\\()`,
  );
  const at = lines.findIndex((line) => declaration.test(line) && !/^\s*(\/\/|\*)/.test(line));
  return at >= 0 ? at + 1 : undefined;
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = moduleOf(url, functionName);
  if (url === '') return functionName || '(anonymous)';
  if (where.startsWith('src/')) {
    const line = declarationLine(where, functionName);
    return `${functionName || '(anonymous)'} ${where}${line === undefined ? '' : `:${line}`}`;
  }
  return `${functionName || '(anonymous)'} ${where}${lineNumber > 0 ? `:${lineNumber + 1}` : ''}`;
}

export function summarizeProfile(path: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);

  const selfByNode = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }

  const selfFunction = new Map<string, number>();
  const selfModule = new Map<string, number>();
  const owner = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  let gcMs = 0;
  // The profiler's own start and stop (over node:inspector) are not the program's work.
  const isProfilerItself = (id: number): boolean => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at))
      if (byId.get(at)!.callFrame.url === 'node:inspector') return true;
    return false;
  };
  /** WebAssembly is named after the first module outside it on the stack: `@electric-sql/pglite (wasm)`, `node:internal/deps (wasm)` (undici). */
  const wasmOwner = (id: number, module: string): string => {
    if (module !== '(wasm)') return module;
    for (let at = parent.get(id); at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (!frame.url.startsWith('wasm://'))
        return `${moduleOf(frame.url, frame.functionName)} (wasm)`;
    }
    return module;
  };
  for (const [id, ms] of selfByNode) {
    if (isProfilerItself(id)) continue;
    const node = byId.get(id)!;
    totalMs += ms;
    const { functionName, url } = node.callFrame;
    if (functionName === '(idle)') idleMs += ms;
    if (functionName === '(garbage collector)') gcMs += ms;
    selfFunction.set(frameName(node), (selfFunction.get(frameName(node)) ?? 0) + ms);
    const module = wasmOwner(id, moduleOf(url, functionName));
    selfModule.set(module, (selfModule.get(module) ?? 0) + ms);
    let charged = module;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!;
      const candidate = wasmOwner(at, moduleOf(frame.callFrame.url, frame.callFrame.functionName));
      if (isOwner(candidate)) {
        charged = candidate;
        break;
      }
    }
    owner.set(charged, (owner.get(charged) ?? 0) + ms);
    // Inclusive time of our own functions: every src/ frame on this node's stack, once each.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!;
      if (!moduleOf(frame.callFrame.url, frame.callFrame.functionName).startsWith('src/')) continue;
      const name = frameName(frame);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + ms);
    }
  }
  const busy = totalMs - idleMs;
  const rank = (map: Map<string, number>) =>
    [...map]
      .filter(([name]) => name !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms, share: busy > 0 ? ms / busy : 0 }));
  return {
    totalMs,
    idleMs,
    gcMs,
    selfByFunction: rank(selfFunction),
    selfByModule: rank(selfModule),
    byOwner: rank(owner),
    inclusiveSrc: rank(inclusive),
  };
}

/** Markdown tables of where the time went, for a benchmark's output. */
export function formatProfile(summary: ProfileSummary, requests: number, unit = 'request'): string {
  const busy = summary.totalMs - summary.idleMs;
  const pct = (entry: ProfileEntry) => `${(entry.share * 100).toFixed(1)} %`;
  const rows = (entries: ProfileEntry[]) =>
    entries.map((e) => `| ${e.name} | ${e.ms.toFixed(0)} | ${pct(e)} |`).join('\n');
  return [
    `sampled ${(summary.totalMs / 1000).toFixed(1)} s, busy ${(busy / 1000).toFixed(1)} s (${(busy / Math.max(1, requests)).toFixed(2)} ms per ${unit}), garbage collector ${((summary.gcMs / busy) * 100).toFixed(1)} % of busy`,
    '',
    '| charged to (nearest package or src/ file on the stack) | ms | share of busy |\n| --- | --- | --- |',
    rows(summary.byOwner),
    '',
    '| function (self time) | ms | share of busy |\n| --- | --- | --- |',
    rows(summary.selfByFunction),
    '',
    '| src/ function (inclusive time) | ms | share of busy |\n| --- | --- | --- |',
    rows(summary.inclusiveSrc),
  ].join('\n');
}

interface HeapNode {
  callFrame: ProfileNode['callFrame'];
  selfSize: number;
  children: HeapNode[];
}

/**
 * Reads a sampling heap profile (HeapProfiler.stopSampling): the sampled allocations still alive
 * when it stopped, charged to the nearest package or src/ file on the allocating stack, and to
 * the allocating src/ functions (inclusive).
 */
export function summarizeHeapProfile(
  path: string,
  top = 15,
): { totalBytes: number; byOwner: ProfileEntry[]; inclusiveSrc: ProfileEntry[] } {
  const { head } = JSON.parse(readFileSync(path, 'utf8')) as { head: HeapNode };
  const owner = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let totalBytes = 0;
  const walk = (node: HeapNode, stack: HeapNode[]) => {
    const here = [...stack, node];
    if (node.selfSize > 0) {
      totalBytes += node.selfSize;
      let charged = moduleOf(node.callFrame.url, node.callFrame.functionName);
      for (let i = here.length - 1; i >= 0; i--) {
        const frame = here[i]!.callFrame;
        const candidate = moduleOf(frame.url, frame.functionName);
        if (isOwner(candidate)) {
          charged = candidate;
          break;
        }
      }
      owner.set(charged, (owner.get(charged) ?? 0) + node.selfSize);
      const seen = new Set<string>();
      for (const frame of here) {
        if (!moduleOf(frame.callFrame.url, frame.callFrame.functionName).startsWith('src/'))
          continue;
        const name = frameName(frame as unknown as ProfileNode);
        if (seen.has(name)) continue;
        seen.add(name);
        inclusive.set(name, (inclusive.get(name) ?? 0) + node.selfSize);
      }
    }
    for (const child of node.children) walk(child, here);
  };
  walk(head, []);
  const rank = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, bytes]) => ({
        name,
        ms: bytes,
        share: totalBytes > 0 ? bytes / totalBytes : 0,
      }));
  return { totalBytes, byOwner: rank(owner), inclusiveSrc: rank(inclusive) };
}

/** Markdown tables of a heap profile summary; `per` divides the sizes (e.g. per stream). */
export function formatHeapProfile(
  summary: ReturnType<typeof summarizeHeapProfile>,
  per: number,
  unit: string,
): string {
  const kib = (bytes: number) => (bytes / 1024 / Math.max(1, per)).toFixed(1);
  const rows = (entries: ProfileEntry[]) =>
    entries.map((e) => `| ${e.name} | ${kib(e.ms)} | ${(e.share * 100).toFixed(1)} % |`).join('\n');
  return [
    `sampled live allocations: ${(summary.totalBytes / 1024 / 1024).toFixed(1)} MB (${kib(summary.totalBytes)} KiB per ${unit})`,
    '',
    `| allocated by (nearest package or src/ file on the stack) | KiB per ${unit} | share |\n| --- | --- | --- |`,
    rows(summary.byOwner),
    '',
    `| src/ function (inclusive) | KiB per ${unit} | share |\n| --- | --- | --- |`,
    rows(summary.inclusiveSrc),
  ].join('\n');
}
