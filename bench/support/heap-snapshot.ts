/**
 * Reads V8 heap snapshots (`streaming.ts --part b --snapshot=<dir>` writes idle.heapsnapshot and
 * open.heapsnapshot) and says what holds the heap per open stream: self size and retained size
 * (dominator tree) by constructor, the difference between the two snapshots divided by the number
 * of streams, and for the biggest per-stream holders the chain of dominators that keeps one alive.
 *
 *   npx tsx bench/support/heap-snapshot.ts /tmp/snap/idle.heapsnapshot /tmp/snap/open.heapsnapshot 2000
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

interface Graph {
  count: number;
  /** Per node: its class (constructor name, or "(type)" for internal kinds). */
  kind: string[];
  self: Float64Array;
  retained: Float64Array;
  idom: Int32Array;
  /** A readable label of each node: kind plus, for closures and strings, a hint of which. */
  label: (node: number) => string;
}

/** Internal node types grouped by type rather than by their name (strings would otherwise each be a class). */
const BY_TYPE = new Set([
  'string',
  'concatenated string',
  'sliced string',
  'number',
  'hidden',
  'code',
]);

function load(path: string): Graph {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const { meta } = raw.snapshot;
  const nodeWidth = meta.node_fields.length;
  const edgeWidth = meta.edge_fields.length;
  const [typeAt, nameAt, selfAt, edgeCountAt] = ['type', 'name', 'self_size', 'edge_count'].map(
    (field) => meta.node_fields.indexOf(field),
  ) as [number, number, number, number];
  const [edgeTypeAt, edgeToAt] = ['type', 'to_node'].map((field) =>
    meta.edge_fields.indexOf(field),
  ) as [number, number];
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const weak = edgeTypes.indexOf('weak');
  const shortcut = edgeTypes.indexOf('shortcut');
  const { nodes, edges, strings } = raw;
  const count = nodes.length / nodeWidth;

  const kind: string[] = new Array(count);
  const self = new Float64Array(count);
  const firstEdge = new Int32Array(count + 1);
  for (let node = 0, edge = 0; node < count; node++) {
    const type = nodeTypes[nodes[node * nodeWidth + typeAt]!]!;
    const name = strings[nodes[node * nodeWidth + nameAt]!]!;
    kind[node] =
      BY_TYPE.has(type) || type === 'array'
        ? `(${type}) ${type === 'array' ? name : ''}`.trim()
        : type === 'closure'
          ? '(closure)'
          : name || `(${type})`;
    self[node] = nodes[node * nodeWidth + selfAt]!;
    firstEdge[node] = edge;
    edge += nodes[node * nodeWidth + edgeCountAt]! * edgeWidth;
    firstEdge[node + 1] = edge;
  }
  const strong = (edge: number) => {
    const type = edges[edge + edgeTypeAt];
    return type !== weak && type !== shortcut;
  };
  const target = (edge: number) => edges[edge + edgeToAt]! / nodeWidth;

  // Post-order from the root (node 0), iteratively, over strong edges.
  const order = new Int32Array(count).fill(-1);
  const postorder: number[] = [];
  const stack: number[] = [0];
  const cursor = new Int32Array(count);
  const seen = new Uint8Array(count);
  seen[0] = 1;
  cursor[0] = firstEdge[0]!;
  while (stack.length > 0) {
    const node = stack[stack.length - 1]!;
    let pushed = false;
    while (cursor[node]! < firstEdge[node + 1]!) {
      const edge = cursor[node]!;
      cursor[node] = edge + edgeWidth;
      if (!strong(edge)) continue;
      const next = target(edge);
      if (seen[next]) continue;
      seen[next] = 1;
      cursor[next] = firstEdge[next]!;
      stack.push(next);
      pushed = true;
      break;
    }
    if (!pushed) {
      stack.pop();
      order[node] = postorder.length;
      postorder.push(node);
    }
  }
  // Predecessors of reachable nodes.
  const predCount = new Int32Array(count + 1);
  for (let node = 0; node < count; node++) {
    if (!seen[node]) continue;
    for (let edge = firstEdge[node]!; edge < firstEdge[node + 1]!; edge += edgeWidth)
      if (strong(edge)) predCount[target(edge) + 1]!++;
  }
  for (let node = 0; node < count; node++) predCount[node + 1]! += predCount[node]!;
  const preds = new Int32Array(predCount[count]!);
  const fill = predCount.slice();
  for (let node = 0; node < count; node++) {
    if (!seen[node]) continue;
    for (let edge = firstEdge[node]!; edge < firstEdge[node + 1]!; edge += edgeWidth)
      if (strong(edge)) preds[fill[target(edge)]!++] = node;
  }
  // Cooper, Harvey and Kennedy's iterative dominators, in reverse post-order.
  const idom = new Int32Array(count).fill(-1);
  idom[0] = 0;
  const intersect = (a: number, b: number) => {
    while (a !== b) {
      while (order[a]! < order[b]!) a = idom[a]!;
      while (order[b]! < order[a]!) b = idom[b]!;
    }
    return a;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (let i = postorder.length - 2; i >= 0; i--) {
      const node = postorder[i]!;
      let dominator = -1;
      for (let p = predCount[node]!; p < predCount[node + 1]!; p++) {
        const pred = preds[p]!;
        if (idom[pred] === -1) continue;
        dominator = dominator === -1 ? pred : intersect(pred, dominator);
      }
      if (dominator !== -1 && idom[node] !== dominator) {
        idom[node] = dominator;
        changed = true;
      }
    }
  }
  const retained = Float64Array.from(self);
  for (const node of postorder) if (node !== 0) retained[idom[node]!]! += retained[node]!;
  for (let node = 0; node < count; node++) if (!seen[node]) retained[node] = 0;

  const label = (node: number) => {
    const type = nodeTypes[nodes[node * nodeWidth + typeAt]!]!;
    const name = strings[nodes[node * nodeWidth + nameAt]!]!;
    if (type === 'closure') return `closure ${name || '(anonymous)'}`;
    if (BY_TYPE.has(type)) return `(${type}) ${JSON.stringify(name.slice(0, 40))}`;
    return kind[node]!;
  };
  return { count, kind, self, retained, idom, label };
}

