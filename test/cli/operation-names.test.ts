/** Every named operation a CLI sends keeps its own metric label (see src/server/plugins/operation-names.ts). */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KNOWN_OPERATIONS } from '../../src/server/plugins/operation-names.js';

describe('CLI operation names', () => {
  it('are all in the metrics allow-list', () => {
    const names = readdirSync('src/cli')
      .filter((file) => file.endsWith('.ts'))
      .flatMap((file) =>
        [...readFileSync(`src/cli/${file}`, 'utf8').matchAll(/`(?:query|mutation) (\w+)/g)].map(
          (match) => match[1]!,
        ),
      );
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((name) => !KNOWN_OPERATIONS.has(name))).toEqual([]);
  });
});
