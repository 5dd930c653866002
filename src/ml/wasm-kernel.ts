/**
 * The hot loops as a tiny WebAssembly SIMD module, assembled here from opcodes so that nothing is
 * downloaded or built. Scoring a ticket adds one weight row of `classes` values per non-zero
 * feature; V8 runs that loop scalar in JavaScript, while wasm SIMD widens 8 int8 weights and does
 * 4 float multiply-adds per instruction (measured ~4x the best JavaScript loop for prediction).
 *
 * score(n, rowStartPtr, columnsPtr, valuesPtr, outPtr, weightsPtr, scalePtr, biasPtr, paddedClasses)
 *   Prediction with 8-bit weights (Int8 [columns × paddedClasses]) and a float scale per column;
 *   out is f32 [n × paddedClasses]. Semantics, which the JavaScript reference in scorer.ts
 *   reproduces bit for bit:
 *     for each row r:  acc[c] = bias[c]  (f32)
 *       for each non-zero k of r, in order:  x = f32(values[k] · scale[col])
 *         acc[c] = f32(acc[c] + f32(f32(w[col][c]) · x))   for every (padded) class c
 *   Every operation is a single IEEE-754 f32 operation (no fused multiply-add in wasm SIMD), so
 *   results do not depend on the engine or the CPU.
 *
 * dot(from, to, columnsPtr, valuesPtr, weightsPtr, outPtr, paddedClasses)
 *   Training's forward pass for one ticket with float32 weights (see training-kernel.ts, network.ts).
 *
 * scatter(from, to, columnsPtr, valuesPtr, weightsPtr, vectorPtr, paddedClasses)
 *   The transpose of dot, the network's sparse weight update (network.ts).
 *
 * All parameters are i32: counts, or byte addresses into the imported memory; paddedClasses is a
 * multiple of 8.
 */

// Value types and instruction opcodes (WebAssembly core + SIMD binary encoding).
const I32 = 0x7f;
const V128 = 0x7b;
const OP = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  f32Load: 0x2a,
  i32Const: 0x41,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Mul: 0x6c,
  i32Shl: 0x74,
  f32Mul: 0x94,
  voidBlock: 0x40,
} as const;
const SIMD_PREFIX = 0xfd;
const SIMD = {
  v128Load: 0x00,
  v128Load8x8S: 0x01,
  v128Store: 0x0b,
  v128Const: 0x0c,
  f32x4Splat: 0x13,
  i32x4ExtendLowI16x8S: 0xa7,
  i32x4ExtendHighI16x8S: 0xa8,
  f32x4Add: 0xe4,
  f32x4Mul: 0xe6,
  f32x4ConvertI32x4S: 0xfa,
} as const;

function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => vec([...s].map((ch) => [ch.charCodeAt(0)]));
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

// Parameters and locals of `score`, by index.
const P = {
  n: 0,
  rowStart: 1,
  columns: 2,
  values: 3,
  out: 4,
  weights: 5,
  scale: 6,
  bias: 7,
  classes: 8,
} as const;
const L = {
  r: 9,
  o: 10,
  k: 11,
  end: 12,
  f: 13,
  w: 14,
  wEnd: 15,
  a: 16,
  j: 17,
  rowBytes: 18,
  x: 19,
  q: 20,
} as const;

/* Tiny assembler: each helper returns the bytes of a few instructions. */
const get = (i: number) => [OP.localGet, i];
const set = (i: number) => [OP.localSet, i];
const tee = (i: number) => [OP.localTee, i];
const i32c = (v: number) => [OP.i32Const, ...sleb(v)];
const mem = (op: number, offset = 0) => [op, 0, ...uleb(offset)]; // alignment hint 0: always valid
const simd = (op: number, ...imm: number[]) => [SIMD_PREFIX, ...uleb(op), ...imm];
const simdMem = (op: number, offset = 0) => simd(op, 0, ...uleb(offset));
const addInto = (local: number, v: number) => [...get(local), ...i32c(v), OP.i32Add, ...set(local)];
const index4 = (base: number, i: number) => [
  ...get(base),
  ...get(i),
  ...i32c(2),
  OP.i32Shl,
  OP.i32Add,
];
// A loop that exits when `a >= b`: block { loop { br_if(a >= b) out; body; br loop } }.
const whileLess = (a: number[], b: number[], body: number[]) => [
  OP.block,
  OP.voidBlock,
  OP.loop,
  OP.voidBlock,
  ...a,
  ...b,
  OP.i32GeU,
  OP.brIf,
  1,
  ...body,
  OP.br,
  0,
  OP.end,
  OP.end,
];

