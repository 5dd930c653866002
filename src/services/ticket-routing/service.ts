/**
 * Ticket routing for an account: taxonomies, labeled data, training, the cascade over a batch of
 * tickets (one local prediction for the whole batch, the hard cases to the LLM in chunks), every
 * decision stored, and human review turning decisions into training data.
 */
import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Account } from '../../domain.js';
import { ErrorCode, ServiceError, badInput, notFound } from '../../errors.js';
import type { LlmGateway } from '../../llm/gateway.js';
import type { Target } from '../../llm/provider-chains.js';
import type { Logger } from '../../infra/observability/logger.js';
import type { LabeledTicketRepository } from '../../infra/store/routing/labeled-tickets.js';
import type {
  RouterModelRecord,
  RouterModelRepository,
} from '../../infra/store/routing/router-models.js';
import type {
  NewPrediction,
  PredictionFilter,
  PredictionRecord,
  PredictionRepository,
} from '../../infra/store/routing/predictions.js';
import type { TaxonomyRecord, TaxonomyRepository } from '../../infra/store/routing/taxonomies.js';
import { LexicalIndex } from '../../features/shared/lexical-index.js';
import { parseInput } from '../../features/validate.js';
import { decide, type Evidence } from './cascade.js';
import { normalizeTicketText } from '../../ml/index.js';
import { MAX_TICKET_CHARS, htmlToText, stripReplyAndSignature } from '../../ml/preprocess.js';
import { checkLabeledRows, type RejectedRow } from './labeled-import.js';
import { keywordMatcher } from './keyword-rules.js';
import { GENERIC_OUT_OF_SCOPE, OUT_OF_SCOPE_LABEL } from './out-of-scope.js';
import { trainingWarnings } from './training-warnings.js';
import {
  LLM_BATCH_SIZE,
  buildRoutingPrompt,
  parseRoutingResponse,
  routingResponseFormat,
  type LlmVerdict,
} from './llm-router.js';
import type { RouterRegistry, ServedRouter } from './router-registry.js';
import { definitionOf, taxonomyInputSchema } from './taxonomy.js';

export const MAX_TICKETS_PER_REQUEST = 1_000;

export const ticketSchema = z.object({
  id: z.string().trim().min(1).max(200),
  subject: z.string().max(1_000).nullish(),
  body: z.string().min(1, 'must not be empty').max(50_000),
  channel: z.string().max(100).nullish(),
  customerTier: z.string().max(100).nullish(),
});

export type Ticket = z.output<typeof ticketSchema>;

/**
 * What a ticket said, as a stored decision remembers it: a ticket routed again with the same id,
 * subject and body (and taxonomy version) gets the stored decision back. Channel and tier do not
 * take part: the cascade does not read them.
 */
