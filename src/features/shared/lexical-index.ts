/**
 * Lexical retrieval with no model and no network: Okapi BM25, the one scorer behind every lexical
 * index of the service (the assistant's passages, routing's labelled examples, the runbook
 * catalog). How a text becomes terms is the caller's choice: `terms` below by default, the
 * runbook's own analysis (phrases, synonyms) for its catalog.
 *
 * Besides the BM25 score, every LexicalIndex hit carries its coverage — the share of the query's
 * information (IDF-weighted terms) that the passage contains — so a caller can tell "the best of a
 * bad lot" from an actual match: BM25 always ranks something first, coverage says whether it is
 * enough.
 */

// Function words and question words carry no topic; dropping them keeps coverage about content.
const STOP_WORDS = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below between both but by can could ' +
    'did do does doing down during each few for from further had has have having he her here hers him his how i if in into is it its ' +
    'itself just me more most my no nor not now of off on once only or other our ours out over own same she should so some such than ' +
    'that the their theirs them then there these they this those through to too under until up very was we were what when where which ' +
    'while who whom why will with would you your yours tell know please us get got also anything thing things happen happened happening ' +
    'exactly actually really say said many much often'
  ).split(' '),
);

/** A light suffix stripper: enough to match deploy/deployed/deploys, replica/replicas, cause/caused. */
export function stem(word: string): string {
  let w = word;
  if (w.length <= 3 || /^\d/.test(w)) return w;
  let verb = false;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('ing') && w.length > 5) [w, verb] = [w.slice(0, -3), true];
  else if (w.endsWith('ed') && w.length > 4) [w, verb] = [w.slice(0, -2), true];
  else if (w.endsWith('s') && !/(?:ss|us|is)$/.test(w)) w = w.slice(0, -1);
  // running → runn → run, stopped → stopp → stop; but rolled → roll, added → add.
  if (verb && w.length > 3 && /([b-df-hj-kmnp-rtv-z])\1$/.test(w) && !/(?:ll|ss|zz)$/.test(w))
    w = w.slice(0, -1);
  if (w.endsWith('e') && w.length > 4) w = w.slice(0, -1);
  return w;
}

/** Lower-cased, accent-free content terms, stemmed. */
export function terms(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 1 && !STOP_WORDS.has(word))
    .map(stem);
}

export interface Bm25Options {
  /** Term-frequency saturation: how much a second, third... occurrence still adds. */
  k1: number;
  /** Length normalisation: 0 ignores document length, 1 fully normalises by it. */
  b: number;
}

export const DEFAULT_BM25: Bm25Options = { k1: 1.2, b: 0.75 };

/** How a text becomes the terms BM25 counts, in order, repeats kept. */
export type Analyzer = (text: string) => string[];

export interface Scored<T> {
  item: T;
  /** BM25 score: comparable only within one query. */
  score: number;
  /** The distinct query terms (analysed) that the item contains, in query order. */
  matched: string[];
}

/** An in-memory Okapi BM25 index over a fixed list of items. */
export class Bm25Index<T> {
  private readonly documents: { item: T; frequencies: Map<string, number>; length: number }[];
  private readonly documentFrequency = new Map<string, number>();
  private readonly averageLength: number;

  constructor(
    items: readonly T[],
    textOf: (item: T) => string,
    private readonly analyze: Analyzer = terms,
    private readonly options: Bm25Options = DEFAULT_BM25,
  ) {
    this.documents = items.map((item) => {
      const words = analyze(textOf(item));
      const frequencies = new Map<string, number>();
      for (const word of words) frequencies.set(word, (frequencies.get(word) ?? 0) + 1);
      for (const word of frequencies.keys())
        this.documentFrequency.set(word, (this.documentFrequency.get(word) ?? 0) + 1);
      return { item, frequencies, length: words.length };
    });
    this.averageLength =
      this.documents.reduce((sum, document) => sum + document.length, 0) /
      Math.max(1, this.documents.length);
  }

  get size(): number {
    return this.documents.length;
  }

  /**
   * Robertson–Spärck Jones IDF with the +1 that keeps it positive for very common terms. A term no
   * item holds gets the highest value: it is what the items lack.
   */
  idf(term: string): number {
    const n = this.documentFrequency.get(term) ?? 0;
    return Math.log(1 + (this.documents.length - n + 0.5) / (n + 0.5));
  }