function scoreBody(): number[] {
  // acc[a .. a+16) += convert(extend(q)) · x, low or high half of the 8 widened weights.
  const accumulateHalf = (extend: number, offset: number) => [
    ...get(L.a),
    ...get(L.a),
    ...simdMem(SIMD.v128Load, offset),
    ...get(L.q),
    ...simd(extend),
    ...simd(SIMD.f32x4ConvertI32x4S),
    ...get(L.x),
    ...simd(SIMD.f32x4Mul),
    ...simd(SIMD.f32x4Add),
    ...simdMem(SIMD.v128Store, offset),
  ];

  const perFeature = [
    // f = columns[k]; x = splat(values[k] · scale[f])
    ...index4(P.columns, L.k),
    ...mem(OP.i32Load),
    ...set(L.f),
    ...index4(P.values, L.k),
    ...mem(OP.f32Load),
    ...index4(P.scale, L.f),
    ...mem(OP.f32Load),
    OP.f32Mul,
    ...simd(SIMD.f32x4Splat),
    ...set(L.x),
    // w = weights + f · classes; wEnd = w + classes; a = o
    ...get(P.weights),
    ...get(L.f),
    ...get(P.classes),
    OP.i32Mul,
    OP.i32Add,
    ...tee(L.w),
    ...get(P.classes),
    OP.i32Add,
    ...set(L.wEnd),
    ...get(L.o),
    ...set(L.a),
    ...whileLess(get(L.w), get(L.wEnd), [
      ...get(L.w),
      ...simdMem(SIMD.v128Load8x8S),
      ...set(L.q),
      ...accumulateHalf(SIMD.i32x4ExtendLowI16x8S, 0),
      ...accumulateHalf(SIMD.i32x4ExtendHighI16x8S, 16),
      ...addInto(L.a, 32),
      ...addInto(L.w, 8),
    ]),
    ...addInto(L.k, 1),
  ];

  const perRow = [
    // acc = bias
    ...i32c(0),
    ...set(L.j),
    ...whileLess(get(L.j), get(L.rowBytes), [
      ...get(L.o),
      ...get(L.j),
      OP.i32Add,
      ...get(P.bias),
      ...get(L.j),
      OP.i32Add,
      ...simdMem(SIMD.v128Load),
      ...simdMem(SIMD.v128Store),
      ...addInto(L.j, 16),
    ]),
    // k = rowStart[r]; end = rowStart[r + 1]
    ...index4(P.rowStart, L.r),
    ...tee(L.a),
    ...mem(OP.i32Load),
    ...set(L.k),
    ...get(L.a),
    ...mem(OP.i32Load, 4),
    ...set(L.end),
    ...whileLess(get(L.k), get(L.end), perFeature),
    ...get(L.o),
    ...get(L.rowBytes),
    OP.i32Add,
    ...set(L.o),
    ...addInto(L.r, 1),
  ];

  const code = [
    ...get(P.classes),
    ...i32c(2),
    OP.i32Shl,
    ...set(L.rowBytes),
    ...get(P.out),
    ...set(L.o),
    ...whileLess(get(L.r), get(P.n), perRow),
    OP.end,
  ];
  // Locals after the 9 parameters: 10 × i32, 1 × v128 (x), 1 × v128 (q).
  const locals = vec([
    [...uleb(10), I32],
    [...uleb(1), V128],
    [...uleb(1), V128],
  ]);
  return [...locals, ...code];
}

// Parameters and locals of `dot`, by index.
const DP = { from: 0, to: 1, columns: 2, values: 3, weights: 4, out: 5, classes: 6 } as const;
const DL = { k: 7, w: 8, wEnd: 9, a: 10, rowBytes: 11, x: 12 } as const;

/**
 * The loop `dot` and `scatter` share: for each k in [from, to), x = splat(values[k]), w walks the
 * f32 weight row of columns[k] and a walks the `out` vector alongside, 8 lanes per pass
 * (paddedClasses is a multiple of 8); `lanes(offset)` is what happens to 4 lanes at w/a + offset.
 */
function rowLoop(lanes: (offset: number) => number[]): number[] {
  return [
    ...get(DP.from),
    ...set(DL.k),
    ...whileLess(get(DL.k), get(DP.to), [
      ...index4(DP.values, DL.k),
      ...mem(OP.f32Load),
      ...simd(SIMD.f32x4Splat),
      ...set(DL.x),
      // w = weights + (columns[k] · classes) · 4; wEnd = w + rowBytes
      ...get(DP.weights),
      ...index4(DP.columns, DL.k),
      ...mem(OP.i32Load),
      ...get(DP.classes),
      OP.i32Mul,
      ...i32c(2),
      OP.i32Shl,
      OP.i32Add,
      ...tee(DL.w),
      ...get(DL.rowBytes),
      OP.i32Add,
      ...set(DL.wEnd),
      ...get(DP.out),
      ...set(DL.a),
      ...whileLess(get(DL.w), get(DL.wEnd), [
        ...lanes(0),
        ...lanes(16),
        ...addInto(DL.a, 32),
        ...addInto(DL.w, 32),
      ]),
      ...addInto(DL.k, 1),
    ]),
  ];
}

/** `target[offset] += source[offset] · x` on 4 f32 lanes, target and source being address locals. */
const multiplyAdd = (target: number, source: number) => (offset: number) => [
  ...get(target),
  ...get(target),
  ...simdMem(SIMD.v128Load, offset),
  ...get(source),
  ...simdMem(SIMD.v128Load, offset),
  ...get(DL.x),
  ...simd(SIMD.f32x4Mul),
  ...simd(SIMD.f32x4Add),
  ...simdMem(SIMD.v128Store, offset),
];

