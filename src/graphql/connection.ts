/**
 * Relay connections, the one pagination style of the schema: every list that grows is a
 * `…Connection` with `edges { cursor node }`, `nodes`, a complete `pageInfo` and (where the store
 * can count) `totalCount`. Resolvers page in the store (`first` + 1 rows tell whether more follow)
 * and hand the page here.
 */
import { badInput } from '../errors.js';

/** One page as the store returns it. */
export interface Page<T> {
  items: T[];
  hasNextPage: boolean;
}

/** `first` checked against the field's bounds (1 to `max`), `fallback` when absent. */
export function pageSize(first: number | null | undefined, fallback: number, max: number): number {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 1 || size > max)
    throw badInput(`first: must be from 1 to ${max}`, { field: ['first'] });
  return size;
}

/**
 * The connection of one page. `after` is the cursor the page was asked after: pages come before
 * it exactly when one was given (forward-only pagination, as Relay allows).
 */
export function connectionOf<T, N = T>(
  page: Page<T>,
  cursorOf: (item: T) => string,
  options: { after?: string | null; node?: (item: T) => N } = {},
) {
  const toNode = options.node ?? ((item: T) => item as unknown as N);
  const edges = page.items.map((item) => ({ cursor: cursorOf(item), node: toNode(item) }));
  return {
    edges,
    nodes: edges.map((edge) => edge.node),
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: options.after != null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
