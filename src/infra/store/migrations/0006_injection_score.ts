import type { Migration } from './migration.js';

/**
 * The prompt-injection score of a generation's input, recorded when it reached the flag threshold
 * (INJECTION_ACTION flag or block); null otherwise.
 */
export const injectionScore: Migration = {
  version: 6,
  name: 'injection_score',
  sql: /* sql */ `
    ALTER TABLE generations ADD COLUMN injection_score double precision;
  `,
};
