/**
 * TF-IDF features for ticket text, in three blocks:
 *  - words: unigrams and adjacent bigrams (what the ticket is about);
 *  - pairs: ordered word pairs a few positions apart ("cancel … order", "card … declined"), which
 *    a bag of words loses and short tickets rarely state adjacently;
 *  - characters: n-grams inside space-padded words, robust to typos, plurals and word forms a
 *    small training set never shows.
 * Every feature is hashed into a fixed bucket space (one range per block, so blocks never
 * collide); fitting keeps only the buckets seen in enough training tickets and numbers them as
 * columns, so the weight matrix is as small as the training vocabulary while extraction builds no
 * strings.
 *
 * Each block is L2-normalised on its own and then weighted, as a union of separate TF-IDF
 * vectorisers would be: a long word's many character n-grams would otherwise drown the words.
 */
import type { SparseRows } from './sparse.js';

export interface FeatureOptions {
  /** Bucket space is 2^hashBits: a quarter for words, a quarter for pairs, half for characters. */
  hashBits: number;
  /** Longest word n-gram: 1 = unigrams only, 2 = also adjacent bigrams. */
  wordNgramMax: 1 | 2;
  /** Ordered word pairs 2..pairWindow positions apart; below 2 disables the block. */
  pairWindow: number;
  /** Weight of the (unit-length) pair block against the (unit-length) word block. */
  pairWeight: number;
  /** Character n-gram lengths inside each space-padded word; charNgramMax 0 disables the block. */
  charNgramMin: number;
  charNgramMax: number;
  /** Weight of the (unit-length) character block against the (unit-length) word block. */
  charWeight: number;
  /** A bucket becomes a column only if at least this many training tickets contain it. */
  minDf: number;
}

/** Chosen on CLINC150's validation split (bench/results/2026-11-22-routing-clinc150.md); differences of ±0.2 point are noise there. */
export const DEFAULT_FEATURE_OPTIONS: Readonly<FeatureOptions> = {
  hashBits: 20,
  wordNgramMax: 2,
  pairWindow: 6,
  pairWeight: 0.7,
  charNgramMin: 2,
  charNgramMax: 5,
  charWeight: 1.3,
  minDf: 2,
};

/** Feature blocks, in bucket-range order. */
const BLOCK_WORD = 0;
const BLOCK_PAIR = 1;
const BLOCK_CHAR = 2;
const BLOCKS = 3;

/*
 * String hashing. Features are never stored as strings: a word, a word pair or a character n-gram
 * becomes a 32-bit hash and its low bits pick a bucket, which keeps extraction allocation-free.
 * (These helpers live in this module on purpose: under tsx and vitest, calls to another module's
 * exports go through getters, which cost more than the hashing itself in this loop.)
 */
const FNV_OFFSET = 0x811c9dc5;

/** One FNV-1a step: folds a UTF-16 code unit into a running hash. Feeding characters one by one
 *  gives the hash of every prefix on the way, so all n-gram lengths at a start cost one pass. */
function fnvStep(hash: number, code: number): number {
  return Math.imul(hash ^ code, 0x01000193);
}

/** Murmur3's finaliser: FNV's low bits are weak, and buckets are taken from the low bits. */
function mix32(hash: number): number {
  let h = hash;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Combines two hashes into one for an ordered pair (bigrams, word pairs). */
function combineHashes(a: number, b: number): number {
  return mix32(Math.imul(a, 0x9e3779b1) ^ b);
}

/* Distinct seeds and salts keep unigrams, bigrams, pairs and character n-grams of equal text apart. */
const WORD_SEED = FNV_OFFSET;
const CHAR_SEED = 0x9747b28c;
const BIGRAM_SALT = 0x5bd1e995;
const PAIR_SALT = 0x27d4eb2f;
/** Padding marks word starts and ends inside character n-grams, as "char_wb" analysers do. */
const PAD = 0x20;

/** Non-ASCII letters, digits and combining marks count as word characters too. */
const UNICODE_WORD_CHAR = /^[\p{L}\p{N}\p{M}]$/u;
const APOSTROPHE = 0x27;

function isAsciiWordChar(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) ||
    (code >= 0x30 && code <= 0x39) ||
    (code >= 0x41 && code <= 0x5a)
  );
}

/** Code units taken by the word character at i (2 for an astral letter), or 0 if it is none. */
function wordCharLength(text: string, i: number): number {
  const code = text.charCodeAt(i);
  if (code < 0x80) return isAsciiWordChar(code) ? 1 : 0;
  const cp = text.codePointAt(i)!;
  return UNICODE_WORD_CHAR.test(String.fromCodePoint(cp)) ? (cp > 0xffff ? 2 : 1) : 0;
}