/** Locals of `dot` and `scatter` after their 7 parameters: 5 × i32, 1 × v128 (x). */
const rowLoopLocals = () =>
  vec([
    [...uleb(5), I32],
    [...uleb(1), V128],
  ]);

/**
 * dot(from, to, columnsPtr, valuesPtr, weightsPtr, outPtr, paddedClasses): the training-time
 * forward pass for one ticket with float32 weights:
 *   out[c] = Σ_{k in [from, to)} values[k] · W[columns[k]][c]   (f32, in order of k)
 */
function dotBody(): number[] {
  const code = [
    ...get(DP.classes),
    ...i32c(2),
    OP.i32Shl,
    ...set(DL.rowBytes),
    // out = 0
    ...get(DP.out),
    ...set(DL.a),
    ...get(DP.out),
    ...get(DL.rowBytes),
    OP.i32Add,
    ...set(DL.wEnd),
    ...whileLess(get(DL.a), get(DL.wEnd), [
      ...get(DL.a),
      ...simd(SIMD.v128Const, ...new Array<number>(16).fill(0)),
      ...simdMem(SIMD.v128Store),
      ...addInto(DL.a, 16),
    ]),
    ...rowLoop(multiplyAdd(DL.a, DL.w)),
    OP.end,
  ];
  return [...rowLoopLocals(), ...code];
}

/**
 * scatter(from, to, columnsPtr, valuesPtr, weightsPtr, vectorPtr, paddedClasses): training's
 * sparse update, the transpose of `dot` (`out` is the vector here):
 *   W[columns[k]][c] += values[k] · vector[c]   for k in [from, to) and every (padded) c
 */
function scatterBody(): number[] {
  const code = [
    ...get(DP.classes),
    ...i32c(2),
    OP.i32Shl,
    ...set(DL.rowBytes),
    ...rowLoop(multiplyAdd(DL.w, DL.a)),
    OP.end,
  ];
  return [...rowLoopLocals(), ...code];
}

/** The module's bytes: imports env.memory, exports `score` (8-bit, batched), `dot` and `scatter` (f32, one row). */
export function kernelModuleBytes(): Uint8Array {
  const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const i32s = (n: number) => vec(Array.from({ length: n }, () => [I32]));
  const types = section(
    1,
    vec([
      [0x60, ...i32s(9), ...vec([])],
      [0x60, ...i32s(7), ...vec([])],
    ]),
  );
  const imports = section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(1)]]));
  const functions = section(3, vec([uleb(0), uleb(1), uleb(1)]));
  const exports = section(
    7,
    vec([
      [...name('score'), 0x00, ...uleb(0)],
      [...name('dot'), 0x00, ...uleb(1)],
      [...name('scatter'), 0x00, ...uleb(2)],
    ]),
  );
  const bodies = [scoreBody(), dotBody(), scatterBody()];
  const code = section(10, vec(bodies.map((body) => [...uleb(body.length), ...body])));
  return Uint8Array.from([...header, ...types, ...imports, ...functions, ...exports, ...code]);
}

export type DotFunction = (
  from: number,
  to: number,
  columns: number,
  values: number,
  weights: number,
  out: number,
  paddedClasses: number,
) => void;
/** Same parameters as DotFunction, `out` being the vector added into the weight rows. */
export type ScatterFunction = DotFunction;

export type ScoreFunction = (
  n: number,
  rowStart: number,
  columns: number,
  values: number,
  out: number,
  weights: number,
  scale: number,
  bias: number,
  paddedClasses: number,
) => void;

/*
 * The project compiles against ES2023 + Node types, which do not declare the WebAssembly global;
 * these are the few members used here.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}
const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/** Bytes per WebAssembly memory page. */
export const WASM_PAGE = 65536;

let compiled: object | null | undefined;

/** The compiled module, or null where WebAssembly SIMD is unavailable (then JavaScript scores). */
function kernelModule(): object | null {
  if (compiled === undefined) {
    const bytes = kernelModuleBytes();
    compiled = wasm !== undefined && wasm.validate(bytes) ? new wasm.Module(bytes) : null;
  }
  return compiled;
}

export interface KernelInstance {
  memory: WasmMemory;
  score: ScoreFunction;
  dot: DotFunction;
  scatter: ScatterFunction;
}

/** A fresh kernel instance over its own memory of `pages` pages, or null without wasm SIMD. */
export function instantiateKernel(pages: number): KernelInstance | null {
  const module = kernelModule();
  if (module === null || wasm === undefined) return null;
  const memory = new wasm.Memory({ initial: pages });
  const instance = new wasm.Instance(module, { env: { memory } });
  return {
    memory,
    score: instance.exports['score'] as ScoreFunction,
    dot: instance.exports['dot'] as DotFunction,
    scatter: instance.exports['scatter'] as ScatterFunction,
  };
}
