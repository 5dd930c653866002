/**
 * Restorers for a model's answer, fed delta by delta. Prose goes through the redaction's
 * `StreamRestorer` (it never cuts a placeholder in half). A structured (JSON) answer is held until
 * it is complete and restored value by value, so an original is written back JSON-escaped and the
 * answer still parses. Each restorer keeps the answer as received (placeholders and all), which is
 * what the audit log may store.
 */
import type { Restorable } from '../pii/index.js';

export interface AnswerRestorer {
  push(delta: string): string;
  flush(): string;
  /** The answer as the provider sent it, so far. */
  readonly received: string;
}

/** For a target that was sent the raw text: nothing to restore. */
export function passThrough(): AnswerRestorer {
  let received = '';
  return {
    push: (delta) => {
      received += delta;
      return delta;
    },
    flush: () => '',
    get received() {
      return received;
    },
  };
}

export function proseRestorer(redaction: Restorable): AnswerRestorer {
  const inner = redaction.restorer();
  let received = '';
  return {
    push: (delta) => {
      received += delta;
      return inner.push(delta);
    },
    flush: () => inner.flush(),
    get received() {
      return received;
    },
  };
}

export function jsonRestorer(redaction: Restorable): AnswerRestorer {
  let received = '';
  return {
    push: (delta) => {
      received += delta;
      return '';
    },
    flush: () => restoreJson(received, (text) => redaction.restore(text)),
    get received() {
      return received;
    },
  };
}

/** Restores every string value (not the keys) of a JSON text; text that is not JSON is restored as prose. */
export function restoreJson(text: string, restore: (text: string) => string): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return restore(text);
  }
  return JSON.stringify(mapStrings(value, restore));
}

function mapStrings(value: unknown, map: (text: string) => string): unknown {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, map));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, mapStrings(item, map)]),
    );
  return value;
}
