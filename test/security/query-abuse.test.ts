/**
 * Abusive operations get a clear error before anything runs, on HTTP and graphql-ws, and the
 * server keeps serving: deep nesting, alias bombs, too many root fields, huge lists, operations
 * over the cost limit, batched requests, oversized bodies, and cross-site simple requests.
 * "Before anything runs" is shown by spies on the store (no resolver reached it) and by the number
 * of stored generations.
 */
import { randomUUID } from 'node:crypto';
import { buildSchema, getIntrospectionQuery, getOperationAST, parse } from 'graphql';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { measureOperation } from '../../src/security/limits/index.js';
import {
  DRAFT_STATUS_UPDATE,
  checkoutIncident,
  statusUpdateInput,
} from '../fixtures/status-update.js';
import { startTestServer, type GraphQLResponse, type TestServer } from '../support/server.js';

interface Refusal {
  status: number;
  body: GraphQLResponse<unknown>;
}

describe('query abuse', () => {
  let server: TestServer;
  beforeAll(async () => {
    // The request limit is generous here: this file is about the shape of operations.
    server = await startTestServer({ RATE_LIMIT_REQUESTS_PER_MINUTE: '100000' });
  });
  afterAll(() => server.stop());
  afterEach(() => vi.restoreAllMocks());

  const post = async (body: unknown, headers: Record<string, string> = {}): Promise<Refusal> => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as GraphQLResponse<unknown> };
  };
  const storedGenerations = async () =>
    (
      await server.graphql<{ generations: { edges: unknown[] } }>(
        '{ generations(first: 100) { edges { cursor } } }',
      )
    ).data!.generations.edges.length;
  /** Spies on every read and write of generations: none may happen while a refused operation is handled. */
  const spyOnStore = () => {
    const repository = server.app.store.generations;
    return [
      vi.spyOn(repository, 'findByIds'),
      vi.spyOn(repository, 'findById'),
      vi.spyOn(repository, 'list'),
      vi.spyOn(repository, 'insertRunning'),
    ];
  };
  const expectTooComplex = (result: Refusal, rule: string, measured: number, limit: number) => {
    expect(result.status).toBe(400);
    expect(result.body.data).toBeUndefined();
    expect(result.body.errors).toHaveLength(1);
    expect(result.body.errors![0]!.extensions).toEqual({
      code: 'QUERY_TOO_COMPLEX',
      rule,
      measured,
      limit,
    });
    expect(result.body.errors![0]!.message).toContain(String(limit));
  };

  /** `__type { fields { type { fields { … } } } }`, `depth` fields deep. */
  const introspectionOfDepth = (depth: number) => {
    let inner = 'name';
    for (let level = depth; level > 1; level--)
      inner = level % 2 === 0 ? `fields { ${inner} }` : `type { ${inner} }`;
    return `{ __type(name: "Generation") { ${inner} } }`;
  };

  it('refuses nesting 20 deep before execution, and allows the standard introspection query', async () => {
    // This schema has no recursive types: only introspection nests this deep, and graphql-js's own
    // rule (three nested lists of types at most) refuses it during validation. The depth limit is
    // the backstop for recursive types to come (see the next describe).
    const deep = await post({ query: introspectionOfDepth(20) });
    expect(deep.status).toBe(400);
    expect(deep.body.errors![0]).toMatchObject({
      message: 'Maximum introspection depth exceeded',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    const fragments = Array.from(
      { length: 10 },
      (_, i) =>
        `fragment F${i} on __Type { fields { type { ${i < 9 ? `...F${i + 1}` : 'name'} } } }`,
    ).join('\n');
    expect(
      (await post({ query: `{ __type(name: "Generation") { ...F0 } }\n${fragments}` })).status,
    ).toBe(400);

    const introspection = await post({
      query: getIntrospectionQuery({
        descriptions: true,
        inputValueDeprecation: true,
        specifiedByUrl: true,
        directiveIsRepeatable: true,
        schemaDescription: true,
      }),
    });
    expect(introspection.status).toBe(200);
    expect(introspection.body.errors).toBeUndefined();
  });

  it('refuses an alias bomb before any resolver reads the store', async () => {
    const spies = spyOnStore();
    const id = randomUUID();
    const bomb = `{ ${Array.from({ length: 100 }, (_, i) => `g${i}: generation(id: "${id}") { id text }`).join(' ')} }`;
    expectTooComplex(await post({ query: bomb }), 'aliases', 100, 30);
    // Aliases inside a field count the same, fragments as often as they are spread.
    const spread = `query { generation(id: "${id}") { ...A ...A ...A ...A } } fragment A on Generation { ${Array.from({ length: 8 }, (_, i) => `t${i}: text`).join(' ')} }`;
    expectTooComplex(await post({ query: spread }), 'aliases', 32, 30);
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });

  it('refuses an alias bomb of mutations without starting any generation', async () => {
    const before = await storedGenerations();
    const spies = spyOnStore();
    const mutation = `mutation($input: DraftStatusUpdateInput!) { ${Array.from({ length: 40 }, (_, i) => `d${i}: draftStatusUpdate(input: $input) { generation { id } }`).join(' ')} }`;
    expectTooComplex(
      await post({ query: mutation, variables: { input: statusUpdateInput() } }),
      'aliases',
      40,
      30,
    );
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    vi.restoreAllMocks();
    expect(await storedGenerations()).toBe(before);
  });

  it('refuses more than 20 root fields', async () => {
    const spies = spyOnStore();
    const id = randomUUID();
    const wide = `{ ${Array.from({ length: 25 }, () => `generation(id: "${id}") { id }`).join(' ')} }`;
    expectTooComplex(await post({ query: wide }), 'rootFields', 25, 20);
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });

  it('refuses any list over 5000 elements, in variables or in the document, before input validation', async () => {
    const before = await storedGenerations();
    const affectedServices = Array.from({ length: 5001 }, (_, i) => `s${i}`);
    const variables = await post({
      query: DRAFT_STATUS_UPDATE,
      variables: {
        input: statusUpdateInput({ incident: { ...checkoutIncident, affectedServices } }),
      },
    });
    expectTooComplex(variables, 'listLength', 5001, 5000);
    // Empty names: the document must stay under MAX_QUERY_BYTES (32 KiB) to be measured at all.
    const literal = `mutation { draftStatusUpdate(input: { audience: INTERNAL, incident: { title: "x", severity: SEV2, status: IDENTIFIED, affectedServices: [${affectedServices.map(() => '""').join(',')}] } }) { generation { id } } }`;
    expectTooComplex(await post({ query: literal }), 'listLength', 5001, 5000);
    // Nested deep inside the variables counts too.
    const nested = await post({
      query: '{ __typename }',
      variables: { a: { b: [{ c: Array.from({ length: 6000 }, () => 0) }] } },
    });
    expectTooComplex(nested, 'listLength', 6000, 5000);
    // Below the backstop an input's own bound answers, naming the field.
    const bounded = await post({
      query: DRAFT_STATUS_UPDATE,
      variables: {
        input: statusUpdateInput({
          incident: { ...checkoutIncident, affectedServices: affectedServices.slice(0, 51) },
        }),
      },
    });
    expect(bounded.body.errors).toBeUndefined();
    expect(bounded.body.data).toMatchObject({
      draftStatusUpdate: {
        generation: null,
        userErrors: [{ field: ['input', 'incident', 'affectedServices'], code: 'BAD_USER_INPUT' }],
      },
    });
    expect(await storedGenerations()).toBe(before);
  });

  it('refuses an operation whose estimated cost is over 5000 (@cost, @listSize), before it runs', async () => {
    const spies = spyOnStore();
    // Each page: generations 1 + 100 edges × (edge 1 + node 1 + attempts 10 + groundingIssues 10 + usage 1) + pageInfo 1 = 2302.
    const page = (alias: string) =>
      `${alias}: generations(first: 100) { edges { node { id attempts { provider } groundingIssues { kind } usage { costUsd } } } pageInfo { hasNextPage } }`;
    expectTooComplex(
      await post({ query: `{ ${page('a')} ${page('b')} ${page('c')} }` }),
      'cost',
      6906,
      5000,
    );
    // The slicing argument from a variable counts the same as a literal.
    const sliced = `query($n: Int) { a: generations(first: $n) { edges { node { attempts { provider } groundingIssues { kind } } } } b: generations(first: $n) { edges { node { attempts { provider } groundingIssues { kind } } } } c: generations(first: $n) { edges { node { attempts { provider } groundingIssues { kind } } } } }`;
    const refused = await post({ query: sliced, variables: { n: 100 } });
    expect(refused.body.errors![0]!.extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      rule: 'cost',
      limit: 5000,
    });
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    vi.restoreAllMocks();
    // The same page size with small pages is cheap, and runs.
    const small = await post({ query: sliced, variables: { n: 5 } });
    expect(small.status).toBe(200);
    expect(small.body.errors).toBeUndefined();
  });

  it('enforces the same limits on graphql-ws operations, subscriptions included, before they run', async () => {
    const client = server.wsClient();
    const run = (query: string) =>
      new Promise<{ errors?: { extensions?: Record<string, unknown> }[]; data?: unknown }>(
        (resolve, reject) => {
          client.subscribe(
            { query },
            {
              next: (result) => resolve(result as never),
              error: (error) => (Array.isArray(error) ? resolve({ errors: error }) : reject(error)),
              complete: () => resolve({}),
            },
          );
        },
      );
    const spies = spyOnStore();
    expect((await run(introspectionOfDepth(20))).errors![0]!.extensions).toEqual({
      code: 'GRAPHQL_VALIDATION_FAILED',
    });
    const id = randomUUID();
    const wide = `{ ${Array.from({ length: 25 }, () => `generation(id: "${id}") { id }`).join(' ')} }`;
    expect((await run(wide)).errors![0]!.extensions).toEqual({
      code: 'QUERY_TOO_COMPLEX',
      rule: 'rootFields',
      measured: 25,
      limit: 20,
    });
    const subscription = `subscription { generationStream(id: "${id}") { ${Array.from({ length: 31 }, (_, i) => `s${i}: seq`).join(' ')} } }`;
    expect((await run(subscription)).errors![0]!.extensions).toEqual({
      code: 'QUERY_TOO_COMPLEX',
      rule: 'aliases',
      measured: 31,
      limit: 30,
    });
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    // A fitting subscription runs (and fails on the unknown id, in its resolver).
    expect(
      (await run(`subscription { generationStream(id: "${id}") { seq } }`)).errors![0]!.extensions!
        .code,
    ).toBe('NOT_FOUND');
    expect((await run('{ __typename }')).data).toEqual({ __typename: 'Query' });
  });

  it('refuses batched requests with 400 BAD_REQUEST, running none of them', async () => {
    const before = await storedGenerations();
    const batch = await post([
      { query: DRAFT_STATUS_UPDATE, variables: { input: statusUpdateInput() } },
      { query: '{ __typename }' },
    ]);
    expect(batch.status).toBe(400);
    expect(batch.body.errors![0]!.extensions!.code).toBe('BAD_REQUEST');
    expect(batch.body.errors![0]!.message).toMatch(/batching/i);
    expect(await storedGenerations()).toBe(before);
  });

  it('refuses bodies over the 8 MiB default with 413, whether declared or streamed without a length, and websocket messages over it', async () => {
    const before = await storedGenerations();
    const huge = JSON.stringify({
      query: DRAFT_STATUS_UPDATE,
      variables: {
        input: statusUpdateInput({
          incident: { ...checkoutIncident, customerImpact: 'x'.repeat(9 * 1024 * 1024) },
        }),
      },
    });
    const declared = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: huge,
    });
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as GraphQLResponse<unknown>).errors![0]!.extensions!.code).toBe(
      'BAD_REQUEST',
    );

    const bytes = new TextEncoder().encode(huge);
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let offset = 0; offset < bytes.length; offset += 64 * 1024)
          controller.enqueue(bytes.subarray(offset, offset + 64 * 1024));
        controller.close();
      },
    });
    const streamed = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chunked,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);

    // A graphql-ws message over the same limit closes its socket with 1009 (message too big).
    const { query, variables } = JSON.parse(huge) as {
      query: string;
      variables: Record<string, unknown>;
    };
    const closed = await new Promise<unknown>((resolve) =>
      server
        .wsClient()
        .subscribe(
          { query, variables },
          { next: () => undefined, error: resolve, complete: () => resolve('completed') },
        ),
    );
    expect((closed as { code?: number }).code).toBe(1009);
    expect(await storedGenerations()).toBe(before);
  });

  it('refuses cross-site simple requests (CSRF): text/plain POSTs and GETs without a preflight header', async () => {
    const before = await storedGenerations();
    const mutation = `mutation { draftStatusUpdate(input: { audience: INTERNAL, incident: { title: "CSRF", severity: SEV2, status: IDENTIFIED } }) { generation { id } } }`;
    const plain = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: mutation }),
    });
    expect(plain.status).toBe(400);
    const body = (await plain.json()) as GraphQLResponse<unknown>;
    expect(body.errors![0]!.extensions!.code).toBe('BAD_REQUEST');
    expect(body.errors![0]!.message).toMatch(/Cross-Site Request Forgery/);
    const form = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `query=${encodeURIComponent(mutation)}`,
    });
    expect(form.status).toBe(400);
    expect(await storedGenerations()).toBe(before);

    const get = await fetch(`${server.url}?query=${encodeURIComponent('{ __typename }')}`);
    expect(get.status).toBe(400);
    const preflighted = await fetch(`${server.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(preflighted.status).toBe(200);
  });

  it('keeps serving after all of it', async () => {
    const result = await server.graphql<{ draftStatusUpdate: { generation: { status: string } } }>(
      DRAFT_STATUS_UPDATE,
      { input: statusUpdateInput() },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.draftStatusUpdate.generation.status).toBe('SUCCEEDED');
  });
});

describe('the depth limit', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ QUERY_MAX_DEPTH: '4' });
  });
  afterAll(() => server.stop());
  afterEach(() => vi.restoreAllMocks());

  it('refuses an operation nested deeper than QUERY_MAX_DEPTH, through fields or fragments, on both transports', async () => {
    const list = vi.spyOn(server.app.store.generations, 'list');
    const direct = await server.graphql('{ generations { edges { node { usage { costUsd } } } } }');
    expect(direct.status).toBe(400);
    expect(direct.errors![0]!.extensions).toEqual({
      code: 'QUERY_TOO_COMPLEX',
      rule: 'depth',
      measured: 5,
      limit: 4,
    });
    const fragments = `{ generations { ...Page } }
      fragment Page on GenerationConnection { edges { ...Edge } }
      fragment Edge on GenerationEdge { node { ... on Generation { usage { costUsd } } } }`;
    expect((await server.graphql(fragments)).errors![0]!.extensions).toMatchObject({
      rule: 'depth',
      measured: 5,
    });
    const client = server.wsClient();
    const overWs = await new Promise<{ extensions?: Record<string, unknown> }[]>(
      (resolve, reject) => {
        client.subscribe(
          { query: fragments },
          {
            next: (result) => resolve(result.errors as never),
            error: (error) => (Array.isArray(error) ? resolve(error) : reject(error)),
            complete: () => undefined,
          },
        );
      },
    );
    expect(overWs[0]!.extensions).toEqual({
      code: 'QUERY_TOO_COMPLEX',
      rule: 'depth',
      measured: 5,
      limit: 4,
    });
    expect(list).not.toHaveBeenCalled();
    // Four levels are fine.
    const fits = await server.graphql('{ generations { edges { node { id } } } }');
    expect(fits.errors).toBeUndefined();
    expect(list).toHaveBeenCalledTimes(1);
  });
});

describe('the cost model', () => {
  const schema = buildSchema(`
    directive @cost(weight: Int!) on FIELD_DEFINITION | OBJECT | SCALAR | ENUM | ARGUMENT_DEFINITION
    directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION
    scalar _Any
    union _Entity = Item
    type Query {
      item(id: ID!): Item
      items(first: Int = 20, last: Int): [Item!]! @listSize(slicingArguments: ["first", "last"])
      page(first: Int = 5): Page! @listSize(slicingArguments: ["first"], sizedFields: ["nodes"])
      assumed: [Item!]! @listSize(assumedSize: 3)
      unsized: [Item!]!
      search(text: String @cost(weight: 7)): Item
      _entities(representations: [_Any!]!): [_Entity]!
    }
    type Mutation { make: Item! @cost(weight: 10) }
    type Page { nodes: [Item!]! total: Int! }
    type Item { id: ID! tags: [String!]! child: Item heavy: Heavy }
    type Heavy @cost(weight: 4) { id: ID! }
  `);
  const cost = (query: string, variables?: Record<string, unknown>) => {
    const document = parse(query);
    return measureOperation(schema, document, getOperationAST(document)!, variables).cost;
  };

  it('weighs objects 1, scalars 0, and @cost on a field or its type instead', () => {
    expect(cost('{ item(id: 1) { id tags } }')).toBe(1);
    expect(cost('{ item(id: 1) { child { child { id } } } }')).toBe(3);
    expect(cost('{ item(id: 1) { heavy { id } } }')).toBe(5);
    expect(cost('mutation { make { id } }')).toBe(10);
    expect(cost('{ search(text: "x") { id } }')).toBe(8);
    expect(cost('{ search { id } }')).toBe(1);
  });

  it('multiplies lists by the slicing argument (literal, variable or default), assumedSize, sizedFields or 10', () => {
    expect(cost('{ items(first: 7) { id } }')).toBe(7);
    expect(cost('query($n: Int) { items(first: $n) { child { id } } }', { n: 4 })).toBe(8);
    expect(cost('{ items { id } }')).toBe(20);
    expect(cost('{ items(first: 2, last: 9) { id } }')).toBe(9);
    expect(cost('{ assumed { id } }')).toBe(3);
    expect(cost('{ unsized { id } }')).toBe(10);
    expect(cost('{ page(first: 50) { total nodes { child { id } } } }')).toBe(1 + 50 * 2);
    expect(cost('{ page { ...P } } fragment P on Page { nodes { id } }')).toBe(1 + 5);
    expect(
      cost('query($r: [_Any!]!) { _entities(representations: $r) { ... on Item { id } } }', {
        r: [{}, {}, {}],
      }),
    ).toBe(3);
  });

  it('measures a document sent again from its kept shape, its variables measured each time', () => {
    // The same parsed document, as Apollo Server and the websocket's document cache hand it out.
    const measure = (document: ReturnType<typeof parse>, variables?: Record<string, unknown>) =>
      measureOperation(schema, document, getOperationAST(document)!, variables);
    const sliced = parse('query($n: Int) { items(first: $n) { child { id } } }');
    expect(measure(sliced, { n: 4 }).cost).toBe(8);
    expect(measure(sliced, { n: 40 }).cost).toBe(80);
    const fixed = parse(
      'query($tags: [String!]) { items(first: 3) { id } search(text: "x") { id } }',
    );
    expect(measure(fixed, { tags: ['a'] })).toMatchObject({ cost: 11, longestList: 1 });
    expect(measure(fixed, { tags: ['a', 'b', 'c', 'd', 'e'] })).toMatchObject({
      cost: 11,
      longestList: 5,
    });
    expect(measure(fixed)).toMatchObject({ cost: 11, longestList: 0 });
  });

  it('counts a fragment as often as it is spread, and introspection as nothing', () => {
    expect(cost('{ item(id: 1) { ...C ...C } } fragment C on Item { c: child { id } }')).toBe(3);
    expect(cost(getIntrospectionQuery())).toBe(0);
  });
});
