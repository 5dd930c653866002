/** What a customer may define as a taxonomy: bounded, with unique category names. */
import { z } from 'zod';
import type { CascadePolicy, CategoryRecord } from '../../infra/store/routing/taxonomies.js';
import { keywordForm } from './keyword-rules.js';

/** The category name a model uses for "none of these". Customers cannot define it. */
export const UNKNOWN = 'Unknown';

export const DEFAULT_POLICY: CascadePolicy = {
  localThreshold: 0.8,
  reviewThreshold: 0.6,
  rules: [],
};

const categorySchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(100)
    .refine(
      (name) => name.toLowerCase() !== UNKNOWN.toLowerCase(),
      `"${UNKNOWN}" is reserved for tickets that fit no category`,
    ),
  description: z.string().trim().min(1, 'must not be empty').max(1000),
  examples: z
    .array(z.string().trim().min(1).max(2000))
    .max(20)
    .nullish()
    .transform((examples) => examples ?? []),
  target: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .nullish()
    .transform((target) => target ?? null),
});

export const taxonomyInputSchema = z
  .object({
    name: z.string().trim().min(1, 'must not be empty').max(100),
    categories: z.array(categorySchema).min(2, 'a taxonomy needs at least two categories').max(500),
    localThreshold: z.number().min(0).max(1).nullish(),
    reviewThreshold: z.number().min(0).max(1).nullish(),
    rules: z
      .array(
        z.object({
          keyword: z
            .string()
            .trim()
            .min(2)
            .max(100)
            // Matched as folded (keyword-rules.ts): a keyword of invisible characters would match everywhere.
            .refine(
              (keyword) => keywordForm(keyword).trim().length >= 2,
              'must have at least two visible characters',
            ),
          category: z.string().trim().min(1),
        }),
      )
      .max(200)
      .nullish(),
  })
  .superRefine((input, context) => {
    const seen = new Set<string>();
    input.categories.forEach((category, index) => {
      const key = category.name.toLowerCase();
      if (seen.has(key))
        context.addIssue({
          code: 'custom',
          path: ['categories', index, 'name'],
          message: `duplicate category "${category.name}"`,
        });
      seen.add(key);
    });
    (input.rules ?? []).forEach((rule, index) => {
      if (!seen.has(rule.category.toLowerCase()))
        context.addIssue({
          code: 'custom',
          path: ['rules', index, 'category'],
          message: `no category named "${rule.category}"`,
        });
    });
    const local = input.localThreshold ?? DEFAULT_POLICY.localThreshold;
    const review = input.reviewThreshold ?? DEFAULT_POLICY.reviewThreshold;
    if (review > local)
      context.addIssue({
        code: 'custom',
        path: ['reviewThreshold'],
        message: 'must not be above localThreshold',
      });
  });

export type TaxonomyInput = z.output<typeof taxonomyInputSchema>;

export function definitionOf(input: TaxonomyInput): {
  categories: CategoryRecord[];
  policy: CascadePolicy;
} {
  const canonical = new Map(
    input.categories.map((category) => [category.name.toLowerCase(), category.name]),
  );
  return {
    categories: input.categories,
    policy: {
      localThreshold: input.localThreshold ?? DEFAULT_POLICY.localThreshold,
      reviewThreshold: input.reviewThreshold ?? DEFAULT_POLICY.reviewThreshold,
      rules: (input.rules ?? []).map((rule) => ({
        keyword: rule.keyword,
        category: canonical.get(rule.category.toLowerCase())!,
      })),
    },
  };
}
