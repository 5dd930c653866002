/** The federated Incident entity: stored drafts joined for many incidents with one SQL query. */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { statusUpdateInput } from '../fixtures/status-update.js';
import { startTestServer, type TestServer } from '../support/server.js';

const ENTITIES = `query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Incident { id statusUpdateDrafts { id status incidentId } postmortemDrafts { id } runbookDrafts(first: 1) { id } }
  }
}`;

interface Entities {
  _entities: {
    id: string;
    statusUpdateDrafts: { id: string; status: string; incidentId: string }[];
    postmortemDrafts: unknown[];
    runbookDrafts: unknown[];
  }[];
}

describe('Incident drafts', () => {
  let server: TestServer;
  const draftIds: Record<string, string[]> = { 'INC-1': [], 'INC-2': [] };

  beforeAll(async () => {
    server = await startTestServer();
    for (const incidentId of ['INC-1', 'INC-1', 'INC-2']) {
      const result = await server.graphql<{ draftStatusUpdate: { generation: { id: string } } }>(
        'mutation($input: DraftStatusUpdateInput!) { draftStatusUpdate(input: $input) { generation { id } } }',
        {
          input: statusUpdateInput({ incidentId }),
        },
      );
      draftIds[incidentId]!.push(result.data!.draftStatusUpdate.generation.id);
    }
    // The drafts' audit rows are written in the background, a few milliseconds later: not during the counted query.
    await server.app.services.audit.flush();
  });
  afterAll(() => server.stop());

  it('joins each incident its drafts, newest first, for 25 incidents with one SQL query', async () => {
    const representations = Array.from({ length: 25 }, (_, index) => ({
      __typename: 'Incident',
      id: `INC-${index + 1}`,
    }));
    const query = vi.spyOn(server.app.store.db, 'query');
    const result = await server.graphql<Entities>(ENTITIES, { representations });
    // Counting the statements that read drafts: background work (heartbeats on PostgreSQL) may run its own meanwhile.
    expect(
      query.mock.calls.filter(([sql]) => String(sql).includes('incident_id = ANY')),
    ).toHaveLength(1);
    query.mockRestore();

    expect(result.errors).toBeUndefined();
    const [first, second, ...rest] = result.data!._entities;
    expect(first!.statusUpdateDrafts.map((draft) => draft.id)).toEqual(
      [...draftIds['INC-1']!].reverse(),
    );
    expect(
      first!.statusUpdateDrafts.every(
        (draft) => draft.incidentId === 'INC-1' && draft.status === 'SUCCEEDED',
      ),
    ).toBe(true);
    expect(second!.statusUpdateDrafts.map((draft) => draft.id)).toEqual(draftIds['INC-2']);
    expect(
      rest.every(
        (incident) =>
          incident.statusUpdateDrafts.length === 0 && incident.postmortemDrafts.length === 0,
      ),
    ).toBe(true);
  });

  it('honours first, and bounds it', async () => {
    const one = await server.graphql<Entities>(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Incident { statusUpdateDrafts(first: 1) { id } } } }`,
      { r: [{ __typename: 'Incident', id: 'INC-1' }] },
    );
    expect(one.data!._entities[0]!.statusUpdateDrafts.map((draft) => draft.id)).toEqual([
      draftIds['INC-1']![1],
    ]);
    const tooMany = await server.graphql(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Incident { statusUpdateDrafts(first: 500) { id } } } }`,
      {
        r: [{ __typename: 'Incident', id: 'INC-1' }],
      },
    );
    expect(tooMany.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
  });

  it('lists drafts by incident through generations(filter:) with cursor pagination', async () => {
    const page = async (after?: string) =>
      (
        await server.graphql<{
          generations: {
            edges: { cursor: string; node: { id: string } }[];
            pageInfo: { hasNextPage: boolean; endCursor: string };
          };
        }>(
          'query($after: String) { generations(filter: { incidentId: "INC-1", feature: STATUS_UPDATE }, first: 1, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }',
          { after },
        )
      ).data!.generations;
    const first = await page();
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = await page(first.pageInfo.endCursor);
    expect(second.pageInfo.hasNextPage).toBe(false);
    expect([...first.edges, ...second.edges].map((edge) => edge.node.id)).toEqual(
      [...draftIds['INC-1']!].reverse(),
    );
  });

  it('resolves a Generation reference from another subgraph', async () => {
    const id = draftIds['INC-2']![0]!;
    const result = await server.graphql<{ _entities: { id: string; feature: string }[] }>(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Generation { id feature } } }`,
      {
        r: [
          { __typename: 'Generation', id },
          { __typename: 'Generation', id: '00000000-0000-4000-8000-000000000000' },
        ],
      },
    );
    expect(result.data!._entities).toEqual([{ id, feature: 'STATUS_UPDATE' }, null]);
  });
});
