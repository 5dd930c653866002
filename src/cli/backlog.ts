/**
 * npm run backlog -- --taxonomy <name> <file.csv|file.jsonl> [--out results.csv|results.jsonl] [--no-wait] [--url URL] [--key KEY]
 *
 * Streams a file of tickets (columns `id` optional, else the line number; `subject` optional;
 * `body` or `text`) into one routing backlog through the service's API, in batches, then follows
 * its progress until every ticket is routed or failed, and can write the results to a file.
 * Exit code: 0 when every ticket was routed, 1 when some rows were refused or tickets failed,
 * 2 when the backlog could not run at all.
 */
import { createWriteStream, statSync } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import {
  checkedPayload,
  clientFor,
  graphql,
  type ClientOptions,
  type UserErrorShape,
} from './graphql-client.js';
import { findTaxonomyId } from './import.js';
import { readRows, type Row } from './labeled-rows.js';
import { ProgressLine } from './progress.js';
import { printRefusedRows, printedHelp, runCommand } from './command.js';

/** Tickets per call, and bytes: far under the server's list and body limits whatever the tickets' length. */
const BATCH_TICKETS = 1_000;
const BATCH_BYTES = 1024 * 1024;
const POLL_MS = 1_000;

const ROUTE_BACKLOG = `mutation RouteBacklog($input: RouteBacklogInput!) {
  routeBacklog(input: $input) { backlog { id } userErrors { field code message } }
}`;

const BACKLOG = `query Backlog($id: ID!) {
  routingBacklog(id: $id) { id status progress { total routed failed needsReview pending } }
}`;

