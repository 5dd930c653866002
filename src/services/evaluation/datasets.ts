/**
 * Generation datasets: named sets of cases, each a capability's input with an optional reference
 * draft and rubric. Inputs are checked against the capability's own schema on import, so a run
 * never finds out late that a case cannot be drafted.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Account } from '../../domain.js';
import { ErrorCode, ServiceError, badInput, notFound } from '../../errors.js';
import type {
  GenerationCase,
  GenerationDatasetRecord,
  GenerationDatasetRepository,
} from '../../infra/store/evaluation/generation-datasets.js';
import { isUuid } from '../../infra/store/generations.js';
import type { GenerationCapability } from '../../features/capability.js';
import { parseInput, unstorableText } from '../../features/validate.js';

export const MAX_CASES_PER_IMPORT = 1_000;

const datasetSchema = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(100),
  description: z.string().trim().max(1_000).nullish(),
});

const caseSchema = z
  .object({
    feature: z.string(),
    inputJson: z.string().min(2).max(200_000),
    reference: z.string().trim().min(1).max(100_000).nullish(),
    rubric: z.array(z.string().trim().min(1).max(300)).max(10).nullish(),
    requiredSections: z.array(z.string().trim().min(1).max(200)).max(30).nullish(),
    minWords: z.number().int().min(0).max(100_000).nullish(),
    maxWords: z.number().int().min(1).max(100_000).nullish(),
  })
  .refine(
    (item) => item.minWords == null || item.maxWords == null || item.minWords <= item.maxWords,
    { message: 'minWords must not be above maxWords', path: ['minWords'] },
  );

/**
 * A case's input is stored as JSON, where a DateTime is a string; the capability's schema takes
 * what GraphQL hands it, a Date. Strings are turned into Dates exactly where the schema asks for one.
 */
export function reviveDates(schema: z.ZodType<unknown>, input: unknown): unknown {
  let value = structuredClone(input);
  for (let pass = 0; pass < 3; pass++) {
    const parsed = schema.safeParse(value);
    if (parsed.success) return value;
    const dates = parsed.error.issues.filter(
      (issue) => issue.code === 'invalid_type' && issue.expected === 'date',
    );
    if (dates.length === 0) return value;
    for (const issue of dates)
      value = setAt(value, issue.path, (found) =>
        typeof found === 'string' && !Number.isNaN(Date.parse(found)) ? new Date(found) : found,
      );
  }
  return value;
}

function setAt(
  value: unknown,
  path: readonly PropertyKey[],
  change: (found: unknown) => unknown,
): unknown {
  if (path.length === 0) return change(value);
  if (value === null || typeof value !== 'object') return value;
  const [head, ...rest] = path;
  const container = value as Record<PropertyKey, unknown>;
  container[head as PropertyKey] = setAt(container[head as PropertyKey], rest, change);
  return value;
}

export interface CaseImportOutcome {
  imported: number;
  duplicates: number;
  rejected: { row: number; reason: string }[];
  dataset: GenerationDatasetRecord;
}

export class GenerationDatasetService {
  constructor(
    private readonly deps: {
      datasets: GenerationDatasetRepository;
      capabilities: Record<string, Pick<GenerationCapability<never, unknown>, 'feature'>>;
    },
  ) {}

  async create(account: Account, raw: unknown): Promise<GenerationDatasetRecord> {
    const input = parseInput(datasetSchema, raw);
    const created = await this.deps.datasets.create({
      id: randomUUID(),
      accountId: account.id,
      name: input.name,
      description: input.description ?? '',
    });
    if (!created)
      throw new ServiceError(
        ErrorCode.CONFLICT,
        `a generation dataset named "${input.name}" already exists`,
      );
    return created;
  }

  /** The account's datasets, newest first. */
  list(account: Account): Promise<GenerationDatasetRecord[]> {
    return this.deps.datasets.list(account.id);
  }

  /** One page of the account's datasets, newest first, and how many there are in all. */
  async page(
    account: Account,
    first: number,
    after: { createdAt: Date; id: string } | null,
  ): Promise<{
    page: { items: GenerationDatasetRecord[]; hasNextPage: boolean };
    totalCount: number;
  }> {
    const [page, totalCount] = await Promise.all([
      this.deps.datasets.page(account.id, first, after),
      this.deps.datasets.count(account.id),
    ]);
    return { page, totalCount };
  }

  /** A dataset, or null when the account has none of that id. */
  async findOrNull(account: Account, id: string): Promise<GenerationDatasetRecord | null> {
    return isUuid(id) ? this.deps.datasets.findById(account.id, id) : null;
  }

  /** How many cases a dataset holds. */
  countCases(account: Account, datasetId: string): Promise<number> {
    return this.deps.datasets.countCases(account.id, datasetId);
  }

  async find(account: Account, id: string): Promise<GenerationDatasetRecord> {
    const dataset = isUuid(id) ? await this.deps.datasets.findById(account.id, id) : null;
    if (!dataset) throw notFound('generation dataset', id);
    return dataset;
  }

  async importCases(
    account: Account,
    datasetId: string,
    rows: readonly unknown[],
  ): Promise<CaseImportOutcome> {
    const dataset = await this.find(account, datasetId);
    if (rows.length > MAX_CASES_PER_IMPORT)
      throw badInput(`cases: at most ${MAX_CASES_PER_IMPORT} per call (got ${rows.length})`);
    const valid: GenerationCase[] = [];
    const rejected: { row: number; reason: string }[] = [];
    rows.forEach((raw, index) => {
      const row = index + 1;
      const parsed = caseSchema.safeParse(raw);
      if (!parsed.success)
        return rejected.push({
          row,
          reason: parsed.error.issues
            .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
            .join('; '),
        });
      const item = parsed.data;
      const capability = Object.values(this.deps.capabilities).find(
        (candidate) => candidate.feature === item.feature,
      ) as GenerationCapability<unknown, unknown> | undefined;
      if (!capability)
        return rejected.push({
          row,
          reason: `feature: ${item.feature} is not a generation capability`,
        });
      let input: unknown;
      try {
        input = JSON.parse(item.inputJson);
      } catch {
        return rejected.push({ row, reason: 'inputJson: not valid JSON' });
      }
      // JSON escapes (`\u0000`) pass the check on the arguments as text and become the real thing here.
      const unstorable = unstorableText(input, ['inputJson']);
      if (unstorable.length > 0)
        return rejected.push({
          row,
          reason: unstorable.map((issue) => `${issue.path}: ${issue.message}`).join('; '),
        });
      const checked = capability.inputSchema.safeParse(reviveDates(capability.inputSchema, input));
      if (!checked.success)
        return rejected.push({
          row,
          reason: `inputJson: ${checked.error.issues
            .slice(0, 3)
            .map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`)
            .join('; ')}`,
        });
      valid.push({
        feature: capability.feature,
        // The input as given, not as parsed: the run validates it again like any request would.
        input,
        reference: item.reference ?? null,
        rubric: item.rubric ?? [],
        requiredSections: item.requiredSections ?? [],
        minWords: item.minWords ?? null,
        maxWords: item.maxWords ?? null,
      });
    });
    const imported = await this.deps.datasets.insertCases(account.id, dataset.id, valid);
    return { imported, duplicates: valid.length - imported, rejected, dataset };
  }
}