/** First bucket of each block, plus the end of the space. */
function blockStarts(hashBits: number): [number, number, number, number] {
  // Tables of 2^hashBits entries are allocated per vectorizer: keep them between 1 KB and 64 MB.
  if (!Number.isInteger(hashBits) || hashBits < 8 || hashBits > 24)
    throw new RangeError('features: hashBits must be an integer in [8, 24]');
  const size = 2 ** hashBits;
  return [0, size / 4, size / 2, size];
}

/**
 * Turns one (already normalised) text into bucket ids. Words are runs of letters and digits,
 * keeping inner apostrophes ("what's", "don't"); the scan is by character code, because a
 * Unicode regex per ticket was the slowest part of prediction. A feature occurring twice is
 * emitted twice: term frequency is counted by the caller. Reuses its buffers between texts.
 */
export class FeatureHasher {
  /** Bucket ids of the last text hashed, in [0, length). */
  buckets = new Int32Array(1024);
  length = 0;
  private recent = new Int32Array(64);
  private readonly pairStart: number;
  private readonly charStart: number;

  constructor(private readonly options: Readonly<FeatureOptions>) {
    [, this.pairStart, this.charStart] = blockStarts(options.hashBits);
  }

  hash(text: string): void {
    this.length = 0;
    let words = 0;
    const n = text.length;
    let i = 0;
    while (i < n) {
      let step = wordCharLength(text, i);
      if (step === 0) {
        i++;
        continue;
      }
      const start = i;
      while (step > 0) {
        i += step;
        step = i < n ? wordCharLength(text, i) : 0;
        // An apostrophe between word characters stays inside the word.
        if (
          step === 0 &&
          i + 1 < n &&
          text.charCodeAt(i) === APOSTROPHE &&
          wordCharLength(text, i + 1) > 0
        )
          step = 1;
      }
      this.word(text, start, i, words++);
    }
  }

  private word(text: string, from: number, to: number, index: number): void {
    const { wordNgramMax, pairWindow, charNgramMin, charNgramMax } = this.options;
    const quarterMask = this.pairStart - 1;
    const halfMask = this.charStart - 1;
    let h = WORD_SEED;
    for (let i = from; i < to; i++) h = fnvStep(h, text.charCodeAt(i));
    const wordHash = mix32(h) | 0;
    // Room for this word's features: 2 word features, pairs, and ≤ charNgramMax per padded position.
    this.reserve(2 + pairWindow + (to - from + 2) * charNgramMax);
    const out = this.buckets;
    let at = this.length;
    out[at++] = wordHash & quarterMask;
    if (index >= this.recent.length) {
      const grown = new Int32Array(this.recent.length * 2);
      grown.set(this.recent);
      this.recent = grown;
    }
    const recent = this.recent;
    if (wordNgramMax >= 2 && index > 0)
      out[at++] = combineHashes(recent[index - 1]! ^ BIGRAM_SALT, wordHash) & quarterMask;
    for (let back = 2; back <= pairWindow && back <= index; back++) {
      out[at++] =
        this.pairStart + (combineHashes(recent[index - back]! ^ PAIR_SALT, wordHash) & quarterMask);
    }
    recent[index] = wordHash;

    // Positions run over " word ": from - 1 and to are the padding. Feeding characters one at a
    // time yields the hash of every n-gram length at this start in a single pass.
    if (charNgramMax > 0) {
      for (let start = from - 1; start <= to; start++) {
        let ch = CHAR_SEED;
        for (let len = 1; len <= charNgramMax; len++) {
          const pos = start + len - 1;
          if (pos > to) break;
          ch = fnvStep(ch, pos < from || pos === to ? PAD : text.charCodeAt(pos));
          if (len >= charNgramMin) out[at++] = this.charStart + (mix32(ch) & halfMask);
        }
      }
    }
    this.length = at;
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buckets.length) return;
    const grown = new Int32Array(Math.max(this.buckets.length * 2, this.length + extra));
    grown.set(this.buckets.subarray(0, this.length));
    this.buckets = grown;
  }
}

/** Bucket ids of one text (convenience for tests and tools; the vectorizer reuses a hasher). */
export function hashFeatures(text: string, options: Readonly<FeatureOptions>): Int32Array {
  const hasher = new FeatureHasher(options);
  hasher.hash(text);
  return hasher.buckets.slice(0, hasher.length);
}

/** Fitted feature space: which buckets are columns, and each column's inverse document frequency. */
export class TicketVectorizer {
  readonly options: Readonly<FeatureOptions>;
  /** Sorted bucket ids that are columns; column i is keptBuckets[i]. */
  readonly keptBuckets: Int32Array;
  readonly idf: Float32Array;
  private readonly columnOf: Int32Array;
  private readonly columnBlock: Uint8Array;
  private readonly blockWeight: Float64Array;
  // Scratch space reused across calls (prediction is synchronous, so sharing is safe).
  private readonly hasher: FeatureHasher;
  private readonly counts: Int32Array;
  private readonly norms = new Float64Array(BLOCKS);
  private readonly scales = new Float64Array(BLOCKS);