interface Totals {
  count: number;
  self: number;
  /** Retained size of the instances not dominated by another instance of the same class. */
  retained: number;
}

function byKind(graph: Graph): Map<string, Totals> {
  const totals = new Map<string, Totals>();
  for (let node = 0; node < graph.count; node++) {
    if (graph.retained[node] === 0 && node !== 0) continue;
    const kind = graph.kind[node]!;
    const entry = totals.get(kind) ?? { count: 0, self: 0, retained: 0 };
    entry.count++;
    entry.self += graph.self[node]!;
    // Count a retained size only at the outermost instance of its class, so nesting does not double it.
    let outer = true;
    for (let up = graph.idom[node]!; up !== 0 && up !== -1; up = graph.idom[up]!)
      if (graph.kind[up] === kind) {
        outer = false;
        break;
      }
    if (outer) entry.retained += graph.retained[node]!;
    totals.set(kind, entry);
  }
  return totals;
}

const [idlePath, openPath, streamsText] = process.argv.slice(2);
if (!idlePath || !openPath || !streamsText)
  throw new Error('usage: heap-snapshot.ts <idle.heapsnapshot> <open.heapsnapshot> <streams>');
const streams = Number(streamsText);
const idle = byKind(load(idlePath));
const open = load(openPath);
const openTotals = byKind(open);
const kib = (bytes: number) => (bytes / 1024).toFixed(2);

const rows = [...openTotals]
  .map(([kind, totals]) => {
    const before = idle.get(kind) ?? { count: 0, self: 0, retained: 0 };
    return {
      kind,
      count: (totals.count - before.count) / streams,
      self: (totals.self - before.self) / streams,
      retained: (totals.retained - before.retained) / streams,
    };
  })
  .sort((a, b) => b.self - a.self);
