/**
 * The routing lists as connections resolved lazily: a page is read only when edges, nodes or
 * pageInfo are asked for, and the COUNT only when `totalCount` is, so a review-queue badge
 * (`reviewQueue { totalCount }`) reads no rows and a page without the badge runs no COUNT.
 */
import type { PredictionRecord } from '../../infra/store/routing/predictions.js';
import type { TaxonomyRecord } from '../../infra/store/routing/taxonomies.js';
import { connectionOf, type Page } from '../connection.js';
import { encodeCursor } from '../cursor.js';

export interface LazyConnection<T> {
  page: () => Promise<ReturnType<typeof connectionOf<T>>>;
  count: () => Promise<number>;
}

export type RoutingPredictionConnectionSource = LazyConnection<PredictionRecord>;
export type TaxonomyConnectionSource = LazyConnection<TaxonomyRecord>;

/** `reviewRouting`'s payload: the queue is read with the arguments its field is given. */
export interface ReviewRoutingPayloadSource {
  prediction?: PredictionRecord | null;
  taxonomyId?: string | null;
  /** `AiUserError`s as `payloadOf` makes them (typed structurally: the generated types import this file). */
  userErrors: { field: string[] | null; code: string; message: string }[];
}

function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= load());
}

/** A keyset-paged list (`createdAt|id` cursors) as a lazy connection. */
export function lazyConnection<T extends { createdAt: Date; id: string }>(
  load: () => Promise<Page<T>>,
  count: () => Promise<number>,
  after: string | null | undefined,
): LazyConnection<T> {
  return {
    page: once(async () => connectionOf(await load(), encodeCursor, { after })),
    count: once(count),
  };
}

/** The field resolvers of every lazy connection type. */
export const lazyConnectionFields = {
  edges: async <T>(connection: LazyConnection<T>) => (await connection.page()).edges,
  nodes: async <T>(connection: LazyConnection<T>) => (await connection.page()).nodes,
  pageInfo: async <T>(connection: LazyConnection<T>) => (await connection.page()).pageInfo,
  totalCount: <T>(connection: LazyConnection<T>) => connection.count(),
};
