/**
 * The stored form of a trained router: one compact, versioned byte string for a bytea column.
 *
 * Layout (little-endian, sections 4-byte aligned so they can be copied straight into typed arrays):
 *
 *   0   "TKRT"                 magic
 *   4   u16 format version     (FORMAT_VERSION; readers reject versions they do not know)
 *   6   u16 reserved (0)
 *   8   u32 header length H    UTF-8 JSON: labels, threshold, temperature, topK, metrics,
 *                              feature options, column and class counts, hidden units (0: no
 *                              network), blend weights
 *   12  u32 CRC-32             of every byte from offset 16 to the end
 *   16  header JSON, zero-padded to a multiple of 4
 *       Int32[K]   kept feature buckets (ascending)
 *       Float32[K] idf per column
 *       Float32[K] weight scale per column
 *       Float32[C] bias per category
 *       Int8[K·C]  weights, feature-major
 *     when hidden units U > 0 (the network):
 *       Float32[K] hidden-layer scale per column, Float32[U] hidden bias, Int8[K·U] hidden weights
 *       Float32[U] output scale per unit, Float32[C] output bias, Int8[U·C] output weights
 *
 * Weights are already 8-bit in the trained model (quantize.ts), so deserialising gives a router
 * that predicts exactly as the one serialised. About 15 MB for 150 categories × 70k columns with
 * a 64-unit network. Version 1 (a linear model, no network and no blend fields) is still read.
 */
import { DEFAULT_FEATURE_OPTIONS, TicketVectorizer, type FeatureOptions } from './features.js';
import type { QuantizedNetwork } from './network-scorer.js';
import type { QuantizedWeights } from './quantize.js';
import { TicketRouter, type RouterMetrics, type TrainedRouter } from './router.js';

const MAGIC = [0x54, 0x4b, 0x52, 0x54]; // "TKRT": ticket router
export const FORMAT_VERSION = 2;
/** Versions deserializeRouter reads: 1 stored linear models only. */
const READABLE_VERSIONS: readonly number[] = [1, 2];
const FIXED_HEADER = 16;

interface StoredHeader {
  labels: string[];
  threshold: number;
  temperature: number;
  topK: number;
  /** NaN metrics (no held-out data) are stored as null, which JSON can carry. */
  metrics: { [K in keyof RouterMetrics]: number | null };
  features: FeatureOptions;
  columns: number;
  classes: number;
  /** Hidden units of the network; 0 (or absent, version 1) for a linear model alone. */
  hidden?: number;
  /** Absent in version 1: the linear scores alone, weight 1. */
  blend?: { linear: number; network: number };
}

