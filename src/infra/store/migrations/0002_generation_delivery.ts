import type { Migration } from './migration.js';

/** How a generation was delivered: cache hits, time to first token, and every provider attempt. */
export const generationDelivery: Migration = {
  version: 2,
  name: 'generation_delivery',
  sql: /* sql */ `
    ALTER TABLE generations ADD COLUMN cache_hit boolean NOT NULL DEFAULT false;
    ALTER TABLE generations ADD COLUMN time_to_first_token_ms integer;
    ALTER TABLE generations ADD COLUMN attempts jsonb NOT NULL DEFAULT '[]';
  `,
};
