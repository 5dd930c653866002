/**
 * npm run eval -- --dataset <file.csv|file.jsonl> --taxonomy <name> [--target CASCADE|LOCAL_MODEL|LLM|provider:model]
 *                 [--report out.html] [--concurrency N] [--max-cases N] [--url URL] [--key KEY]
 * npm run eval -- --cases <cases.jsonl> --generation-dataset <name> [--target CHAIN|provider:model]
 *                 [--judge provider:model] [--against REFERENCE|CHAIN|provider:model] [--report out.html] ...
 *
 * Routing: creates the taxonomy if it is missing (its categories from the file), imports the file
 * (the service splits it into train and test for good), trains a router if there is none, evaluates
 * the TEST split, shows progress, prints a summary and writes the HTML report.
 * Generation: creates the dataset if missing, imports its cases (JSONL: feature, input, reference,
 * rubric, requiredSections, minWords, maxWords), evaluates them, prints a summary, writes the report.
 * Exit code: 0 when the run succeeded, 1 when it did not, 2 when it could not start.
 */
import { createReadStream, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import {
  checkedPayload,
  clientFor,
  graphql,
  type ClientOptions,
  type UserErrorShape,
} from './graphql-client.js';
import { importFile, listTaxonomies } from './import.js';
import { readLabeledRows } from './labeled-rows.js';
import type {
  CategoryMetrics,
  Confusion,
  StageShare,
} from '../services/evaluation/classification-metrics.js';
import type { GenerationSummary, RoutingSummary } from '../services/evaluation/summary.js';
import { ProgressLine } from './progress.js';
import { printedHelp, runCommand } from './command.js';

/** What ROUTING_METRICS selects of a routing run's summary. */
type RoutingMetricsSelected = Pick<
  RoutingSummary,
  | 'cases'
  | 'accuracy'
  | 'macroF1'
  | 'weightedF1'
  | 'reviewShare'
  | 'autoRoutedShare'
  | 'autoRoutedAccuracy'
  | 'unknownShare'
  | 'latencyP50Ms'
  | 'latencyP95Ms'
  | 'inputTokens'
  | 'outputTokens'
  | 'costUsd'
> & {
  stages: Pick<StageShare, 'decidedBy' | 'share' | 'accuracy'>[];
  weakestCategories: Pick<
    CategoryMetrics,
    'category' | 'precision' | 'recall' | 'f1' | 'support'
  >[];
  topConfusions: Pick<Confusion, 'expected' | 'predicted' | 'count'>[];
};

/** What GENERATION_METRICS selects of a generation run's summary. */
type GenerationMetricsSelected = Pick<
  GenerationSummary,
  | 'cases'
  | 'passRate'
  | 'validRate'
  | 'sectionsRate'
  | 'groundedRate'
  | 'withinLengthRate'
  | 'meanGroundingIssues'
  | 'judged'
  | 'meanScore'
  | 'judgeFailures'
  | 'latencyP50Ms'
  | 'latencyP95Ms'
  | 'costUsd'
  | 'judgeCostUsd'
  | 'pairwise'
>;

const RUN_FIELDS = `id status target progress { done total } error { code message } reportPath`;

const ROUTING_METRICS = `metrics { ... on RoutingEvalMetrics {
  cases accuracy macroF1 weightedF1 reviewShare autoRoutedShare autoRoutedAccuracy unknownShare latencyP50Ms latencyP95Ms inputTokens outputTokens costUsd
  stages { decidedBy share accuracy }
  weakestCategories(first: 8) { category precision recall f1 support }
  topConfusions(first: 5) { expected predicted count }
} }`;

const GENERATION_METRICS = `metrics { ... on GenerationEvalMetrics {
  cases passRate validRate sectionsRate groundedRate withinLengthRate meanGroundingIssues judged meanScore judgeFailures latencyP50Ms latencyP95Ms costUsd judgeCostUsd
  pairwise { compared wins ties losses winRate positionInconsistent }
} }`;

interface Run {
  id: string;
  status: string;
  target: string;
  progress: { done: number; total: number };
  error: { code: string; message: string } | null;
  reportPath: string;
  metrics?: Record<string, unknown> | null;
}

const pct = (value: unknown) => (typeof value === 'number' ? `${(value * 100).toFixed(1)}%` : '—');
const ms = (value: unknown) => (typeof value === 'number' ? `${Math.round(value)} ms` : '—');

export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) =>
          column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!),
        )
        .join('  '),
    )
    .join('\n');
}