export class RouterFormatError extends Error {
  override readonly name = 'RouterFormatError';
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function serializeRouter(model: TrainedRouter): Uint8Array {
  if (!(model instanceof TicketRouter))
    throw new TypeError('serializeRouter: not a router made by trainRouter or deserializeRouter');
  if (!LITTLE_ENDIAN)
    throw new RouterFormatError('router format: big-endian platforms are not supported');
  const { vectorizer, weights, network, blend, labels, temperature, threshold, topK, metrics } =
    model.parts;
  const header: StoredHeader = {
    labels: [...labels],
    threshold,
    temperature,
    topK,
    metrics: Object.fromEntries(
      Object.entries(metrics).map(([k, v]) => [
        k,
        typeof v === 'number' && Number.isNaN(v) ? null : v,
      ]),
    ) as StoredHeader['metrics'],
    features: { ...vectorizer.options },
    columns: weights.columns,
    classes: weights.classes,
    hidden: network ? network.hidden.classes : 0,
    blend: { ...blend },
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const K = weights.columns;
  const C = weights.classes;
  const sections: Uint8Array[] = [
    bytesOf(vectorizer.keptBuckets),
    bytesOf(vectorizer.idf),
    bytesOf(weights.rowScale),
    bytesOf(weights.bias),
    bytesOf(weights.weights),
    ...(network
      ? [network.hidden, network.output].flatMap((layer) => [
          bytesOf(layer.rowScale),
          bytesOf(layer.bias),
          bytesOf(layer.weights),
        ])
      : []),
  ];
  let size = FIXED_HEADER + align4(json.length);
  for (const s of sections) size += align4(s.length);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint16(4, FORMAT_VERSION, true);
  view.setUint16(6, 0, true);
  view.setUint32(8, json.length, true);
  let at = FIXED_HEADER;
  out.set(json, at);
  at += align4(json.length);
  for (const s of sections) {
    out.set(s, at);
    at += align4(s.length);
  }
  view.setUint32(12, crc32(out, FIXED_HEADER, out.length), true);
  if (K * C !== weights.weights.length)
    throw new Error('serializeRouter: inconsistent weight matrix');
  return out;
}

export function deserializeRouter(bytes: Uint8Array): TrainedRouter {
  if (!LITTLE_ENDIAN)
    throw new RouterFormatError('router format: big-endian platforms are not supported');
  if (bytes.length < FIXED_HEADER || MAGIC.some((b, i) => bytes[i] !== b))
    throw new RouterFormatError('router format: not a serialised ticket router');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(4, true);
  if (!READABLE_VERSIONS.includes(version))
    throw new RouterFormatError(
      `router format: version ${version} is not supported (expected ${FORMAT_VERSION})`,
    );
  if (view.getUint32(12, true) !== crc32(bytes, FIXED_HEADER, bytes.length))
    throw new RouterFormatError('router format: checksum mismatch (corrupted bytes)');
  const jsonLength = view.getUint32(8, true);
  let at = FIXED_HEADER;
  const header = parseHeader(bytes.subarray(at, at + jsonLength));
  at += align4(jsonLength);
  const K = header.columns;
  const C = header.classes;
  const take = (length: number): ArrayBuffer => {
    if (at + length > bytes.length) throw new RouterFormatError('router format: truncated');
    // Copy into a fresh buffer: the input may be a view at any offset (a pg Buffer from a pool).
    const copy = new Uint8Array(length);
    copy.set(bytes.subarray(at, at + length));
    at += align4(length);
    return copy.buffer;
  };
  const keptBuckets = new Int32Array(take(4 * K));
  const idf = new Float32Array(take(4 * K));
  const rowScale = new Float32Array(take(4 * K));
  const bias = new Float32Array(take(4 * C));
  const q = new Int8Array(take(K * C));
  const U = header.hidden ?? 0;
  const layer = (columns: number, classes: number): QuantizedWeights => {
    const rowScale = new Float32Array(take(4 * columns));
    const bias = new Float32Array(take(4 * classes));
    return { columns, classes, rowScale, bias, weights: new Int8Array(take(columns * classes)) };
  };
  const network: QuantizedNetwork | null =
    U > 0 ? { hidden: layer(K, U), output: layer(U, C) } : null;
  if (at !== bytes.length) throw new RouterFormatError('router format: unexpected trailing bytes');

  let vectorizer: TicketVectorizer;
  try {
    vectorizer = new TicketVectorizer(header.features, keptBuckets, idf);
  } catch (error) {
    throw new RouterFormatError(`router format: ${(error as Error).message}`);
  }
  const weights: QuantizedWeights = { classes: C, columns: K, weights: q, rowScale, bias };
  const m = header.metrics;
  const metrics: RouterMetrics = {
    heldoutAccuracy: m.heldoutAccuracy ?? Number.NaN,
    expectedCalibrationError: m.expectedCalibrationError ?? Number.NaN,
    trainedOn: m.trainedOn ?? 0,
    trainingMs: m.trainingMs ?? 0,
    heldoutTickets: m.heldoutTickets ?? 0,
    heldoutUnknownRecall: m.heldoutUnknownRecall,
  };
  return new TicketRouter({
    labels: header.labels,
    vectorizer,
    weights,
    network,
    blend: header.blend ?? { linear: 1, network: 0 },
    temperature: header.temperature,
    threshold: header.threshold,
    topK: header.topK,
    metrics,
  });
}

function parseHeader(json: Uint8Array): StoredHeader {
  let h: StoredHeader;
  try {
    h = JSON.parse(new TextDecoder().decode(json)) as StoredHeader;
  } catch {
    throw new RouterFormatError('router format: unreadable header');
  }
  const ok =
    Array.isArray(h.labels) &&
    h.labels.every((l) => typeof l === 'string') &&
    Number.isInteger(h.classes) &&
    h.classes === h.labels.length &&
    Number.isInteger(h.columns) &&
    h.columns >= 0 &&
    typeof h.threshold === 'number' &&
    typeof h.temperature === 'number' &&
    h.temperature > 0 &&
    Number.isInteger(h.topK) &&
    typeof h.features === 'object' &&
    h.features !== null &&
    Object.entries(DEFAULT_FEATURE_OPTIONS).every(
      ([k, v]) => typeof (h.features as unknown as Record<string, unknown>)[k] === typeof v,
    ) &&
    Number.isInteger(h.features.hashBits) &&
    h.features.hashBits >= 8 &&
    h.features.hashBits <= 24 &&
    typeof h.metrics === 'object' &&
    h.metrics !== null &&
    (h.hidden === undefined || (Number.isInteger(h.hidden) && h.hidden >= 0)) &&
    (h.blend === undefined ||
      (typeof h.blend === 'object' &&
        h.blend !== null &&
        typeof h.blend.linear === 'number' &&
        typeof h.blend.network === 'number'));
  if (!ok) throw new RouterFormatError('router format: invalid header');
  return h;
}

function bytesOf(array: Int32Array | Float32Array | Int8Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

let CRC_TABLE: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3), to tell a corrupted or truncated blob from a model. */
export function crc32(bytes: Uint8Array, from = 0, to = bytes.length): number {
  if (!CRC_TABLE) {
    CRC_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c >>> 0;
    }
  }
  const table = CRC_TABLE;
  let crc = 0xffffffff;
  for (let i = from; i < to; i++) crc = table[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
