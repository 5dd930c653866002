import type { Migration } from './migration.js';

/**
 * When the process driving a RUNNING generation last said it was alive. Replicas sharing
 * PostgreSQL refresh it for their generations; one left stale belongs to a process that died, and
 * any replica may then mark it INTERRUPTED. The partial index keeps that sweep to running rows;
 * it leaves heartbeat_at out, so that a heartbeat, which changes no indexed column, can update
 * its rows in place (HOT) instead of writing index entries every few seconds.
 */
export const generationHeartbeat: Migration = {
  version: 7,
  name: 'generation_heartbeat',
  sql: /* sql */ `
    ALTER TABLE generations ADD COLUMN heartbeat_at timestamptz NOT NULL DEFAULT now();
    CREATE INDEX generations_running ON generations (created_at) WHERE status = 'RUNNING';
  `,
};