  /**
   * Every item with its score for the weighted query terms, best first (ties keep item order).
   * `scoredOnly` leaves out the items the query does not score, for callers that only want hits.
   */
  rank(
    weights: ReadonlyMap<string, number>,
    { scoredOnly = false }: { scoredOnly?: boolean } = {},
  ): Scored<T>[] {
    const { k1, b } = this.options;
    const ranked: (Scored<T> & { order: number })[] = [];
    this.documents.forEach((document, order) => {
      let score = 0;
      const matched: string[] = [];
      for (const [term, weight] of weights) {
        const frequency = document.frequencies.get(term);
        if (!frequency) continue;
        score +=
          weight *
          this.idf(term) *
          ((frequency * (k1 + 1)) /
            (frequency + k1 * (1 - b + (b * document.length) / (this.averageLength || 1))));
        matched.push(term);
      }
      if (score > 0 || !scoredOnly) ranked.push({ item: document.item, score, matched, order });
    });
    ranked.sort((left, right) => right.score - left.score || left.order - right.order);
    return ranked.map(({ item, score, matched }) => ({ item, score, matched }));
  }

  /** Every item with its score for a query text, best first (ties keep item order). */
  search(query: string): Scored<T>[] {
    // Each distinct query term counts once: "restart, restart the pods" is not twice as relevant.
    return this.rank(new Map([...new Set(this.analyze(query))].map((term) => [term, 1])));
  }
}

export interface Passage<Meta> {
  text: string;
  meta: Meta;
}

export interface Hit<Meta> {
  passage: Passage<Meta>;
  /** BM25 score: comparable only within one query. */
  score: number;
  /** Share (0 to 1) of the query's IDF-weighted terms that the passage contains. */
  coverage: number;
}

export interface QueryPart {
  text: string;
  /** How much this part counts in ranking; coverage is measured on parts with `counts: true` only. */
  weight: number;
  counts: boolean;
}

/** BM25 over short passages, analysed by `terms`, with each hit's coverage of the query. */
export class LexicalIndex<Meta> {
  private readonly index: Bm25Index<Passage<Meta>>;

  constructor(passages: readonly Passage<Meta>[]) {
    this.index = new Bm25Index(passages, (passage) => passage.text);
  }

  get size(): number {
    return this.index.size;
  }

  idf(term: string): number {
    return this.index.idf(term);
  }

  /** Every passage sharing a term with the query, best first (ties keep passage order). */
  search(query: readonly QueryPart[]): Hit<Meta>[] {
    const weights = new Map<string, number>();
    const counted = new Set<string>();
    for (const part of query) {
      for (const term of new Set(terms(part.text))) {
        weights.set(term, Math.max(weights.get(term) ?? 0, part.weight));
        if (part.counts) counted.add(term);
      }
    }
    const countedMass = [...counted].reduce((sum, term) => sum + this.idf(term), 0);
    return this.index.rank(weights, { scoredOnly: true }).map(({ item, score, matched }) => {
      const covered = matched
        .filter((term) => counted.has(term))
        .reduce((sum, term) => sum + this.idf(term), 0);
      return { passage: item, score, coverage: countedMass > 0 ? covered / countedMass : 0 };
    });
  }
}

/**
 * Splits a long text into passages of at most `max` characters: paragraphs first, then lines,
 * then sentences, so a quoted passage reads as a unit (a runbook step, a paragraph).
 */
export function passagesOf(text: string, max = 500): string[] {
  const pieces: string[] = [];
  const pack = (units: string[], joiner: string) => {
    let current = '';
    for (const unit of units) {
      if (current && current.length + joiner.length + unit.length > max) {
        pieces.push(current);
        current = '';
      }
      current = current ? `${current}${joiner}${unit}` : unit;
    }
    if (current) pieces.push(current);
  };
  for (const paragraph of text
    .split(/\n\s*\n/)
    .map((part) => part.trim())
    .filter(Boolean)) {
    if (paragraph.length <= max) {
      pieces.push(paragraph);
      continue;
    }
    for (const line of paragraph
      .split('\n')
      .map((part) => part.trim())
      .filter(Boolean)) {
      if (line.length <= max) pieces.push(line);
      else pack(line.split(/(?<=[.!?])\s+/), ' ');
    }
  }
  // A sentence longer than `max` stays whole rather than being cut mid-word.
  return pieces;
}