const selfTotal = rows.reduce((sum, row) => sum + row.self, 0);
console.log(
  `Per open stream (open − idle) / ${streams}: ${kib(selfTotal)} KiB of live heap (self sizes)\n`,
);
console.log('| class | instances per stream | self KiB per stream | retained KiB per stream |');
console.log('|---|---:|---:|---:|');
for (const row of rows.slice(0, 40))
  console.log(
    `| ${row.kind.replace(/\|/g, '\\|').slice(0, 60)} | ${row.count.toFixed(1)} | ${kib(row.self)} | ${kib(row.retained)} |`,
  );

// What keeps the biggest holders alive: the dominator chain of their largest instance.
console.log(
  '\nDominator chains (largest instance of each top class by retained size per stream):\n',
);
const top = [...rows]
  .filter((row) => row.count >= 0.5)
  .sort((a, b) => b.retained - a.retained)
  .slice(0, 15);
for (const row of top) {
  let best = -1;
  for (let node = 0; node < open.count; node++)
    if (
      open.kind[node] === row.kind &&
      (best === -1 || open.retained[node]! > open.retained[best]!)
    )
      best = node;
  // A typical instance rather than the largest: the median one by retained size.
  const instances: number[] = [];
  for (let node = 0; node < open.count; node++)
    if (open.kind[node] === row.kind && open.retained[node]! > 0) instances.push(node);
  instances.sort((a, b) => open.retained[a]! - open.retained[b]!);
  const typical = instances[Math.floor(instances.length / 2)] ?? best;
  const chain: string[] = [];
  for (let up = typical, depth = 0; up > 0 && depth < 12; up = open.idom[up]!, depth++)
    chain.push(`${open.label(up)} (${kib(open.retained[up]!)} KiB)`);
  console.log(`- ${row.kind}: ${chain.join(' ← ')}`);
}

// `... <streams> walkChain stream`: what a typical instance of each named class holds itself (its
// children in the dominator tree, biggest first).
const ownersFlag = process.argv.indexOf('--owners');
for (const kind of process.argv.slice(5, ownersFlag >= 0 ? ownersFlag : undefined)) {
  const instances: number[] = [];
  for (let node = 0; node < open.count; node++)
    if (open.kind[node] === kind && open.retained[node]! > 0) instances.push(node);
  if (instances.length === 0) continue;
  instances.sort((a, b) => open.retained[a]! - open.retained[b]!);
  const typical = instances[Math.floor(instances.length / 2)]!;
  const children: number[] = [];
  for (let node = 0; node < open.count; node++)
    if (open.idom[node] === typical) children.push(node);
  children.sort((a, b) => open.retained[b]! - open.retained[a]!);
  console.log(
    `\n${kind} (${instances.length} instances; typical retains ${kib(open.retained[typical]!)} KiB) holds:`,
  );
  for (const child of children.slice(0, 15))
    console.log(`  ${kib(open.retained[child]!)} KiB  ${open.label(child)}`);
}

// `... <streams> --owners (closure) (array)`: who holds the instances of a class (their immediate
// dominator's label), summed over every instance, per stream.
const ownersAt = process.argv.indexOf('--owners');
for (const kind of ownersAt >= 0 ? process.argv.slice(ownersAt + 1) : []) {
  const owners = new Map<string, number>();
  for (let node = 0; node < open.count; node++) {
    if (open.kind[node] !== kind || open.retained[node] === 0) continue;
    const owner = open.label(open.idom[node]!);
    owners.set(owner, (owners.get(owner) ?? 0) + open.retained[node]!);
  }
  console.log(`\n${kind} by owner (retained KiB per stream, every instance):`);
  for (const [owner, bytes] of [...owners].sort((a, b) => b[1] - a[1]).slice(0, 15))
    console.log(`  ${kib(bytes / streams)}  ${owner}`);
}