  constructor(options: Readonly<FeatureOptions>, keptBuckets: Int32Array, idf: Float32Array) {
    if (keptBuckets.length !== idf.length)
      throw new Error('vectorizer: one idf per kept bucket is required');
    this.options = options;
    this.keptBuckets = keptBuckets;
    this.idf = idf;
    const starts = blockStarts(options.hashBits);
    const size = starts[3];
    this.columnOf = new Int32Array(size).fill(-1);
    this.columnBlock = new Uint8Array(keptBuckets.length);
    for (let c = 0; c < keptBuckets.length; c++) {
      const b = keptBuckets[c]!;
      if (b < 0 || b >= size || (c > 0 && b <= keptBuckets[c - 1]!))
        throw new Error('vectorizer: buckets must be sorted and in range');
      this.columnOf[b] = c;
      this.columnBlock[c] = b >= starts[2] ? BLOCK_CHAR : b >= starts[1] ? BLOCK_PAIR : BLOCK_WORD;
    }
    this.blockWeight = Float64Array.of(1, options.pairWeight, options.charWeight);
    this.hasher = new FeatureHasher(options);
    this.counts = new Int32Array(keptBuckets.length);
  }

  get columnCount(): number {
    return this.keptBuckets.length;
  }

  /** Counts document frequencies over the training texts and keeps buckets with df >= minDf. */
  static fit(
    texts: readonly string[],
    options: Readonly<FeatureOptions> = DEFAULT_FEATURE_OPTIONS,
  ): TicketVectorizer {
    const size = 2 ** options.hashBits;
    const df = new Int32Array(size);
    const lastSeen = new Int32Array(size).fill(-1);
    const hasher = new FeatureHasher(options);
    for (let d = 0; d < texts.length; d++) {
      hasher.hash(texts[d]!);
      const { buckets, length } = hasher;
      for (let i = 0; i < length; i++) {
        const b = buckets[i]!;
        if (lastSeen[b] !== d) {
          lastSeen[b] = d;
          df[b]!++;
        }
      }
    }
    const minDf = Math.max(1, options.minDf);
    let kept = 0;
    for (let b = 0; b < size; b++) if (df[b]! >= minDf) kept++;
    const keptBuckets = new Int32Array(kept);
    const idf = new Float32Array(kept);
    const n = texts.length;
    let c = 0;
    for (let b = 0; b < size; b++) {
      const f = df[b]!;
      if (f < minDf) continue;
      keptBuckets[c] = b;
      // Smoothed idf, as if one extra document contained every term: never zero, never infinite.
      idf[c] = Math.log((1 + n) / (1 + f)) + 1;
      c++;
    }
    return new TicketVectorizer(options, keptBuckets, idf);
  }

  /** Normalised texts to TF-IDF rows (sublinear tf, per-block L2 norm, block weights). */
  transform(texts: readonly string[]): SparseRows {
    const rowStart = new Int32Array(texts.length + 1);
    let columns = new Int32Array(Math.max(256, texts.length * 160));
    let values = new Float32Array(columns.length);
    let at = 0;
    for (let d = 0; d < texts.length; d++) {
      this.hasher.hash(texts[d]!);
      const need = at + this.hasher.length;
      if (need > columns.length) {
        const grown = Math.max(need, columns.length * 2);
        const nc = new Int32Array(grown);
        nc.set(columns.subarray(0, at));
        const nv = new Float32Array(grown);
        nv.set(values.subarray(0, at));
        columns = nc;
        values = nv;
      }
      at = this.writeRow(columns, values, at);
      rowStart[d + 1] = at;
    }
    return { rowStart, columns: columns.slice(0, at), values: values.slice(0, at) };
  }

  /** Writes the row for the text last hashed from `start`; returns the new end offset. */
  private writeRow(columns: Int32Array, values: Float32Array, start: number): number {
    const { counts, columnOf, columnBlock, idf, norms, scales, blockWeight } = this;
    const { buckets, length } = this.hasher;
    // Term frequencies by column; each column is emitted once, the first time it is seen.
    let end = start;
    for (let i = 0; i < length; i++) {
      const col = columnOf[buckets[i]!]!;
      if (col < 0) continue;
      const seen = counts[col]!;
      counts[col] = seen + 1;
      if (seen === 0) columns[end++] = col;
    }
    norms.fill(0);
    for (let i = start; i < end; i++) {
      const col = columns[i]!;
      const tf = counts[col]!;
      counts[col] = 0;
      const v = tf === 1 ? idf[col]! : (1 + Math.log(tf)) * idf[col]!;
      values[i] = v;
      norms[columnBlock[col]!]! += v * v;
    }
    for (let k = 0; k < BLOCKS; k++)
      scales[k] = norms[k]! > 0 ? blockWeight[k]! / Math.sqrt(norms[k]!) : 0;
    for (let i = start; i < end; i++) values[i]! *= scales[columnBlock[columns[i]!]!]!;
    return end;
  }
}