async function categoriesOf(path: string): Promise<string[]> {
  const seen = new Map<string, string>();
  for await (const row of readLabeledRows(path)) {
    if ('row' in row && !seen.has(row.row.category.trim().toLowerCase()))
      seen.set(row.row.category.trim().toLowerCase(), row.row.category.trim());
  }
  return [...seen.values()];
}

async function ensureTaxonomy(
  client: ClientOptions,
  name: string,
  path: string,
): Promise<{ id: string; trained: boolean }> {
  const taxonomies = await listTaxonomies<{
    id: string;
    name: string;
    model: { id: string } | null;
  }>(client, 'id name model { id }');
  const found = taxonomies.find((taxonomy) => taxonomy.name === name);
  if (found) return { id: found.id, trained: Boolean(found.model) };
  const categories = await categoriesOf(path);
  if (categories.length < 2)
    throw new Error(
      `${path}: found ${categories.length} categories; a taxonomy needs at least two`,
    );
  const { createTaxonomy } = await graphql<{
    createTaxonomy: { taxonomy: { id: string }; userErrors: UserErrorShape[] };
  }>(
    client,
    'mutation($input: CreateTaxonomyInput!) { createTaxonomy(input: $input) { taxonomy { id } userErrors { field code message } } }',
    {
      input: {
        name,
        categories: categories.map((category) => ({
          name: category,
          description: `Tickets labeled "${category}" (${category.replaceAll('_', ' ')})`,
        })),
      },
    },
  );
  console.log(`created taxonomy "${name}" with ${categories.length} categories`);
  return { id: checkedPayload(createTaxonomy).taxonomy.id, trained: false };
}

interface UserError {
  field: string[] | null;
  message: string;
}

const USER_ERRORS = 'userErrors { field message }';

/** A mutation's payload, or the error its `userErrors` describe. */
function accepted<T extends { userErrors: UserError[] }>(what: string, payload: T): T {
  if (payload.userErrors.length === 0) return payload;
  throw new Error(
    `${what}: ${payload.userErrors.map((error) => (error.field ? `${error.field.join('.')}: ${error.message}` : error.message)).join('; ')}`,
  );
}

interface DatasetPage {
  nodes: { id: string; name: string }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

async function startRun(client: ClientOptions, variables: { input: object }): Promise<Run> {
  const { startEvalRun } = await graphql<{
    startEvalRun: { evalRun: Run | null; userErrors: UserError[] };
  }>(
    client,
    `mutation($input: StartEvalRunInput!) { startEvalRun(input: $input) { evalRun { ${RUN_FIELDS} } ${USER_ERRORS} } }`,
    variables,
  );
  return accepted('startEvalRun', startEvalRun).evalRun!;
}

async function ensureDataset(client: ClientOptions, name: string): Promise<string> {
  for (let after: string | null = null; ;) {
    const { generationDatasets }: { generationDatasets: DatasetPage } = await graphql<{
      generationDatasets: DatasetPage;
    }>(
      client,
      'query($after: String) { generationDatasets(first: 100, after: $after) { nodes { id name } pageInfo { hasNextPage endCursor } } }',
      { after },
    );
    const found = generationDatasets.nodes.find((dataset) => dataset.name === name);
    if (found) return found.id;
    if (!generationDatasets.pageInfo.hasNextPage) break;
    after = generationDatasets.pageInfo.endCursor;
  }
  const { createGenerationDataset } = await graphql<{
    createGenerationDataset: { generationDataset: { id: string } | null; userErrors: UserError[] };
  }>(
    client,
    `mutation($input: CreateGenerationDatasetInput!) { createGenerationDataset(input: $input) { generationDataset { id } ${USER_ERRORS} } }`,
    {
      input: { name },
    },
  );
  return accepted('createGenerationDataset', createGenerationDataset).generationDataset!.id;
}

async function importCases(
  client: ClientOptions,
  datasetId: string,
  path: string,
): Promise<{ imported: number; refused: string[] }> {
  const refused: string[] = [];
  let imported = 0;
  let batch: { line: number; item: unknown }[] = [];
  const send = async () => {
    if (batch.length === 0) return;
    const sent = batch;
    batch = [];
    const { importGenerationCases } = await graphql<{
      importGenerationCases: {
        imported: number | null;
        rejected: { row: number; reason: string }[] | null;
        userErrors: UserError[];
      };
    }>(
      client,
      `mutation($input: ImportGenerationCasesInput!) { importGenerationCases(input: $input) { imported rejected { row reason } ${USER_ERRORS} } }`,
      { input: { datasetId, cases: sent.map((entry) => entry.item) } },
    );
    accepted('importGenerationCases', importGenerationCases);
    imported += importGenerationCases.imported!;
    for (const rejected of importGenerationCases.rejected!)
      refused.push(`line ${sent[rejected.row - 1]!.line}: ${rejected.reason}`);
  };
  let line = 0;
  for await (const text of createInterface({
    input: createReadStream(path),
    crlfDelay: Infinity,
  })) {
    line++;
    if (text.trim() === '') continue;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(text) as Record<string, unknown>;
    } catch {
      refused.push(`line ${line}: not valid JSON`);
      continue;
    }
    const { input, ...rest } = record;
    batch.push({
      line,
      item: {
        ...rest,
        inputJson: typeof input === 'string' ? input : JSON.stringify(input ?? null),
      },
    });
    if (batch.length >= 500) await send();
  }
  await send();
  return { imported, refused };
}

