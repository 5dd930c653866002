/**
 * AUDIT_WRITE_DELAY_MS (issue #19): audit rows wait to share one INSERT, and a shutdown inside that
 * wait still stores them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startTestServer, temporaryDataDir, type TestServer } from '../support/server.js';
import { statusUpdateInput } from '../fixtures/status-update.js';

const DRAFT = `mutation($input: DraftStatusUpdateInput!) {
  draftStatusUpdate(input: $input) { generation { status } }
}`;
const AUDIT = '{ auditLog(first: 5) { edges { node { feature outcome } } } }';

describe('AUDIT_WRITE_DELAY_MS', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('defaults to 100 ms and refuses more than a second (shutdown waits for the last rows)', () => {
    expect(loadConfig({}).dataProtection.auditWriteDelayMs).toBe(100);
    expect(loadConfig({ AUDIT_WRITE_DELAY_MS: '0' }).dataProtection.auditWriteDelayMs).toBe(0);
    expect(() => loadConfig({ AUDIT_WRITE_DELAY_MS: '1001' })).toThrow(/AUDIT_WRITE_DELAY_MS/);
  });

  it('stores a row still waiting for its INSERT when the server stops', async () => {
    const DATA_DIR = temporaryDataDir();
    const first = await startTestServer({ DATA_DIR, AUDIT_WRITE_DELAY_MS: '1000' });
    const draft = await first.graphql<{ draftStatusUpdate: { generation: { status: string } } }>(
      DRAFT,
      { input: statusUpdateInput() },
    );
    expect(draft.data?.draftStatusUpdate.generation.status).toBe('SUCCEEDED');
    // Within the second the row waits: none is stored yet.
    const before = await first.graphql<{ auditLog: { edges: unknown[] } }>(AUDIT);
    expect(before.data?.auditLog.edges).toEqual([]);
    await first.stop();

    // The same store again (PGlite directory, or the same PostgreSQL database under TEST_DATABASE=postgres).
    server = await startTestServer({ DATA_DIR });
    const after = await server.graphql<{ auditLog: { edges: { node: unknown }[] } }>(AUDIT);
    expect(after.data?.auditLog.edges.map((edge) => edge.node)).toEqual([
      { feature: 'STATUS_UPDATE', outcome: 'OK' },
    ]);
  });
});
