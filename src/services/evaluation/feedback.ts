/**
 * Feedback from the people who use the drafts and the routing: a thumbs up or down with a comment
 * (explicit), the text they finally sent (implicit: how much of the draft survived, see
 * edit-distance.ts), and a corrected category, which becomes a labeled ticket (source FEEDBACK).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Account } from '../../domain.js';
import { badInput, notFound } from '../../errors.js';
import type { FeedbackRecord, FeedbackRepository } from '../../infra/store/evaluation/feedback.js';
import { isUuid, type GenerationRepository } from '../../infra/store/generations.js';
import type { LabeledTicketRepository } from '../../infra/store/routing/labeled-tickets.js';
import type { PredictionRepository } from '../../infra/store/routing/predictions.js';
import type { RoutingService } from '../ticket-routing/service.js';
import { parseInput } from '../../features/validate.js';
import { classifyEdit, wordEditDistance } from './edit-distance.js';

const feedbackSchema = z
  .object({
    generationId: z.string().trim().refine(isUuid, 'must be a generation id').nullish(),
    predictionId: z.string().trim().refine(isUuid, 'must be a routing prediction id').nullish(),
    rating: z.enum(['UP', 'DOWN']).nullish(),
    comment: z.string().trim().max(5_000).nullish(),
    correctedCategory: z.string().trim().min(1).max(100).nullish(),
    finalText: z.string().max(200_000).nullish(),
  })
  .superRefine((input, context) => {
    if (Boolean(input.generationId) === Boolean(input.predictionId))
      context.addIssue({
        code: 'custom',
        path: ['generationId'],
        message: 'give exactly one of generationId and predictionId',
      });
    if (input.correctedCategory && !input.predictionId)
      context.addIssue({
        code: 'custom',
        path: ['correctedCategory'],
        message: 'only a routing prediction has a category to correct',
      });
    if (input.finalText != null && !input.generationId)
      context.addIssue({
        code: 'custom',
        path: ['finalText'],
        message: 'only a generation has a draft to compare the final text with',
      });
    if (!input.rating && !input.comment && !input.correctedCategory && input.finalText == null)
      context.addIssue({
        code: 'custom',
        path: ['rating'],
        message: 'give a rating, a comment, a corrected category or the final text',
      });
  });

export interface FeedbackDependencies {
  feedback: FeedbackRepository;
  generations: GenerationRepository;
  predictions: PredictionRepository;
  labeledTickets: LabeledTicketRepository;
  routing: RoutingService;
}

/** Feedback as the schema shows it: the record and whether a correction added a labeled ticket. */
export type FeedbackView = FeedbackRecord & { labeledTicketCreated: boolean };

export interface FeedbackOutcome {
  feedback: FeedbackRecord;
  /** Whether a correction added a new labeled ticket (false when the same one was already stored). */
  labeledTicketCreated: boolean;
}

export class FeedbackService {
  constructor(private readonly deps: FeedbackDependencies) {}

  async submit(account: Account, raw: unknown): Promise<FeedbackOutcome> {
    const input = parseInput(feedbackSchema, raw);
    const base = {
      id: randomUUID(),
      accountId: account.id,
      rating: input.rating ?? null,
      comment: input.comment || null,
    };
    if (input.generationId) {
      const generation = await this.deps.generations.findById(account.id, input.generationId);
      if (!generation) throw notFound('generation', input.generationId);
      if (generation.status === 'RUNNING')
        throw badInput(
          'generationId: the generation is still running; send feedback once it has finished',
        );
      const edit =
        input.finalText != null ? wordEditDistance(generation.text, input.finalText) : null;
      const feedback = await this.deps.feedback.insert({
        ...base,
        feature: generation.feature,
        generationId: generation.id,
        predictionId: null,
        correctedCategory: null,
        finalText: input.finalText ?? null,
        editDistance: edit?.distance ?? null,
        editClass: edit ? classifyEdit(edit.distance, edit.finalWords) : null,
      });
      return { feedback, labeledTicketCreated: false };
    }
    const prediction = await this.deps.predictions.findById(account.id, input.predictionId!);
    if (!prediction) throw notFound('routing prediction', input.predictionId!);
    let correctedCategory: string | null = null;
    let labeledTicketCreated = false;
    if (input.correctedCategory) {
      const taxonomy = await this.deps.routing.taxonomy(account, prediction.taxonomyId);
      const canonical = taxonomy.categories.find(
        (category) => category.name.toLowerCase() === input.correctedCategory!.toLowerCase(),
      );
      if (!canonical)
        throw badInput(
          `correctedCategory: "${input.correctedCategory}" is not a category of taxonomy "${taxonomy.name}"`,
        );
      correctedCategory = canonical.name;
      labeledTicketCreated =
        (await this.deps.labeledTickets.insertMany(
          account.id,
          taxonomy.id,
          [{ subject: prediction.subject, body: prediction.body, category: canonical.name }],
          'FEEDBACK',
        )) > 0;
    }
    const feedback = await this.deps.feedback.insert({
      ...base,
      feature: 'ROUTING',
      generationId: null,
      predictionId: prediction.id,
      correctedCategory,
      finalText: null,
      editDistance: null,
      editClass: null,
    });
    return { feedback, labeledTicketCreated };
  }
}
