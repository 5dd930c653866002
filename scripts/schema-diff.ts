/**
 * The contract's change check. The schema a router sees (`_service { sdl }`, printSubgraphSchema)
 * is compared with the last released one, schema/released/ai-subgraph.graphql, by
 * @graphql-inspector/core. Additions pass; a breaking change (a field, type, argument or enum value
 * removed, a type narrowed, a required argument added...) fails unless
 * schema/released/intended-breaking-changes.yaml lists it with the reason it was reviewed for.
 * Dangerous changes (an enum value or union member added, a default changed) are printed: the
 * contract tells clients to expect them (docs/contract.md).
 *
 *   npm run schema:diff       prints every change; exit 1 on an unlisted breaking change
 *   npm run schema:diff -- --intend "issue #17: why"
 *                             appends every unlisted breaking change to the intended list with that
 *                             reason, for review in the change that makes them
 *   npm run schema:release    the current schema becomes the released one; the intended list empties
 *
 * The same functions are what test/federation/schema-diff.test.ts exercises.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { parse as parseYaml } from 'yaml';
import { aiSubgraphSdl } from './compose.js';

export const RELEASED_PATH = fileURLToPath(
  new URL('../schema/released/ai-subgraph.graphql', import.meta.url),
);
export const INTENDED_PATH = fileURLToPath(
  new URL('../schema/released/intended-breaking-changes.yaml', import.meta.url),
);

/** One reviewed breaking change: the inspector's change type and the schema coordinate it is at. */
export interface IntendedChange {
  type: string;
  path: string;
  reason: string;
}

export interface SchemaDiff {
  /** Every change, in the inspector's order. */
  changes: Change[];
  /** Breaking changes no intended entry covers: these fail the check. */
  unintended: Change[];
  /** Intended entries that matched no change (stale: remove them, or the change was undone). */
  unused: IntendedChange[];
}

const schemaOf = (sdl: string) => buildSubgraphSchema({ typeDefs: parse(sdl) });

const keyOf = (change: { type: string; path?: string }) => `${change.type} ${change.path ?? ''}`;

/** The intended list as committed; an empty file is an empty list. */
export function parseIntended(text: string): IntendedChange[] {
  const parsed: unknown = parseYaml(text) ?? [];
  if (!Array.isArray(parsed)) throw new Error('intended breaking changes: not a YAML list');
  return parsed.map((entry: Record<string, unknown>, index) => {
    const { type, path, reason } = entry ?? {};
    if (
      typeof type !== 'string' ||
      typeof path !== 'string' ||
      typeof reason !== 'string' ||
      !reason.trim()
    )
      throw new Error(
        `intended breaking changes, entry ${index + 1}: needs type, path and a reason`,
      );
    return { type, path, reason };
  });
}

/** The released SDL against the current one, sorted by what the intended list covers. */
export async function schemaDiff(
  releasedSdl: string,
  currentSdl: string,
  intended: IntendedChange[],
): Promise<SchemaDiff> {
  const changes = await diff(schemaOf(releasedSdl), schemaOf(currentSdl));
  const allowed = new Set(intended.map(keyOf));
  const seen = new Set(changes.map(keyOf));
  return {
    changes,
    unintended: changes.filter(
      (change) =>
        change.criticality.level === CriticalityLevel.Breaking && !allowed.has(keyOf(change)),
    ),
    unused: intended.filter((entry) => !seen.has(keyOf(entry))),
  };
}

/** An intended-list entry for a change, to paste into the YAML after review. */
export const intendedEntry = (change: Change): string =>
  `- type: ${change.type}\n  path: ${change.path ?? ''}\n  reason: ${JSON.stringify(change.message)}\n`;

async function check(intendReason: string | null): Promise<void> {
  const result = await schemaDiff(
    readFileSync(RELEASED_PATH, 'utf8'),
    aiSubgraphSdl(),
    parseIntended(readFileSync(INTENDED_PATH, 'utf8')),
  );
  for (const change of result.changes)
    console.log(`schema:diff: [${change.criticality.level}] ${change.message}`);
  for (const entry of result.unused)
    console.log(`schema:diff: intended change matched nothing (stale?): ${keyOf(entry)}`);
  if (result.unintended.length > 0 && intendReason) {
    appendFileSync(
      INTENDED_PATH,
      result.unintended
        .map((change) => intendedEntry({ ...change, message: intendReason }))
        .join(''),
    );
    console.log(
      `schema:diff: listed ${result.unintended.length} breaking change(s) as intended in ${INTENDED_PATH}: review them`,
    );
    return;
  }
  if (result.unintended.length > 0) {
    console.error(
      `schema:diff: ${result.unintended.length} breaking change(s) not listed in ${INTENDED_PATH}.\n` +
        'Either undo them, or review each and add it (with the reason) to that file:\n',
    );
    console.error(result.unintended.map(intendedEntry).join(''));
    process.exit(1);
  }
  const breaking = result.changes.filter((c) => c.criticality.level === CriticalityLevel.Breaking);
  console.log(
    `schema:diff: ${result.changes.length} change(s) since the released schema, ${breaking.length} breaking, all intended`,
  );
}

function release(): void {
  writeFileSync(RELEASED_PATH, aiSubgraphSdl());
  writeFileSync(
    INTENDED_PATH,
    '# Breaking changes since the released schema, each reviewed (see docs/contract.md).\n' +
      '# Entries: - type: <inspector change type>  path: <schema coordinate>  reason: <why>\n',
  );
  console.log(`schema:release: wrote ${RELEASED_PATH} and emptied ${INTENDED_PATH}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.includes('--release')) release();
  else {
    const at = process.argv.indexOf('--intend');
    await check(at >= 0 ? (process.argv[at + 1] ?? null) : null);
  }
}
