/**
 * The federated Incident entity: its stored drafts of every feature as a connection, joined for
 * many incidents with one SQL query, and `Generation.incident` pointing back to it.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { statusUpdateInput } from '../fixtures/status-update.js';
import { startTestServer, type TestServer } from '../support/server.js';

interface Drafts {
  totalCount: number;
  nodes: { id: string; feature: string; status: string; incident: { id: string } | null }[];
  edges: { cursor: string; node: { id: string } }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
}

const DRAFTS = `totalCount
  nodes { id feature status incident { id } }
  edges { cursor node { id } }
  pageInfo { hasNextPage hasPreviousPage endCursor }`;

const ENTITIES = `query($representations: [_Any!]!, $feature: AiFeature, $first: Int, $after: String) {
  _entities(representations: $representations) {
    ... on Incident { id drafts(feature: $feature, first: $first, after: $after) { ${DRAFTS} } }
  }
}`;

interface Entities {
  _entities: { id: string; drafts: Drafts | null }[];
}

const incidents = (...ids: string[]) => ids.map((id) => ({ __typename: 'Incident', id }));

describe('Incident drafts', () => {
  let server: TestServer;
  const statusUpdates: Record<string, string[]> = { 'INC-1': [], 'INC-2': [] };
  let runbookId: string;

  const entities = (variables: Record<string, unknown>) =>
    server.graphql<Entities>(ENTITIES, variables);

  beforeAll(async () => {
    server = await startTestServer();
    for (const incidentId of ['INC-1', 'INC-1', 'INC-2']) {
      const result = await server.graphql<{ draftStatusUpdate: { generation: { id: string } } }>(
        'mutation($input: DraftStatusUpdateInput!) { draftStatusUpdate(input: $input) { generation { id } } }',
        { input: statusUpdateInput({ incidentId }) },
      );
      statusUpdates[incidentId]!.push(result.data!.draftStatusUpdate.generation.id);
    }
    // A runbook: a feature the entity did not reach before.
    const runbook = await server.graphql<{ draftRunbook: { generation: { id: string } } }>(
      'mutation($input: DraftRunbookInput!) { draftRunbook(input: $input) { generation { id } } }',
      { input: { request: 'Restart the checkout-api pods in production', incidentId: 'INC-1' } },
    );
    expect(runbook.errors).toBeUndefined();
    runbookId = runbook.data!.draftRunbook.generation.id;
    // The drafts' audit rows are written in the background, a few milliseconds later: not during the counted query.
    await server.app.services.audit.flush();
  });
  afterAll(() => server.stop());

  it('joins each incident its drafts of one feature, newest first, for 25 incidents with one SQL query', async () => {
    const representations = incidents(
      ...Array.from({ length: 25 }, (_, index) => `INC-${index + 1}`),
    );
    const query = vi.spyOn(server.app.store.db, 'query');
    const result = await entities({ representations, feature: 'STATUS_UPDATE' });
    // Counting the statements that read drafts: background work (heartbeats on PostgreSQL) may run its own meanwhile.
    expect(
      query.mock.calls.filter(([sql]) => String(sql).includes('incident_id = ANY')),
    ).toHaveLength(1);
    query.mockRestore();

    expect(result.errors).toBeUndefined();
    const [first, second, ...rest] = result.data!._entities;
    expect(first!.drafts!.nodes.map((draft) => draft.id)).toEqual(
      [...statusUpdates['INC-1']!].reverse(),
    );
    expect(first!.drafts!.totalCount).toBe(2);
    expect(
      first!.drafts!.nodes.every(
        (draft) =>
          draft.incident?.id === 'INC-1' &&
          draft.status === 'SUCCEEDED' &&
          draft.feature === 'STATUS_UPDATE',
      ),
    ).toBe(true);
    expect(second!.drafts!.nodes.map((draft) => draft.id)).toEqual(statusUpdates['INC-2']);
    expect(second!.drafts!.totalCount).toBe(1);
    expect(rest.every((incident) => incident.drafts!.totalCount === 0)).toBe(true);
    expect(rest[0]!.drafts!.pageInfo).toEqual({
      hasNextPage: false,
      hasPreviousPage: false,
      endCursor: null,
    });
  });

  it('reaches the drafts of every feature when none is named', async () => {
    const result = await entities({ representations: incidents('INC-1') });
    expect(result.errors).toBeUndefined();
    const drafts = result.data!._entities[0]!.drafts!;
    expect(drafts.totalCount).toBe(3);
    expect(drafts.nodes.map((draft) => draft.id)).toEqual([
      runbookId,
      ...[...statusUpdates['INC-1']!].reverse(),
    ]);
    const runbooks = await entities({ representations: incidents('INC-1'), feature: 'RUNBOOK' });
    expect(runbooks.data!._entities[0]!.drafts!.nodes).toEqual([
      { id: runbookId, feature: 'RUNBOOK', status: 'SUCCEEDED', incident: { id: 'INC-1' } },
    ]);
  });

  it('pages with first and after, counting the whole list on every page, and bounds first', async () => {
    const page = async (after?: string) =>
      (await entities({ representations: incidents('INC-1', 'INC-2'), first: 2, after })).data!
        ._entities;
    const [one, other] = await page();
    expect(one!.drafts!.nodes).toHaveLength(2);
    expect(one!.drafts!.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(other!.drafts!.pageInfo.hasNextPage).toBe(false);
    const [next] = await page(one!.drafts!.pageInfo.endCursor!);
    expect(next!.drafts!.totalCount).toBe(3);
    expect(next!.drafts!.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect([...one!.drafts!.nodes, ...next!.drafts!.nodes].map((draft) => draft.id)).toEqual([
      runbookId,
      ...[...statusUpdates['INC-1']!].reverse(),
    ]);
    expect(next!.drafts!.edges.map((edge) => edge.node.id)).toEqual(
      next!.drafts!.nodes.map((draft) => draft.id),
    );

    const tooMany = await entities({ representations: incidents('INC-1'), first: 500 });
    expect(tooMany.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    // The incident still arrives; only its drafts are null.
    expect(tooMany.data!._entities).toEqual([{ id: 'INC-1', drafts: null }]);
  });

  it("nulls only the drafts, with an error on each incident's path, when they cannot be read", async () => {
    const original = server.app.store.db.query.bind(server.app.store.db);
    const failing = vi
      .spyOn(server.app.store.db, 'query')
      .mockImplementation(((sql: string, params?: unknown[]) =>
        String(sql).includes('incident_id = ANY')
          ? Promise.reject(new Error('the store is down'))
          : original(sql, params)) as never);
    const result = await entities({ representations: incidents('INC-1', 'INC-2') });
    failing.mockRestore();
    expect(result.data!._entities).toEqual([
      { id: 'INC-1', drafts: null },
      { id: 'INC-2', drafts: null },
    ]);
    expect(result.errors!.map((error) => error.path)).toEqual([
      ['_entities', 0, 'drafts'],
      ['_entities', 1, 'drafts'],
    ]);
  });

  it('lists drafts by incident through generations(filter:) with nodes, totalCount and cursors', async () => {
    const page = async (after?: string) =>
      (
        await server.graphql<{
          generations: {
            totalCount: number;
            nodes: { id: string }[];
            edges: { cursor: string; node: { id: string } }[];
            pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string };
          };
        }>(
          'query($after: String) { generations(filter: { incidentId: "INC-1", feature: STATUS_UPDATE }, first: 1, after: $after) { totalCount nodes { id } edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage endCursor } } }',
          { after },
        )
      ).data!.generations;
    const first = await page();
    expect(first.totalCount).toBe(2);
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const second = await page(first.pageInfo.endCursor);
    expect(second.totalCount).toBe(2);
    expect(second.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect([...first.nodes, ...second.nodes].map((node) => node.id)).toEqual(
      [...statusUpdates['INC-1']!].reverse(),
    );
    expect(second.edges.map((edge) => edge.node.id)).toEqual(second.nodes.map((node) => node.id));
  });

  it('resolves a Generation reference from another subgraph, and its incident as an entity', async () => {
    const id = statusUpdates['INC-2']![0]!;
    const result = await server.graphql<{
      _entities: ({ id: string; feature: string; incident: { id: string } | null } | null)[];
    }>(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Generation { id feature incident { id } } } }`,
      {
        r: [
          { __typename: 'Generation', id },
          { __typename: 'Generation', id: '00000000-0000-4000-8000-000000000000' },
        ],
      },
    );
    expect(result.data!._entities).toEqual([
      { id, feature: 'STATUS_UPDATE', incident: { id: 'INC-2' } },
      null,
    ]);
  });
});
