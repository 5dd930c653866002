/**
 * The LLM stage of the cascade: several tickets per call, each answered with a category from an
 * enum of the taxonomy plus Unknown, a confidence and a one-line reason, matched back by id. The
 * prompt lists the categories with their descriptions and a few labeled examples like each ticket.
 */
import { z } from 'zod';
import type { ChatMessage, ResponseFormat } from '../../llm/spec.js';
import type { CategoryRecord } from '../../infra/store/routing/taxonomies.js';
import { dataInstructions, fenceTag, fenced } from '../../features/shared/fence.js';
import { safeParseJson } from '../../features/validate.js';
import { UNKNOWN } from './taxonomy.js';

export const ROUTING_PROMPT_VERSION = 'routing/2';
/** Tickets per LLM call: enough to amortise the prompt, few enough to keep answers accurate. */
export const LLM_BATCH_SIZE = 20;

export interface TicketForLlm {
  id: string;
  text: string;
  examples: { text: string; category: string }[];
}

export interface LlmVerdict {
  category: string | null;
  confidence: number;
  reason: string;
}

function verdictSchema(categories: readonly CategoryRecord[]) {
  return z.object({
    results: z.array(
      z.object({
        id: z.string(),
        category: z.enum([UNKNOWN, ...categories.map((category) => category.name)]),
        confidence: z.number().min(0).max(1),
        reason: z.string(),
      }),
    ),
  });
}

export function routingResponseFormat(categories: readonly CategoryRecord[]): ResponseFormat {
  return {
    name: 'ticket_routing',
    schema: z.toJSONSchema(verdictSchema(categories)) as Record<string, unknown>,
  };
}

export function buildRoutingPrompt(
  categories: readonly CategoryRecord[],
  tickets: readonly TicketForLlm[],
): ChatMessage[] {
  const tag = fenceTag();
  const taxonomy = categories
    .map((category) => `- ${category.name}: ${category.description}`)
    .join('\n');
  const system = [
    'You route customer support tickets to exactly one category of the taxonomy below.',
    `Answer "${UNKNOWN}" when no category fits; never guess. Give a calibrated confidence from 0 to 1 and a one-line reason.`,
    'Answer in JSON following the given schema, with one result per ticket, matched by its id.',
    'Categories:',
    taxonomy,
    dataInstructions(tag),
  ].join('\n');
  const user = tickets
    .map((ticket) => {
      // Labeled examples are customer text too (reviewed tickets become examples): fenced like the ticket.
      const shots = ticket.examples
        .map((example) => fenced(tag, `example (${example.category})`, example.text.slice(0, 300)))
        .join('\n');
      return `${fenced(tag, `ticket ${ticket.id}`, ticket.text)}${shots ? `\nLabeled examples like it:\n${shots}` : ''}`;
    })
    .join('\n\n');
  return [
    { role: 'system', content: system },
    { role: 'user', content: user },
  ];
}

/** Verdicts by ticket id; a ticket the model skipped or garbled is simply absent. */
export function parseRoutingResponse(
  text: string,
  categories: readonly CategoryRecord[],
): Map<string, LlmVerdict> {
  const parsed = safeParseJson(verdictSchema(categories), text);
  if (!parsed.success) return new Map();
  return new Map(
    parsed.data.results.map((result) => [
      result.id,
      {
        category: result.category === UNKNOWN ? null : result.category,
        confidence: result.confidence,
        reason: result.reason.slice(0, 500),
      },
    ]),
  );
}