const RESULTS = `query BacklogResults($id: ID!, $after: String) {
  routingBacklog(id: $id) {
    results(first: 500, after: $after) {
      nodes { ticket { id } error prediction { category confidence decidedBy needsReview target reason } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

interface TicketRow {
  id: string;
  subject?: string;
  body: string;
}

export interface BacklogState {
  id: string;
  status: string;
  progress: { total: number; routed: number; failed: number; needsReview: number; pending: number };
}

interface ResultNode {
  ticket: { id: string } | null;
  error: string | null;
  prediction: {
    category: string | null;
    confidence: number;
    decidedBy: string;
    needsReview: boolean;
    target: string | null;
    reason: string;
  } | null;
}

function ticketOf(record: Record<string, unknown>, line: number): Row<TicketRow> {
  const body = record.body ?? record.text;
  if (typeof body !== 'string' || body.trim() === '')
    return { line, error: 'missing "body" (or "text")' };
  const id =
    typeof record.id === 'string' || typeof record.id === 'number' ? String(record.id).trim() : '';
  const subject =
    typeof record.subject === 'string' && record.subject.trim() !== '' ? record.subject : undefined;
  return { line, row: { id: id || `line-${line}`, ...(subject ? { subject } : {}), body } };
}

/** Sends the file's tickets into one backlog; returns its id, the tickets queued and the rows refused. */
export async function enqueueFile(
  client: ClientOptions,
  taxonomyId: string,
  path: string,
  progress?: ProgressLine,
): Promise<{
  backlogId: string | null;
  queued: number;
  refused: { line: number; reason: string }[];
}> {
  const total = statSync(path).size;
  let read = 0;
  let backlogId: string | null = null;
  let queued = 0;
  const refused: { line: number; reason: string }[] = [];
  let batch: TicketRow[] = [];
  let batchBytes = 0;
  const send = async () => {
    if (batch.length === 0) return;
    const tickets = batch;
    batch = [];
    batchBytes = 0;
    const { routeBacklog } = await graphql<{
      routeBacklog: { backlog: { id: string }; userErrors: UserErrorShape[] };
    }>(client, ROUTE_BACKLOG, { input: { taxonomyId, tickets, backlogId } });
    backlogId = checkedPayload(routeBacklog).backlog.id;
    queued += tickets.length;
  };
  for await (const result of readRows(path, ticketOf, (bytes) => (read += bytes))) {
    if ('error' in result) refused.push({ line: result.line, reason: result.error });
    else {
      batch.push(result.row);
      batchBytes +=
        result.row.body.length + (result.row.subject?.length ?? 0) + result.row.id.length;
    }
    if (batch.length >= BATCH_TICKETS || batchBytes >= BATCH_BYTES) await send();
    progress?.update(
      read,
      total,
      `${queued + batch.length} tickets read, ${refused.length} refused`,
    );
  }
  await send();
  progress?.update(total, total, `${queued} tickets queued, ${refused.length} refused`);
  progress?.finish();
  return { backlogId, queued, refused };
}

/** Polls the backlog until it has finished, drawing its progress. */
export async function followBacklog(
  client: ClientOptions,
  id: string,
  progress?: ProgressLine,
  pollMs = POLL_MS,
): Promise<BacklogState> {
  for (;;) {
    const { routingBacklog: state } = await graphql<{ routingBacklog: BacklogState | null }>(
      client,
      BACKLOG,
      { id },
    );
    if (!state) throw new Error(`routing backlog ${id} was not found`);
    const { total, routed, failed, needsReview } = state.progress;
    progress?.update(
      routed + failed,
      total,
      `${routed} routed (${needsReview} for review), ${failed} failed`,
    );
    if (state.status !== 'QUEUED' && state.status !== 'RUNNING') {
      progress?.finish();
      return state;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

const CSV_COLUMNS = [
  'ticket_id',
  'category',
  'confidence',
  'decided_by',
  'needs_review',
  'target',
  'reason',
  'error',
] as const;

const csvField = (value: unknown) => {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** Writes every result, page by page, as CSV or JSONL (by the file's extension); returns how many. */
export async function writeResults(
  client: ClientOptions,
  id: string,
  path: string,
): Promise<number> {
  const jsonl = /\.jsonl?$/i.test(path);
  if (!jsonl && !/\.csv$/i.test(path)) throw new Error(`${path}: expected a .csv or .jsonl file`);
  const out = createWriteStream(path);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  if (!jsonl) await write(`${CSV_COLUMNS.join(',')}\n`);
  let written = 0;
  let after: string | null = null;
  do {
    const {
      routingBacklog,
    }: {
      routingBacklog: {
        results: {
          nodes: ResultNode[];
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      };
    } = await graphql(client, RESULTS, { id, after });
    for (const node of routingBacklog.results.nodes) {
      const flat = {
        ticket_id: node.ticket?.id ?? null,
        category: node.prediction?.category ?? null,
        confidence: node.prediction?.confidence ?? null,
        decided_by: node.prediction?.decidedBy ?? null,
        needs_review: node.prediction?.needsReview ?? null,
        target: node.prediction?.target ?? null,
        reason: node.prediction?.reason ?? null,
        error: node.error,
      };
      await write(
        jsonl
          ? `${JSON.stringify(flat)}\n`
          : `${CSV_COLUMNS.map((column) => csvField(flat[column])).join(',')}\n`,
      );
      written++;
    }
    after = routingBacklog.results.pageInfo.hasNextPage
      ? routingBacklog.results.pageInfo.endCursor
      : null;
  } while (after);
  out.end();
  await once(out, 'finish');
  return written;
}

const USAGE =
  'usage: npm run backlog -- --taxonomy <name> <file.csv|file.jsonl> [--out results.csv|results.jsonl] [--no-wait] [--url http://host:4000/graphql] [--key KEY]';

async function main(): Promise<number> {
  if (printedHelp(USAGE)) return 0;
  const { values, positionals } = parseArgs({
    options: {
      taxonomy: { type: 'string' },
      out: { type: 'string' },
      wait: { type: 'boolean', default: true },
      url: { type: 'string' },
      key: { type: 'string' },
    },
    allowPositionals: true,
    allowNegative: true,
  });
  const path = positionals[0];
  if (!values.taxonomy || !path) {
    console.error(USAGE);
    return 2;
  }
  const client = clientFor(values);
  const taxonomyId = await findTaxonomyId(client, values.taxonomy);
  const { backlogId, queued, refused } = await enqueueFile(
    client,
    taxonomyId,
    path,
    new ProgressLine(process.stderr, 'queueing  '),
  );
  printRefusedRows(refused);
  if (!backlogId) {
    console.error('no ticket to route in the file');
    return 2;
  }
  console.log(`backlog ${backlogId}: ${queued} tickets queued, ${refused.length} rows refused`);
  if (!values.wait) return refused.length > 0 ? 1 : 0;
  const state = await followBacklog(
    client,
    backlogId,
    new ProgressLine(process.stderr, 'routing   '),
  );
  const { total, routed, failed, needsReview } = state.progress;
  console.log(
    `backlog ${backlogId} ${state.status}: ${total} tickets, ${routed} routed (${needsReview} for review), ${failed} failed`,
  );
  if (values.out)
    console.log(
      `${await writeResults(client, backlogId, values.out)} results written to ${values.out}`,
    );
  return refused.length > 0 || failed > 0 || state.status !== 'SUCCEEDED' ? 1 : 0;
}

runCommand(import.meta.url, 'backlog', main);
