/**
 * The change policy's check (`npm run schema:diff`, docs/contract.md): the schema compared with
 * the released one fails on a breaking change nobody listed as intended, and passes additions and
 * listed ones.
 */
import { readFileSync } from 'node:fs';
import { parse, print, visit } from 'graphql';
import { describe, expect, it } from 'vitest';
import { aiSubgraphSdl } from '../../scripts/compose.js';
import {
  INTENDED_PATH,
  parseIntended,
  RELEASED_PATH,
  schemaDiff,
} from '../../scripts/schema-diff.js';

const RELEASED = readFileSync(RELEASED_PATH, 'utf8');

/** The released SDL with `Mutation.createApiKey` removed. */
function withoutCreateApiKey(sdl: string): string {
  let removed = false;
  const modified = print(
    visit(parse(sdl), {
      FieldDefinition(field, _key, _parent, _path, ancestors) {
        const owner = ancestors.at(-1) as { name?: { value: string } } | undefined;
        if (field.name.value !== 'createApiKey' || owner?.name?.value !== 'Mutation') return;
        removed = true;
        return null;
      },
    }),
  );
  expect(removed, 'Mutation.createApiKey in the released SDL').toBe(true);
  return modified;
}

describe('schema:diff', () => {
  it('fails on a removed field that is not listed as intended', async () => {
    const result = await schemaDiff(RELEASED, withoutCreateApiKey(RELEASED), []);
    expect(result.unintended.map((change) => [change.type, change.path])).toEqual([
      ['FIELD_REMOVED', 'Mutation.createApiKey'],
    ]);
  });

  it('passes the same removal once it is listed as intended, with a reason', async () => {
    const intended = parseIntended(
      '- type: FIELD_REMOVED\n  path: Mutation.createApiKey\n  reason: replaced by issueApiKey\n',
    );
    const result = await schemaDiff(RELEASED, withoutCreateApiKey(RELEASED), intended);
    expect(result.unintended).toEqual([]);
    expect(result.unused).toEqual([]);
  });

  it('passes an addition and reports an intended entry that matches nothing', async () => {
    const added = RELEASED.replace(
      /type Query \{\n/,
      'type Query {\n  "A new field." newThing: String\n',
    );
    const intended = parseIntended(
      '- type: FIELD_REMOVED\n  path: Query.gone\n  reason: was wrong\n',
    );
    const result = await schemaDiff(RELEASED, added, intended);
    expect(result.changes.map((change) => change.type)).toContain('FIELD_ADDED');
    expect(result.unintended).toEqual([]);
    expect(result.unused).toEqual(intended);
  });

  it('refuses an intended entry without a reason', () => {
    expect(() => parseIntended('- type: FIELD_REMOVED\n  path: Query.gone\n')).toThrow(/reason/);
  });

  it('finds the committed schema compatible with the released one, intended changes aside', async () => {
    const result = await schemaDiff(
      RELEASED,
      aiSubgraphSdl(),
      parseIntended(readFileSync(INTENDED_PATH, 'utf8')),
    );
    expect(result.unintended.map((change) => change.message)).toEqual([]);
  });
});