async function follow(client: ClientOptions, id: string, progress: ProgressLine): Promise<Run> {
  for (;;) {
    const { evalRun } = await graphql<{ evalRun: Run }>(
      client,
      `query($id: ID!) { evalRun(id: $id) { ${RUN_FIELDS} } }`,
      { id },
    );
    progress.update(
      evalRun.progress.done,
      evalRun.progress.total,
      `${evalRun.progress.done}/${evalRun.progress.total} cases`,
    );
    if (evalRun.status !== 'RUNNING') {
      progress.finish();
      return evalRun;
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

function routingSummary(metrics: Record<string, unknown>): string {
  const m = metrics as RoutingMetricsSelected;
  const summary = formatTable([
    ['metric', 'value'],
    ['test cases', String(m.cases)],
    ['accuracy', pct(m.accuracy)],
    ['macro-F1', pct(m.macroF1)],
    ['weighted F1', pct(m.weightedF1)],
    ['sent to review', pct(m.reviewShare)],
    ['auto-routed', pct(m.autoRoutedShare)],
    ['auto-routed accuracy', pct(m.autoRoutedAccuracy)],
    ['Unknown', pct(m.unknownShare)],
    ...m.stages.map((stage) => [
      `decided by ${stage.decidedBy}`,
      `${pct(stage.share)} (${pct(stage.accuracy)} right)`,
    ]),
    ['latency p50', ms(m.latencyP50Ms)],
    ['latency p95', ms(m.latencyP95Ms)],
    ['tokens in / out', `${m.inputTokens} / ${m.outputTokens}`],
    ['LLM cost', `$${m.costUsd.toFixed(4)}`],
  ]);
  const weakest = formatTable([
    ['weakest categories', 'precision', 'recall', 'F1', 'support'],
    ...m.weakestCategories.map((category) => [
      category.category,
      pct(category.precision),
      pct(category.recall),
      pct(category.f1),
      String(category.support),
    ]),
  ]);
  const confusions = m.topConfusions.length
    ? `\ntop confusions:\n${m.topConfusions.map((confusion) => `  ${confusion.expected} → ${confusion.predicted ?? 'Unknown'}: ${confusion.count}`).join('\n')}`
    : '';
  return `${summary}\n\n${weakest}${confusions}`;
}

function generationSummary(metrics: Record<string, unknown>): string {
  const m = metrics as GenerationMetricsSelected;
  return formatTable([
    ['metric', 'value'],
    ['cases', String(m.cases)],
    ['passed', pct(m.passRate)],
    ['valid output', pct(m.validRate)],
    ['required sections', pct(m.sectionsRate)],
    ['fully grounded', pct(m.groundedRate)],
    ['within length', pct(m.withinLengthRate)],
    ['mean grounding issues', m.meanGroundingIssues.toFixed(2)],
    ['judged', `${m.judged} (${m.judgeFailures} judge failures)`],
    ['mean judge score', m.meanScore === null ? '—' : `${m.meanScore.toFixed(2)} / 5`],
    [
      'pairwise W/T/L',
      `${m.pairwise.wins}/${m.pairwise.ties}/${m.pairwise.losses} (win rate ${pct(m.pairwise.winRate)}, ${m.pairwise.positionInconsistent} position-inconsistent)`,
    ],
    ['latency p50 / p95', `${ms(m.latencyP50Ms)} / ${ms(m.latencyP95Ms)}`],
    ['cost drafts + judge', `$${m.costUsd.toFixed(4)} + $${m.judgeCostUsd.toFixed(4)}`],
  ]);
}

async function writeReport(client: ClientOptions, run: Run, path: string): Promise<void> {
  const url = new URL(run.reportPath, client.url);
  const response = await fetch(url, {
    headers: client.key ? { authorization: `Bearer ${client.key}` } : {},
  });
  if (!response.ok)
    throw new Error(`could not fetch the report from ${url}: HTTP ${response.status}`);
  writeFileSync(path, await response.text());
  console.log(`report written to ${path}`);
}

const USAGE = [
  'usage: npm run eval -- --dataset <file.csv|file.jsonl> --taxonomy <name> [--target CASCADE|LOCAL_MODEL|LLM|provider:model] [--report out.html]',
  '       npm run eval -- --cases <cases.jsonl> --generation-dataset <name> [--target CHAIN|provider:model] [--judge provider:model] [--against REFERENCE|CHAIN|provider:model] [--report out.html]',
  '       common: [--concurrency N] [--max-cases N] [--url http://host:4000/graphql] [--key KEY]',
].join('\n');

export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  if (printedHelp(USAGE, argv)) return 0;
  const { values } = parseArgs({
    args: argv,
    options: {
      dataset: { type: 'string' },
      taxonomy: { type: 'string' },
      cases: { type: 'string' },
      'generation-dataset': { type: 'string' },
      target: { type: 'string' },
      judge: { type: 'string' },
      against: { type: 'string' },
      report: { type: 'string' },
      concurrency: { type: 'string' },
      'max-cases': { type: 'string' },
      url: { type: 'string' },
      key: { type: 'string' },
    },
  });
  const routing = Boolean(values.dataset && values.taxonomy);
  const generation = Boolean(values.cases && values['generation-dataset']);
  if (routing === generation) {
    console.error(USAGE);
    return 2;
  }
  const client = clientFor(values);
  const progress = new ProgressLine(process.stderr, 'evaluating ');
  const concurrency = values.concurrency ? Number(values.concurrency) : undefined;
  const maxCases = values['max-cases'] ? Number(values['max-cases']) : undefined;
  let started: Run;
  if (routing) {
    const taxonomy = await ensureTaxonomy(client, values.taxonomy!, values.dataset!);
    const imported = await importFile(
      client,
      taxonomy.id,
      values.dataset!,
      new ProgressLine(process.stderr, 'importing '),
    );
    console.log(
      `${imported.rows} rows read: ${imported.imported} imported, ${imported.duplicates} duplicates, ${imported.refused.length} refused`,
    );
    for (const refused of imported.refused.slice(0, 10))
      console.log(`  line ${refused.line}: ${refused.reason}`);
    if (!taxonomy.trained) {
      const { trainRouter: payload } = await graphql<{
        trainRouter: {
          model: { trainedOn: number; heldoutAccuracy: number | null; trainingMs: number };
          userErrors: UserErrorShape[];
        };
      }>(
        client,
        'mutation($id: ID!) { trainRouter(input: { taxonomyId: $id }) { model { trainedOn heldoutAccuracy trainingMs } userErrors { field code message } } }',
        { id: taxonomy.id },
      );
      const trainRouter = checkedPayload(payload).model;
      console.log(
        `trained a router on ${trainRouter.trainedOn} examples in ${(trainRouter.trainingMs / 1000).toFixed(1)} s (held-out accuracy ${trainRouter.heldoutAccuracy === null ? 'unknown' : pct(trainRouter.heldoutAccuracy)})`,
      );
    }
    started = await startRun(client, {
      input: {
        kind: 'ROUTING',
        datasetId: taxonomy.id,
        target: values.target,
        concurrency,
        maxCases,
      },
    });
  } else {
    const datasetId = await ensureDataset(client, values['generation-dataset']!);
    const imported = await importCases(client, datasetId, values.cases!);
    console.log(`${imported.imported} cases imported, ${imported.refused.length} refused`);
    for (const refused of imported.refused.slice(0, 10)) console.log(`  ${refused}`);
    started = await startRun(client, {
      input: {
        kind: 'GENERATION',
        datasetId,
        target: values.target,
        judge: values.judge,
        pairwiseAgainst: values.against,
        concurrency,
        maxCases,
      },
    });
  }
  console.log(
    `evaluation run ${started.id} started (target ${started.target}, ${started.progress.total} cases)`,
  );
  const finished = await follow(client, started.id, progress);
  const { evalRun } = await graphql<{ evalRun: Run }>(
    client,
    `query($id: ID!) { evalRun(id: $id) { ${RUN_FIELDS} ${routing ? ROUTING_METRICS : GENERATION_METRICS} } }`,
    { id: finished.id },
  );
  console.log(
    `\nrun ${evalRun.id}: ${evalRun.status}${evalRun.error ? ` (${evalRun.error.message})` : ''}`,
  );
  if (evalRun.metrics)
    console.log(routing ? routingSummary(evalRun.metrics) : generationSummary(evalRun.metrics));
  if (values.report) await writeReport(client, evalRun, values.report);
  return evalRun.status === 'SUCCEEDED' ? 0 : 1;
}

runCommand(import.meta.url, 'eval', main);