export function contentHashOf(ticket: { subject?: string | null; body: string }): string {
  return createHash('sha256')
    .update(JSON.stringify([ticket.subject ?? null, ticket.body]))
    .digest('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Checks a batch of tickets, naming the first bad one by its position. */
export function parseTickets(rawTickets: readonly unknown[]): Ticket[] {
  return rawTickets.map((raw, index) => {
    const parsed = ticketSchema.safeParse(raw);
    if (!parsed.success)
      throw badInput(
        `tickets[${index}]: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
        { issues: issuesOf(parsed.error.issues, `tickets.${index}`) },
      );
    return parsed.data;
  });
}

/** zod's issues as `InputIssue`s under `prefix`, for mutations' `userErrors`. */
const issuesOf = (issues: readonly { path: PropertyKey[]; message: string }[], prefix: string) =>
  issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));

/** How `route` runs; the defaults are production's. Evaluation runs set the others. */
export interface RouteOptions {
  /** Which stages may decide: the whole cascade (default), the local model alone, or the LLM alone. Keyword rules apply in every mode. */
  stages?: 'CASCADE' | 'LOCAL_MODEL' | 'LLM';
  /** The LLM stage's targets instead of the ROUTING chain. */
  llmTargets?: readonly Target[];
  /** False: the decisions are returned but not stored as production predictions (and the LLM cache is skipped). */
  persist?: boolean;
  /** The request being served, for the audit log. */
  requestId?: string;
  /** Stores the decisions instead of the prediction repository (a backlog chunk stores them with its own progress, in one transaction). */
  store?: (predictions: NewPrediction[]) => Promise<PredictionRecord[]>;
  /**
   * True (what reads use): a ticket whose id, content and taxonomy version have a stored decision
   * gets it back (same prediction, no new LLM call, no new cost); only the others are routed. The
   * same ticket twice in one batch is routed once.
   */
  reuse?: boolean;
  /** True: the LLM's response cache is skipped too (`rerouteTicket`: a new decision, not a replayed one). */
  fresh?: boolean;
  /** Told the taxonomy the tickets are routed with, as read for this call (a request's loader keeps it). */
  taxonomyRead?: (taxonomy: TaxonomyRecord) => void;
  /** `THROW`: an LLM failure fails the whole call, for a caller that retries it later (a backlog chunk), instead of sending those tickets to review. */
  llmFailure?: 'REVIEW' | 'THROW';
}

export interface RoutingDependencies {
  taxonomies: TaxonomyRepository;
  labeledTickets: LabeledTicketRepository;
  predictions: PredictionRepository;
  registry: RouterRegistry;
  /** The trained models' records (their bytes are the registry's). */
  routerModels: RouterModelRepository;
  gateway: LlmGateway;
  logger: Logger;
}

export interface ImportOutcome {
  imported: number;
  duplicates: number;
  rejected: RejectedRow[];
}

/** Labeled examples shown to the LLM next to each ticket. */
const FEW_SHOT = 3;

export class RoutingService {
  /** Few-shot indexes per taxonomy version, built from labeled tickets once and reused. */
  private readonly exampleIndexes = new Map<string, LexicalIndex<{ category: string }>>();

  constructor(private readonly deps: RoutingDependencies) {}

  async createTaxonomy(account: Account, raw: unknown): Promise<TaxonomyRecord> {
    const input = parseInput(taxonomyInputSchema, raw);
    const created = await this.deps.taxonomies.create({
      id: randomUUID(),
      accountId: account.id,
      name: input.name,
      ...definitionOf(input),
    });
    if (!created)
      throw new ServiceError(ErrorCode.CONFLICT, `a taxonomy named "${input.name}" already exists`);
    return created;
  }

  /** Edits make a new version; the name cannot change (CLIs find taxonomies by name). */
  async updateTaxonomy(account: Account, id: string, raw: unknown): Promise<TaxonomyRecord> {
    const input = parseInput(taxonomyInputSchema, raw);
    const current = await this.taxonomy(account, id);
    if (current.name !== input.name)
      throw badInput('name: a taxonomy keeps its name; create a new taxonomy instead');
    const updated = await this.deps.taxonomies.update(account.id, id, definitionOf(input));
    if (!updated) throw notFound('taxonomy', id);
    return updated;
  }

  /** Makes the taxonomy the default; `previous` is the one that was (null when it already was). */
  async setDefault(
    account: Account,
    id: string,
  ): Promise<{ taxonomy: TaxonomyRecord; previous: TaxonomyRecord | null }> {
    const taxonomy = await this.taxonomy(account, id);
    const before = await this.deps.taxonomies.findDefault(account.id);
    await this.deps.taxonomies.setDefault(account.id, taxonomy.id);
    return { taxonomy, previous: before && before.id !== taxonomy.id ? before : null };
  }

  /** The id of the taxonomy a request naming none uses, or null when the account has none. */
  async defaultTaxonomyId(account: Account): Promise<string | null> {
    return (await this.deps.taxonomies.findDefault(account.id))?.id ?? null;
  }

  /** The account's taxonomies, newest first. */
  taxonomies(account: Account): Promise<TaxonomyRecord[]> {
    return this.deps.taxonomies.list(account.id);
  }

  /** A page of the account's taxonomies, newest first. */
  taxonomyPage(
    account: Account,
    first: number,
    after: { createdAt: Date; id: string } | null,
  ): Promise<{ items: TaxonomyRecord[]; hasNextPage: boolean }> {
    return this.deps.taxonomies.page(account.id, first, after);
  }

  taxonomyCount(account: Account): Promise<number> {
    return this.deps.taxonomies.count(account.id);
  }

  /** A stored prediction of the account, or null. */
  async prediction(account: Account, id: string): Promise<PredictionRecord | null> {
    if (!UUID.test(id)) return null;
    return this.deps.predictions.findById(account.id, id);
  }

  /** A page of the account's stored predictions, newest first. */
  predictionPage(
    account: Account,
    filter: PredictionFilter,
    first: number,
    after: { createdAt: Date; id: string } | null,
  ): Promise<{ items: PredictionRecord[]; hasNextPage: boolean }> {
    if (filter.taxonomyId && !UUID.test(filter.taxonomyId))
      return Promise.resolve({ items: [], hasNextPage: false });
    return this.deps.predictions.page(account.id, filter, first, after);
  }

  predictionCount(account: Account, filter: PredictionFilter): Promise<number> {
    if (filter.taxonomyId && !UUID.test(filter.taxonomyId)) return Promise.resolve(0);
    return this.deps.predictions.count(account.id, filter);
  }

  /** How many labeled tickets a taxonomy has, in its training and held-out test splits. */
  labeledTicketCounts(
    account: Account,
    taxonomyId: string,
  ): Promise<{ train: number; test: number }> {
    return this.deps.labeledTickets.count(account.id, taxonomyId);
  }

  /** The record of a taxonomy's newest trained model, or null before the first training. */
  async latestModel(account: Account, taxonomyId: string): Promise<RouterModelRecord | null> {
    return (await this.deps.routerModels.latest(account.id, [taxonomyId]))[0] ?? null;
  }

  /** The account's trained models with these ids, in their order; null where there is none. */
  modelsByIds(account: Account, ids: readonly string[]): Promise<(RouterModelRecord | null)[]> {
    return this.deps.routerModels.byIds(account.id, ids);
  }

  /** The account's taxonomies with these ids, in their order; null where there is none. */
  taxonomiesByIds(account: Account, ids: readonly string[]): Promise<(TaxonomyRecord | null)[]> {
    return this.deps.taxonomies.findByIds(account.id, ids);
  }

  /** The named taxonomy, or the account's default when no id is given. */
  async taxonomy(account: Account, id?: string | null): Promise<TaxonomyRecord> {
    if (id) {
      const [found] = await this.deps.taxonomies.findByIds(account.id, [id]).catch(() => [null]);
      if (!found) throw notFound('taxonomy', id);
      return found;
    }
    const fallback = await this.deps.taxonomies.findDefault(account.id);
    if (!fallback)
      throw new ServiceError(
        ErrorCode.NOT_FOUND,
        'this account has no taxonomy yet; create one with createTaxonomy',
      );
    return fallback;
  }

  async importLabeled(
    account: Account,
    taxonomyId: string,
    rows: readonly unknown[],
    firstRow = 1,
  ): Promise<ImportOutcome> {
    const taxonomy = await this.taxonomy(account, taxonomyId);
    const { valid, rejected } = checkLabeledRows(rows, taxonomy.categories, firstRow);
    const imported = await this.deps.labeledTickets.insertMany(
      account.id,
      taxonomy.id,
      valid,
      'IMPORT',
    );
    this.exampleIndexes.clear();
    return { imported, duplicates: valid.length - imported, rejected };
  }

  /** Trains on the taxonomy's training split plus each category's own examples. */
  async train(account: Account, taxonomyId: string): Promise<ServedRouter> {
    const taxonomy = await this.taxonomy(account, taxonomyId);
    const labeled = await this.deps.labeledTickets.list(account.id, taxonomy.id, 'TRAIN');
    const known = new Set(taxonomy.categories.map((category) => category.name));
    const examples = [
      ...labeled
        .filter((ticket) => known.has(ticket.category))
        .map((ticket) => ({
          text: normalizeTicketText(ticket.subject ?? undefined, ticket.body),
          label: ticket.category,
        })),
      ...taxonomy.categories.flatMap((category) =>
        category.examples.map((text) => ({
          text: normalizeTicketText(undefined, text),
          label: category.name,
        })),
      ),
    ];
    const covered = new Set(examples.map((example) => example.label));
    if (covered.size < 2)
      throw badInput(
        `taxonomy "${taxonomy.name}" needs labeled tickets (or category examples) in at least two categories to train; it has ${covered.size}`,
      );
    const outOfScope = GENERIC_OUT_OF_SCOPE.map((text) => ({ text, label: OUT_OF_SCOPE_LABEL }));
    return this.deps.registry.train(
      account.id,
      taxonomy,
      [...examples, ...outOfScope],
      trainingWarnings(
        taxonomy.categories.map((category) => category.name),
        examples,
      ),
    );
  }

  async review(
    account: Account,
    predictionId: string,
    category: string,
  ): Promise<PredictionRecord> {
    const prediction = await this.deps.predictions
      .findById(account.id, predictionId)
      .catch(() => null);
    if (!prediction) throw notFound('routing prediction', predictionId);
    const taxonomy = await this.taxonomy(account, prediction.taxonomyId);
    const canonical = taxonomy.categories.find(
      (candidate) => candidate.name.toLowerCase() === category.trim().toLowerCase(),
    );
    if (!canonical)
      throw badInput(`category: "${category}" is not a category of taxonomy "${taxonomy.name}"`);
    const reviewed = await this.deps.predictions.review(account.id, predictionId, canonical.name);
    // A person's decision is the best training data there is.
    await this.deps.labeledTickets.insertMany(
      account.id,
      taxonomy.id,
      [{ subject: prediction.subject, body: prediction.body, category: canonical.name }],
      'REVIEW',
    );
    return reviewed!;
  }

  /** A page of the tickets waiting for a person in the taxonomy (the default one when none is named), oldest first. */
  async reviewQueue(
    account: Account,
    taxonomyId: string | null | undefined,
    first: number,
    after: { createdAt: Date; id: string } | null = null,
  ): Promise<{ taxonomy: TaxonomyRecord; items: PredictionRecord[]; hasNextPage: boolean }> {
    if (first < 1 || first > 500) throw badInput('first: must be from 1 to 500');
    const taxonomy = await this.taxonomy(account, taxonomyId);
    const page = await this.deps.predictions.reviewQueue(account.id, taxonomy.id, first, after);
    return { taxonomy, ...page };
  }

  /** How many tickets of the taxonomy wait for a person. */
  reviewQueueCount(account: Account, taxonomyId: string): Promise<number> {
    return this.deps.predictions.reviewQueueCount(account.id, taxonomyId);
  }

  /**
   * Routes a batch ticket by ticket: each item is its prediction or the error that kept that ticket
   * (and only it) from one, so one bad ticket does not fail the others. Reads use it, reusing
   * stored decisions unless `options.reuse` is false.
   */
  async routeEach(
    account: Account,
    rawTickets: readonly unknown[],
    taxonomyId: string | null | undefined,
    signal: AbortSignal,
    options: RouteOptions = {},
  ): Promise<(PredictionRecord | Error)[]> {
    if (rawTickets.length > MAX_TICKETS_PER_REQUEST)
      throw badInput(
        `tickets: at most ${MAX_TICKETS_PER_REQUEST} per request (got ${rawTickets.length})`,
      );
    const results: (PredictionRecord | Error)[] = new Array(rawTickets.length);
    const valid: { index: number; ticket: Ticket }[] = [];
    rawTickets.forEach((raw, index) => {
      const parsed = ticketSchema.safeParse(raw);
      if (parsed.success) valid.push({ index, ticket: parsed.data });
      else
        results[index] = badInput(
          `ticket.${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
        );
    });
    if (valid.length > 0) {
      try {
        const predictions = await this.routeValid(
          account,
          valid.map(({ ticket }) => ticket),
          taxonomyId,
          signal,
          { reuse: true, ...options },
        );
        valid.forEach(({ index }, position) => (results[index] = predictions[position]!));
      } catch (error) {
        // Unexpected errors stay what they are: the error formatter hides their message.
        const failure = error instanceof Error ? error : new Error(String(error));
        for (const { index } of valid) results[index] = failure;
      }
    }
    return results;
  }

  /**
   * A new decision for one ticket even when one is stored (the LLM's response cache skipped too);
   * it becomes the ticket's current decision.
   */
  async reroute(
    account: Account,
    rawTicket: unknown,
    taxonomyId: string | null | undefined,
    signal: AbortSignal,
    options: RouteOptions = {},
  ): Promise<PredictionRecord> {
    const parsed = ticketSchema.safeParse(rawTicket);
    if (!parsed.success)
      throw badInput(
        `ticket: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
        { issues: issuesOf(parsed.error.issues, 'ticket') },
      );
    const [prediction] = await this.routeValid(account, [parsed.data], taxonomyId, signal, {
      ...options,
      reuse: false,
      fresh: true,
    });
    return prediction!;
  }

  /** Routes a batch: one local prediction for all of it, at most ceil(hard / batch) LLM calls. */
  async route(
    account: Account,
    rawTickets: readonly unknown[],
    taxonomyId: string | null | undefined,
    signal: AbortSignal,
    options: RouteOptions = {},
  ): Promise<PredictionRecord[]> {
    if (rawTickets.length > MAX_TICKETS_PER_REQUEST)
      throw badInput(
        `tickets: at most ${MAX_TICKETS_PER_REQUEST} per request (got ${rawTickets.length})`,
      );
    return this.routeValid(account, parseTickets(rawTickets), taxonomyId, signal, options);
  }

  /** `route` for tickets already checked against the ticket schema (checked once per request). */
  private async routeValid(
    account: Account,
    tickets: Ticket[],
    taxonomyId: string | null | undefined,
    signal: AbortSignal,
    options: RouteOptions,
  ): Promise<PredictionRecord[]> {
    const taxonomy = await this.taxonomy(account, taxonomyId);
    options.taxonomyRead?.(taxonomy);
    if (options.reuse && options.persist !== false && !options.store)
      return this.reuseOrRoute(account, tickets, taxonomy, signal, options);
    return this.decide(account, tickets, taxonomy, signal, options);
  }

  /** The stored decisions of the tickets that have one; the others routed once each (in one batch). */
  private async reuseOrRoute(
    account: Account,
    tickets: Ticket[],
    taxonomy: TaxonomyRecord,
    signal: AbortSignal,
    options: RouteOptions,
  ): Promise<PredictionRecord[]> {
    const keys = tickets.map((ticket) => ({
      ticketId: ticket.id,
      contentHash: contentHashOf(ticket),
      taxonomyId: taxonomy.id,
      taxonomyVersion: taxonomy.version,
    }));
    const stored = await this.deps.predictions.currentDecisions(account.id, keys);
    const missing = new Map<string, number[]>();
    stored.forEach((found, index) => {
      if (found) return;
      const key = `${keys[index]!.ticketId}\u0000${keys[index]!.contentHash}`;
      missing.set(key, [...(missing.get(key) ?? []), index]);
    });
    if (missing.size === 0) return stored as PredictionRecord[];
    const groups = [...missing.values()];
    const decided = await this.decide(
      account,
      groups.map((indexes) => tickets[indexes[0]!]!),
      taxonomy,
      signal,
      options,
      groups.map((indexes) => keys[indexes[0]!]!.contentHash),
    );
    groups.forEach((indexes, position) => {
      for (const index of indexes) stored[index] = decided[position]!;
    });
    return stored as PredictionRecord[];
  }

  /** Decides for every ticket (the cascade) and stores the decisions, unless told not to. */
  private async decide(
    account: Account,
    tickets: Ticket[],
    taxonomy: TaxonomyRecord,
    signal: AbortSignal,
    options: RouteOptions,
    // A ticket's hash when the caller already made it (looking for its stored decision).
    contentHashes: readonly string[] = tickets.map(contentHashOf),
  ): Promise<PredictionRecord[]> {
    const stages = options.stages ?? 'CASCADE';
    const started = performance.now();
    const texts = tickets.map((ticket) =>
      normalizeTicketText(ticket.subject ?? undefined, ticket.body),
    );
    // The text as written, HTML and quoted replies out: what the LLM reads and keyword rules match
    // (the classifier's form above has already turned zero-width spaces into word breaks). Made
    // once, and only when a rule or the LLM needs it.
    let written: string[] | undefined;
    const writtenTexts = () => (written ??= tickets.map(llmTextOf));
    const served = await this.deps.registry.get(account.id, taxonomy.id);
    const local = served && stages !== 'LLM' ? served.router.predict(texts) : texts.map(() => null);
    const ruleFor = keywordMatcher(taxonomy.policy.rules);
    const evidence: Evidence[] = tickets.map((_, index) => ({
      rule: taxonomy.policy.rules.length > 0 ? ruleFor(writtenTexts()[index]!) : null,
      local: local[index],
    }));

    const hard = evidence
      .map((item, index) => ({ item, index }))
      .filter(
        ({ item }) =>
          !item.rule &&
          !(item.local?.label && item.local.confidence >= taxonomy.policy.localThreshold),
      );
    const llmCost = new Map<
      number,
      { costUsd: number; inputTokens: number; outputTokens: number }
    >();
    if (hard.length > 0) {
      if (stages === 'LOCAL_MODEL') {
        for (const { item } of hard) item.llmMissing = 'the local model is evaluated alone';
      } else if (!options.llmTargets && !this.deps.gateway.hasLanguageModel('ROUTING')) {
        for (const { item } of hard) item.llmMissing = 'no LLM is configured for ROUTING';
      } else {
        await this.askLlm(account, taxonomy, hard, texts, writtenTexts(), llmCost, signal, options);
      }
    }

    const latencyMs = Math.round(performance.now() - started);
    const predictions: NewPrediction[] = tickets.map((ticket, index) => {
      const decision = decide(taxonomy.policy, evidence[index]!);
      const cost = llmCost.get(index) ?? { costUsd: 0, inputTokens: 0, outputTokens: 0 };
      return {
        id: randomUUID(),
        accountId: account.id,
        taxonomyId: taxonomy.id,
        taxonomyVersion: taxonomy.version,
        ticketId: ticket.id,
        subject: ticket.subject ?? null,
        body: ticket.body,
        contentHash: contentHashes[index]!,
        ...decision,
        localCategory: evidence[index]!.local?.label ?? null,
        llmCategory: evidence[index]!.llm?.category ?? null,
        latencyMs,
        ...cost,
      };
    });
    if (options.persist === false)
      return predictions.map((prediction) => ({
        ...prediction,
        reviewedCategory: null,
        reviewedAt: null,
        createdAt: new Date(),
      }));
    return options.store
      ? options.store(predictions)
      : this.deps.predictions.insertMany(predictions);
  }

  private async askLlm(
    account: Account,
    taxonomy: TaxonomyRecord,
    hard: { item: Evidence; index: number }[],
    texts: string[],
    llmTexts: string[],
    llmCost: Map<number, { costUsd: number; inputTokens: number; outputTokens: number }>,
    signal: AbortSignal,
    options: RouteOptions,
  ): Promise<void> {
    const examples = await this.exampleIndex(account, taxonomy);
    const chunks: { item: Evidence; index: number }[][] = [];
    for (let start = 0; start < hard.length; start += LLM_BATCH_SIZE)
      chunks.push(hard.slice(start, start + LLM_BATCH_SIZE));
    await Promise.all(
      chunks.map(async (chunk) => {
        // Ids in the prompt are positions, not the caller's ticket ids: short, unique, and not data to trust.
        const forLlm = chunk.map(({ index }) => ({
          id: String(index),
          text: llmTexts[index]!,
          examples: examples
            .search([{ text: texts[index]!, weight: 1, counts: true }])
            .slice(0, FEW_SHOT)
            .map((hit) => ({ text: hit.passage.text, category: hit.passage.meta.category })),
        }));
        let verdicts: Map<string, LlmVerdict>;
        try {
          const answer = await this.deps.gateway.generate({
            feature: 'ROUTING',
            accountId: account.id,
            messages: buildRoutingPrompt(taxonomy.categories, forLlm),
            responseFormat: routingResponseFormat(taxonomy.categories),
            signal,
            targets: options.llmTargets,
            bypassCache: options.persist === false || options.fresh === true,
            requestId: options.requestId,
            // Each ticket is screened for prompt injection on its own (they come from different people).
            untrusted: chunk.map(({ index }) => llmTexts[index]!),
          });
          verdicts = parseRoutingResponse(answer.text, taxonomy.categories);
          const share = {
            costUsd: answer.usage.costUsd / chunk.length,
            inputTokens: Math.round(answer.usage.inputTokens / chunk.length),
            outputTokens: Math.round(answer.usage.outputTokens / chunk.length),
          };
          for (const { index } of chunk) llmCost.set(index, share);
        } catch (error) {
          // A blocked injection would be blocked again: those tickets go to review even for a caller that retries.
          if (
            options.llmFailure === 'THROW' &&
            !(ServiceError.isInstance(error) && error.code === ErrorCode.PROMPT_INJECTION_SUSPECTED)
          )
            throw error;
          this.deps.logger.warn(
            { err: error, tickets: chunk.length },
            'LLM routing failed; tickets go to review',
          );
          for (const { item } of chunk)
            item.llmMissing = `the LLM failed (${ServiceError.isInstance(error) ? error.code : 'error'})`;
          return;
        }
        for (const { item, index } of chunk) {
          const verdict = verdicts.get(String(index));
          if (verdict) item.llm = verdict;
          else item.llmMissing = 'the LLM gave no usable answer for this ticket';
        }
      }),
    );
  }

  private async exampleIndex(
    account: Account,
    taxonomy: TaxonomyRecord,
  ): Promise<LexicalIndex<{ category: string }>> {
    const key = `${taxonomy.id}:${taxonomy.version}`;
    let index = this.exampleIndexes.get(key);
    if (!index) {
      const labeled = await this.deps.labeledTickets.list(account.id, taxonomy.id, 'TRAIN');
      const passages = [
        ...taxonomy.categories.flatMap((category) =>
          category.examples.map((text) => ({ text, meta: { category: category.name } })),
        ),
        ...labeled.slice(-5_000).map((ticket) => ({
          text: [ticket.subject, ticket.body].filter(Boolean).join('\n'),
          meta: { category: ticket.category },
        })),
      ];
      index = new LexicalIndex(passages);
      this.exampleIndexes.set(key, index);
    }
    return index;
  }
}

/**
 * What the LLM reads of a ticket: subject and body as written, without markup, quoted replies and
 * signatures, but not lower-cased and collapsed like the local model's text. Personal data keeps
 * the form the gateway's redaction recognises (IBANs, keys, national ids are upper or mixed case)
 * before a third-party provider sees it.
 */
function llmTextOf(ticket: Ticket): string {
  const subject = ticket.subject
    ? htmlToText(ticket.subject.slice(0, MAX_TICKET_CHARS)).trim()
    : '';
  const body = stripReplyAndSignature(htmlToText(ticket.body.slice(0, MAX_TICKET_CHARS)));
  return [subject, body]
    .filter(Boolean)
    .join('\n')
    .normalize('NFKC')
    .replace(/[ \t\u00a0]+/g, ' ')
    .replace(/\n\s*\n+/g, '\n')
    .trim();
}
