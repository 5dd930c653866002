/**
 * A GroupCommit for a repository method that takes a list (of keys, of rows): the lists of the
 * calls made together become one list for one statement, and each call gets its own slice of the
 * results back. Under load the routing calls of many requests then share each statement.
 */
import { GroupCommit } from '../group-commit.js';

export function groupedCalls<Item, Result>(
  run: (items: Item[]) => Promise<Result[]>,
): GroupCommit<readonly Item[], Result[]> {
  return new GroupCommit(async (calls: (readonly Item[])[]) => {
    const results = await run(calls.flat() as Item[]);
    let start = 0;
    return calls.map((call) => results.slice(start, (start += call.length)));
  });
}
