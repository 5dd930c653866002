/**
 * Streams labeled tickets out of a CSV (header row; columns `subject` optional, `body` or `text`,
 * `category`) or JSONL file (the same keys), one row at a time, so a 100k-row file never sits in
 * memory. A malformed row is reported with its line and skipped; reading goes on. `readRows` does
 * the same for rows of any shape (the backlog CLI reads tickets to route with it).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';

/** A row, or why its line could not be used. */
export type Row<T> = { line: number; row: T } | { line: number; error: string };

/** Turns one record (CSV columns by lower-cased header, or a JSONL object) into a row or an error. */
export type RowShape<T> = (record: Record<string, unknown>, line: number) => Row<T>;

export type RowResult = Row<{ subject?: string; body: string; category: string }>;

function shape(record: Record<string, unknown>, line: number): RowResult {
  const body = record.body ?? record.text;
  const category = record.category;
  if (typeof body !== 'string' || body.trim() === '')
    return { line, error: 'missing "body" (or "text")' };
  if (typeof category !== 'string' || category.trim() === '')
    return { line, error: 'missing "category"' };
  const subject =
    typeof record.subject === 'string' && record.subject.trim() !== '' ? record.subject : undefined;
  return { line, row: { ...(subject ? { subject } : {}), body, category } };
}

async function* csvRows<T>(
  path: string,
  onBytes: (bytes: number) => void,
  shape: RowShape<T>,
): AsyncIterable<Row<T>> {
  const input = createReadStream(path);
  input.on('data', (chunk) => onBytes(chunk.length));
  const parser = input.pipe(
    parse({
      columns: (header: string[]) => header.map((name) => name.trim().toLowerCase()),
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      info: true,
      skip_records_with_error: true,
    }),
  );
  const skipped: Row<T>[] = [];
  parser.on('skip', (error: Error & { lines?: number }) =>
    skipped.push({ line: error.lines ?? 0, error: error.message }),
  );
  for await (const { record, info } of parser as AsyncIterable<{
    record: Record<string, unknown>;
    info: { lines: number };
  }>) {
    while (skipped.length > 0) yield skipped.shift()!;
    yield shape(record, info.lines);
  }
  yield* skipped;
}

async function* jsonlRows<T>(
  path: string,
  onBytes: (bytes: number) => void,
  shape: RowShape<T>,
): AsyncIterable<Row<T>> {
  const input = createReadStream(path);
  input.on('data', (chunk) => onBytes(chunk.length));
  let line = 0;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    line++;
    if (text.trim() === '') continue;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch {
      yield { line, error: 'not valid JSON' };
      continue;
    }
    yield record && typeof record === 'object'
      ? shape(record as Record<string, unknown>, line)
      : { line, error: 'not a JSON object' };
  }
}

export function readRows<T>(
  path: string,
  shape: RowShape<T>,
  onBytes: (bytes: number) => void = () => undefined,
): AsyncIterable<Row<T>> {
  if (/\.jsonl?$/i.test(path)) return jsonlRows(path, onBytes, shape);
  if (/\.csv$/i.test(path)) return csvRows(path, onBytes, shape);
  throw new Error(`${path}: expected a .csv or .jsonl file`);
}

export function readLabeledRows(
  path: string,
  onBytes: (bytes: number) => void = () => undefined,
): AsyncIterable<RowResult> {
  return readRows(path, shape, onBytes);
}
