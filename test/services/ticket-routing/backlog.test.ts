/**
 * Bulk routing through GraphQL on the embedded store and the in-process queue: a backlog routed
 * in chunks to the same decisions as routeTickets, stored as ordinary predictions, paginated,
 * extended, cancelled, kept from other accounts, retried after an LLM failure, and visible in
 * /metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clincSubset } from '../../support/clinc.js';
import { issueKeyIn } from '../../support/keys.js';
import { routingThroughDouble } from '../../support/llm-config.js';
import {
  startOpenAiDouble,
  type OpenAiBehaviour,
  type OpenAiDouble,
} from '../../support/openai-double.js';
import { startTestServer, temporaryDataDir, type TestServer } from '../../support/server.js';

const INTENTS = [
  'card_declined',
  'lost_luggage',
  'pin_change',
  'transfer',
  'bill_due',
  'reset_settings',
  'book_flight',
  'insurance',
];
const PREDICTION =
  'id ticket { id } category confidence decidedBy needsReview alternatives { category confidence } target reason taxonomyId taxonomyVersion';
const BACKLOG = `id taxonomyId taxonomy { id } status progress { total routed failed needsReview pending } workers { id chunks } createdAt startedAt finishedAt`;

interface Backlog {
  id: string;
  taxonomyId: string;
  status: string;
  progress: { total: number; routed: number; failed: number; needsReview: number; pending: number };
  workers: { id: string; chunks: number }[];
  startedAt: string | null;
  finishedAt: string | null;
}

interface Prediction {
  id: string;
  ticket: { id: string };
  category: string | null;
  decidedBy: string;
  needsReview: boolean;
  reason: string;
}

interface ResultPage {
  edges: {
    cursor: string;
    node: {
      position: number;
      ticket: { id: string } | null;
      error: string | null;
      prediction: Prediction | null;
    };
  }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const trainingRows = clincSubset('train', INTENTS).map(([body, category]) => ({ body, category }));
const testRows = clincSubset('test', INTENTS);
const tickets = (count: number, prefix: string) =>
  Array.from({ length: count }, (_, index) => ({
    id: `${prefix}-${index}`,
    body: testRows[index % testRows.length]![0],
  }));

async function trainedTaxonomy(
  server: TestServer,
  name: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<string> {
  const created = await server.graphql<{ createTaxonomy: { taxonomy: { id: string } } }>(
    'mutation($input: CreateTaxonomyInput!) { createTaxonomy(input: $input) { taxonomy { id } } }',
    {
      input: {
        name,
        categories: INTENTS.map((intent) => ({
          name: intent,
          description: `Tickets about ${intent}`,
          target: `queue-${intent}`,
        })),
        ...extra,
      },
    },
    headers,
  );
  expect(created.errors).toBeUndefined();
  const id = created.data!.createTaxonomy.taxonomy.id;
  const imported = await server.graphql(
    'mutation($id: ID!, $rows: [LabeledTicketInput!]!) { importLabeledTickets(input: { taxonomyId: $id, examples: $rows }) { imported } }',
    { id, rows: trainingRows },
    headers,
  );
  expect(imported.errors).toBeUndefined();
  const trained = await server.graphql(
    'mutation($id: ID!) { trainRouter(input: { taxonomyId: $id }) { model { trainedOn } } }',
    { id },
    headers,
  );
  expect(trained.errors).toBeUndefined();
  return id;
}

const routeBacklog = (
  server: TestServer,
  variables: { taxonomyId?: string; tickets: unknown[]; backlogId?: string },
  headers: Record<string, string> = {},
) =>
  server.graphql<{
    routeBacklog: {
      backlog: Backlog;
      userErrors: { field: string[] | null; code: string; message: string }[];
    };
  }>(
    `mutation($input: RouteBacklogInput!) { routeBacklog(input: $input) { backlog { ${BACKLOG} } userErrors { field code message } } }`,
    { input: variables },
    headers,
  );

const getBacklog = async (server: TestServer, id: string, headers: Record<string, string> = {}) =>
  (
    await server.graphql<{ routingBacklog: Backlog | null }>(
      `query($id: ID!) { routingBacklog(id: $id) { ${BACKLOG} } }`,
      { id },
      headers,
    )
  ).data!.routingBacklog;

async function finished(server: TestServer, id: string, timeout = 30_000): Promise<Backlog> {
  await expect
    .poll(async () => (await getBacklog(server, id))!.status, { timeout, interval: 100 })
    .toMatch(/SUCCEEDED|FAILED|CANCELLED/);
  return (await getBacklog(server, id))!;
}

async function allResults(
  server: TestServer,
  id: string,
  first: number,
): Promise<{ pages: number; nodes: ResultPage['edges'][number]['node'][] }> {
  const nodes: ResultPage['edges'][number]['node'][] = [];
  let after: string | null = null;
  let pages = 0;
  do {
    const response: { data?: { routingBacklog: { results: ResultPage } }; errors?: unknown } =
      await server.graphql(
        `query($id: ID!, $first: Int, $after: String) { routingBacklog(id: $id) { results(first: $first, after: $after) { edges { cursor node { position ticket { id } error prediction { ${PREDICTION} } } } pageInfo { hasNextPage endCursor } } } }`,
        { id, first, after },
      );
    expect(response.errors).toBeUndefined();
    const page = response.data!.routingBacklog.results;
    nodes.push(...page.edges.map((edge) => edge.node));
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    pages++;
  } while (after);
  return { pages, nodes };
}

describe('routing backlogs with the local model', () => {
  let server: TestServer;
  let taxonomyId: string;

  beforeAll(async () => {
    server = await startTestServer();
    taxonomyId = await trainedTaxonomy(server, 'support');
  });
  afterAll(() => server.stop());

  it('routes a backlog in chunks to the same decisions routeTickets makes, stored as ordinary predictions', async () => {
    const batch = tickets(250, 'B');
    const started = await routeBacklog(server, { taxonomyId, tickets: batch });
    expect(started.errors).toBeUndefined();
    expect(started.data!.routeBacklog.backlog).toMatchObject({
      taxonomyId,
      taxonomy: { id: taxonomyId },
      progress: { total: 250 },
    });
    const done = await finished(server, started.data!.routeBacklog.backlog.id);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.progress).toMatchObject({ total: 250, routed: 250, failed: 0, pending: 0 });
    expect(done.workers.reduce((sum, worker) => sum + worker.chunks, 0)).toBe(3);
    expect(done.startedAt).not.toBeNull();
    expect(done.finishedAt).not.toBeNull();

    const { pages, nodes } = await allResults(server, done.id, 100);
    expect(pages).toBe(3);
    expect(nodes.map((node) => node.position)).toEqual(batch.map((_, index) => index));
    expect(nodes.map((node) => node.ticket!.id)).toEqual(batch.map((ticket) => ticket.id));

    // The same texts under other ticket ids, so routeTickets decides them afresh.
    const direct = await server.graphql<{ routeTickets: Prediction[] }>(
      `query($tickets: [TicketInput!]!, $taxonomyId: ID) { routeTickets(tickets: $tickets, taxonomyId: $taxonomyId) { ${PREDICTION} } }`,
      { tickets: batch.map((ticket) => ({ ...ticket, id: `direct-${ticket.id}` })), taxonomyId },
    );
    expect(direct.errors).toBeUndefined();
    const decision = ({ id: _id, ticket: _ticket, ...rest }: Prediction) => rest;
    expect(nodes.map((node) => decision(node.prediction!))).toEqual(
      direct.data!.routeTickets.map(decision),
    );
    // The backlog's own tickets read back its stored decisions.
    const stored = await server.graphql<{ routeTickets: { id: string }[] }>(
      `query($tickets: [TicketInput!]!, $taxonomyId: ID) { routeTickets(tickets: $tickets, taxonomyId: $taxonomyId) { id } }`,
      { tickets: batch.slice(0, 5), taxonomyId },
    );
    expect(stored.data!.routeTickets.map((prediction) => prediction.id)).toEqual(
      nodes.slice(0, 5).map((node) => node.prediction!.id),
    );
    expect(done.progress.needsReview).toBe(
      direct.data!.routeTickets.filter((prediction) => prediction.needsReview).length,
    );

    // The review queue sees backlog predictions like any other.
    const queued = await server.graphql<{ reviewQueue: { nodes: { id: string }[] } }>(
      'query($id: ID) { reviewQueue(taxonomyId: $id, first: 500) { nodes { id } } }',
      { id: taxonomyId },
    );
    const backlogReview = nodes
      .filter((node) => node.prediction!.needsReview)
      .map((node) => node.prediction!.id);
    expect(backlogReview.length).toBeGreaterThan(0);
    expect(queued.data!.reviewQueue.nodes.map((prediction) => prediction.id)).toEqual(
      expect.arrayContaining(backlogReview),
    );
  });

  it('adds tickets to an existing backlog, which runs again until they are routed too', async () => {
    const first = await routeBacklog(server, { tickets: tickets(30, 'A1') });
    const id = first.data!.routeBacklog.backlog.id;
    expect(first.data!.routeBacklog.backlog.taxonomyId).toBe(taxonomyId);
    await finished(server, id);
    const more = await routeBacklog(server, { tickets: tickets(120, 'A2'), backlogId: id });
    expect(more.errors).toBeUndefined();
    expect(more.data!.routeBacklog.backlog).toMatchObject({ id, progress: { total: 150 } });
    const done = await finished(server, id);
    expect(done).toMatchObject({
      status: 'SUCCEEDED',
      progress: { total: 150, routed: 150, pending: 0 },
    });
    const { nodes } = await allResults(server, id, 100);
    expect(nodes.map((node) => node.ticket!.id)).toEqual(
      [...tickets(30, 'A1'), ...tickets(120, 'A2')].map((ticket) => ticket.id),
    );
  });

  it('refuses bad input with userErrors naming the ticket, and unknown ids as not found', async () => {
    const empty = await routeBacklog(server, { taxonomyId, tickets: [] });
    expect(empty.data!.routeBacklog).toMatchObject({
      backlog: null,
      userErrors: [{ field: ['input', 'tickets'], code: 'BAD_USER_INPUT' }],
    });
    const bad = await routeBacklog(server, {
      taxonomyId,
      tickets: [...tickets(3, 'X'), { id: 'X-bad', body: '' }],
    });
    expect(bad.data!.routeBacklog).toMatchObject({
      backlog: null,
      userErrors: [{ field: ['input', 'tickets', '3', 'body'], code: 'BAD_USER_INPUT' }],
    });
    const unknownTaxonomy = await routeBacklog(server, {
      taxonomyId: '00000000-0000-4000-8000-000000000000',
      tickets: tickets(1, 'X'),
    });
    expect(unknownTaxonomy.data!.routeBacklog.userErrors[0]!.code).toBe('NOT_FOUND');
    expect(await getBacklog(server, 'not-a-uuid')).toBeNull();
    const cancel = await server.graphql<{
      cancelRoutingBacklog: { backlog: null; userErrors: { code: string }[] };
    }>(
      'mutation { cancelRoutingBacklog(input: { id: "00000000-0000-4000-8000-000000000000" }) { backlog { id } userErrors { code } } }',
    );
    expect(cancel.data!.cancelRoutingBacklog).toEqual({
      backlog: null,
      userErrors: [{ code: 'NOT_FOUND' }],
    });
    const page = await server.graphql(
      `query($id: ID!) { routingBacklog(id: $id) { results(first: 0) { pageInfo { hasNextPage } } } }`,
      {
        id: (await routeBacklog(server, { tickets: tickets(1, 'P') })).data!.routeBacklog.backlog
          .id,
      },
    );
    expect(page.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
  });

  it('counts queue depth and routed tickets in /metrics', async () => {
    const metrics = async () => (await fetch(server.url.replace(/\/graphql$/, '/metrics'))).text();
    // With pg-boss (TEST_DATABASE=postgres), chunks of cancelled backlogs and retries in backoff
    // leave the queue at the workers' next poll, and the last test's backlog may still be running:
    // the queue drains to empty, waiting and running.
    const depth = (body: string, state: string) =>
      new RegExp(`^ai_subgraph_backlog_queue_depth\\{state="${state}"\\} (\\d+)$`, 'm').exec(
        body,
      )?.[1];
    await expect
      .poll(
        async () => {
          const body = await metrics();
          return [depth(body, 'waiting'), depth(body, 'running')];
        },
        { timeout: 20_000, interval: 250 },
      )
      .toEqual(['0', '0']);
    const body = await metrics();
    const routed = Number(
      /^ai_subgraph_backlog_tickets_total\{outcome="routed"\} (\d+)$/m.exec(body)?.[1],
    );
    expect(routed).toBeGreaterThanOrEqual(250 + 150);
  });
});

describe('routing backlogs of two accounts', () => {
  it('answers another account as if the backlog did not exist', async () => {
    const dataDir = temporaryDataDir();
    const acme = await issueKeyIn(dataDir, 'acme', ['route']);
    const globex = await issueKeyIn(dataDir, 'globex', ['route']);
    const server = await startTestServer({ DATA_DIR: dataDir });
    try {
      const asAcme = { authorization: `Bearer ${acme}` };
      const asGlobex = { authorization: `Bearer ${globex}` };
      const taxonomyId = await trainedTaxonomy(server, 'acme-support', {}, asAcme);
      const started = await routeBacklog(server, { taxonomyId, tickets: tickets(10, 'T') }, asAcme);
      const id = started.data!.routeBacklog.backlog.id;
      expect(await getBacklog(server, id, asGlobex)).toBeNull();
      const cancel = await server.graphql<{
        cancelRoutingBacklog: { userErrors: { code: string }[] };
      }>(
        'mutation($id: ID!) { cancelRoutingBacklog(input: { id: $id }) { backlog { id } userErrors { code } } }',
        { id },
        asGlobex,
      );
      expect(cancel.data!.cancelRoutingBacklog.userErrors).toEqual([{ code: 'NOT_FOUND' }]);
      const append = await routeBacklog(
        server,
        { tickets: tickets(1, 'G'), backlogId: id },
        asGlobex,
      );
      expect(append.data!.routeBacklog.userErrors[0]!.code).toBe('NOT_FOUND');
      expect(await getBacklog(server, id, asAcme)).toMatchObject({ id, progress: { total: 10 } });
    } finally {
      await server.stop();
    }
  });
});

describe('routing backlogs with an LLM', () => {
  let double: OpenAiDouble;
  let server: TestServer;
  let taxonomyId: string;

  /** The LLM's answer for a call about `count` tickets: each the true intent of the test row, sure. */
  const answer = (batch: { body: string }[]): OpenAiBehaviour => ({
    kind: 'json',
    value: {
      results: batch.map((ticket, index) => ({
        id: String(index),
        category: testRows.find(([body]) => body === ticket.body)![1],
        confidence: 0.95,
        reason: 'clear',
      })),
    },
    usage: { inputTokens: 100, outputTokens: 20 },
  });

  beforeAll(async () => {
    double = await startOpenAiDouble();
    // No retries in the gateway: the backlog queue's own retry is what is tested.
    const LLM_CONFIG = routingThroughDouble(double.url);
    server = await startTestServer({
      LLM_CONFIG,
      OPENAI_API_KEY: 'sk-test',
      BACKLOG_CONCURRENCY: '1',
      BACKLOG_ATTEMPTS: '2',
      BACKLOG_RETRY_DELAY_SECONDS: '1',
    });
    // localThreshold 1: every ticket goes to the LLM.
    taxonomyId = await trainedTaxonomy(server, 'llm-first', {
      localThreshold: 1,
      reviewThreshold: 0.7,
      rules: [{ keyword: 'chargeback', category: 'card_declined' }],
    });
  });
  afterAll(async () => {
    await server.stop();
    await double.close();
  });

  it('retries a chunk whose LLM call failed, after a backoff, and routes it', async () => {
    const batch = tickets(20, 'R');
    const calls = double.calls;
    double.enqueue({ kind: 'error', status: 500 }, answer(batch));
    const started = await routeBacklog(server, { taxonomyId, tickets: batch });
    const done = await finished(server, started.data!.routeBacklog.backlog.id);
    expect(done).toMatchObject({
      status: 'SUCCEEDED',
      progress: { total: 20, routed: 20, failed: 0 },
    });
    expect(double.calls - calls).toBe(2);
    const { nodes } = await allResults(server, done.id, 100);
    expect(
      nodes.every(
        (node, index) =>
          node.prediction!.decidedBy === 'LLM' && node.prediction!.category === testRows[index]![1],
      ),
    ).toBe(true);
  });

  it('marks the tickets of a chunk that fails every attempt failed, and routes the other chunks', async () => {
    // Two chunks: 100 tickets a pinned keyword rule decides (no LLM call), and 20 that need the
    // LLM, which fails every call: only the second chunk's tickets fail.
    const ruled = Array.from({ length: 100 }, (_, index) => ({
      id: `K-${index}`,
      body: `please file a chargeback for order ${index}`,
    }));
    double.setDefault({ kind: 'error', status: 503 });
    try {
      const started = await routeBacklog(server, {
        taxonomyId,
        tickets: [...ruled, ...tickets(20, 'F')],
      });
      const done = await finished(server, started.data!.routeBacklog.backlog.id);
      expect(done).toMatchObject({
        status: 'SUCCEEDED',
        progress: { total: 120, routed: 100, failed: 20, pending: 0 },
      });
      const { nodes } = await allResults(server, done.id, 100);
      expect(nodes).toHaveLength(120);
      expect(
        nodes
          .slice(0, 100)
          .every((node) => node.error === null && node.prediction!.decidedBy === 'RULE'),
      ).toBe(true);
      expect(
        nodes
          .slice(100)
          .every((node) => node.prediction === null && /PROVIDER/.test(node.error ?? '')),
      ).toBe(true);

      const body = await (await fetch(server.url.replace(/\/graphql$/, '/metrics'))).text();
      expect(body).toMatch(/^ai_subgraph_backlog_tickets_total\{outcome="failed"\} 20$/m);

      const failing = await routeBacklog(server, { taxonomyId, tickets: tickets(10, 'E') });
      expect(await finished(server, failing.data!.routeBacklog.backlog.id)).toMatchObject({
        status: 'FAILED',
        progress: { total: 10, routed: 0, failed: 10, pending: 0 },
      });
    } finally {
      double.setDefault({ kind: 'text', text: 'Hello from the double.' });
    }
  }, 30_000);

  it('cancels a backlog: chunks not yet taken never run, what was routed stays', async () => {
    const batch = tickets(300, 'C');
    // Each LLM call takes 1.5 s, so the first chunk is still running when the cancel arrives.
    double.setDefault({ kind: 'delay', ms: 1_500, then: answer(batch.slice(0, 20)) });
    try {
      const started = await routeBacklog(server, { taxonomyId, tickets: batch });
      const id = started.data!.routeBacklog.backlog.id;
      await expect
        .poll(async () => (await getBacklog(server, id))!.status, { timeout: 10_000, interval: 50 })
        .toBe('RUNNING');
      const cancelled = await server.graphql<{ cancelRoutingBacklog: { backlog: Backlog } }>(
        `mutation($id: ID!) { cancelRoutingBacklog(input: { id: $id }) { backlog { ${BACKLOG} } } }`,
        { id },
      );
      expect(cancelled.errors).toBeUndefined();
      expect(cancelled.data!.cancelRoutingBacklog.backlog.status).toBe('CANCELLED');
      // The chunk that was running finishes and is stored; the other two never start.
      await expect
        .poll(async () => (await getBacklog(server, id))!.workers.length, { timeout: 15_000 })
        .toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const after = (await getBacklog(server, id))!;
      expect(after.status).toBe('CANCELLED');
      expect(after.progress.routed).toBe(100);
      expect(after.progress.pending).toBe(200);
      const again = await server.graphql<{ cancelRoutingBacklog: { backlog: Backlog } }>(
        `mutation($id: ID!) { cancelRoutingBacklog(input: { id: $id }) { backlog { status } } }`,
        { id },
      );
      expect(again.data!.cancelRoutingBacklog.backlog.status).toBe('CANCELLED');
      const append = await routeBacklog(server, { tickets: tickets(1, 'late'), backlogId: id });
      expect(append.data!.routeBacklog.userErrors[0]!.code).toBe('CONFLICT');
    } finally {
      double.setDefault({ kind: 'text', text: 'Hello from the double.' });
    }
  }, 40_000);
});
