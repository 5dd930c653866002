/**
 * Exact-match cache of deterministic answers (temperature 0): same account, target, messages and
 * output format give the same text. An LRU bounded by bytes, so a few huge answers cannot crowd
 * memory; a Map's insertion order doubles as recency order.
 */
import { createHash } from 'node:crypto';

export interface CachedAnswer {
  chunks: string[];
  finishReason: 'stop' | 'length' | 'content-filter' | 'error' | 'other';
  inputTokens: number;
  outputTokens: number;
}

export class ResponseCache {
  private readonly entries = new Map<string, { answer: CachedAnswer; bytes: number }>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  static key(parts: unknown): string {
    return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
  }

  get(key: string): CachedAnswer | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.answer;
  }

  set(key: string, answer: CachedAnswer): void {
    // UTF-16 code units, two bytes each: an upper bound of what the strings hold.
    const bytes = answer.chunks.reduce((sum, chunk) => sum + chunk.length * 2, 0) + 128;
    if (bytes > this.maxBytes) return;
    const existing = this.entries.get(key);
    if (existing) {
      this.bytes -= existing.bytes;
      this.entries.delete(key);
    }
    this.entries.set(key, { answer, bytes });
    this.bytes += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
