/**
 * npm run import -- --taxonomy <name> <file.csv|file.jsonl> [--url URL] [--key KEY]
 *
 * Streams a file of labeled tickets into a taxonomy through the service's API in batches, showing
 * progress, and lists the rows it could not use (bad lines, unknown categories) without stopping.
 * Exit code: 0 when every row was imported or was a duplicate, 1 when some rows were refused,
 * 2 when the import could not run at all.
 */
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  clientFor,
  checkedPayload,
  graphql,
  type ClientOptions,
  type UserErrorShape,
} from './graphql-client.js';
import { readLabeledRows } from './labeled-rows.js';
import { ProgressLine } from './progress.js';
import { printRefusedRows, printedHelp, runCommand } from './command.js';

// At most the server's default QUERY_MAX_LIST_LENGTH (1,000) elements per list.
const BATCH = 1_000;

const IMPORT = `mutation Import($taxonomyId: ID!, $examples: [LabeledTicketInput!]!) {
  importLabeledTickets(input: { taxonomyId: $taxonomyId, examples: $examples }) { imported duplicates rejected { row reason } userErrors { field code message } }
}`;

export interface ImportSummary {
  rows: number;
  imported: number;
  duplicates: number;
  refused: { line: number; reason: string }[];
}

/** Every taxonomy of the account, id and name, page by page. */
export async function listTaxonomies<T extends { id: string; name: string }>(
  client: ClientOptions,
  fields = 'id name',
): Promise<T[]> {
  const all: T[] = [];
  let after: string | null = null;
  do {
    const { taxonomies }: { taxonomies: TaxonomyPage<T> } = await graphql<{
      taxonomies: TaxonomyPage<T>;
    }>(
      client,
      `query($after: String) { taxonomies(first: 100, after: $after) { nodes { ${fields} } pageInfo { hasNextPage endCursor } } }`,
      { after },
    );
    all.push(...taxonomies.nodes);
    after = taxonomies.pageInfo.hasNextPage ? taxonomies.pageInfo.endCursor : null;
  } while (after);
  return all;
}

interface TaxonomyPage<T> {
  nodes: T[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export async function findTaxonomyId(client: ClientOptions, name: string): Promise<string> {
  const taxonomies = await listTaxonomies(client);
  const found = taxonomies.find((taxonomy) => taxonomy.name === name);
  if (!found)
    throw new Error(
      `no taxonomy named "${name}"; known: ${taxonomies.map((taxonomy) => taxonomy.name).join(', ') || 'none'}`,
    );
  return found.id;
}

export async function importFile(
  client: ClientOptions,
  taxonomyId: string,
  path: string,
  progress?: ProgressLine,
): Promise<ImportSummary> {
  const total = statSync(path).size;
  let read = 0;
  const summary: ImportSummary = { rows: 0, imported: 0, duplicates: 0, refused: [] };
  let batch: { line: number; row: unknown }[] = [];
  const send = async () => {
    if (batch.length === 0) return;
    const sent = batch;
    batch = [];
    const { importLabeledTickets: payload } = await graphql<{
      importLabeledTickets: {
        imported: number;
        duplicates: number;
        rejected: { row: number; reason: string }[];
        userErrors: UserErrorShape[];
      };
    }>(client, IMPORT, {
      taxonomyId,
      examples: sent.map((item) => item.row),
    });
    const result = checkedPayload(payload);
    summary.imported += result.imported;
    summary.duplicates += result.duplicates;
    // The service numbers rows within the batch from 1; report the file's line instead.
    for (const rejected of result.rejected)
      summary.refused.push({ line: sent[rejected.row - 1]!.line, reason: rejected.reason });
  };
  for await (const result of readLabeledRows(path, (bytes) => (read += bytes))) {
    summary.rows++;
    if ('error' in result) summary.refused.push({ line: result.line, reason: result.error });
    else batch.push({ line: result.line, row: result.row });
    if (batch.length >= BATCH) await send();
    progress?.update(
      read,
      total,
      `${summary.rows} rows, ${summary.imported} imported, ${summary.refused.length} refused`,
    );
  }
  await send();
  progress?.update(
    total,
    total,
    `${summary.rows} rows, ${summary.imported} imported, ${summary.refused.length} refused`,
  );
  progress?.finish();
  return summary;
}

const USAGE =
  'usage: npm run import -- --taxonomy <name> <file.csv|file.jsonl> [--url http://host:4000/graphql] [--key KEY]';

async function main(): Promise<number> {
  if (printedHelp(USAGE)) return 0;
  const { values, positionals } = parseArgs({
    options: { taxonomy: { type: 'string' }, url: { type: 'string' }, key: { type: 'string' } },
    allowPositionals: true,
  });
  const path = positionals[0];
  if (!values.taxonomy || !path) {
    console.error(USAGE);
    return 2;
  }
  const client = clientFor(values);
  const taxonomyId = await findTaxonomyId(client, values.taxonomy);
  const summary = await importFile(
    client,
    taxonomyId,
    path,
    new ProgressLine(process.stderr, 'importing '),
  );
  printRefusedRows(summary.refused);
  console.log(
    `${summary.rows} rows read: ${summary.imported} imported, ${summary.duplicates} duplicates, ${summary.refused.length} refused`,
  );
  return summary.refused.length > 0 ? 1 : 0;
}

runCommand(import.meta.url, 'import', main);
