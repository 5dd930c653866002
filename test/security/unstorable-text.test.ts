/**
 * Text the store cannot hold (a NUL, an unpaired surrogate) is refused at the edge with
 * BAD_USER_INPUT naming where it is, wherever it is stored; and no log line, at any level, carries
 * what a request or a refused statement was given. The app runs at LOG_LEVEL=trace with its log
 * captured in memory.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/infra/observability/logger.js';
import { createApp, type App } from '../../src/app/app.js';
import { createErrorFormatter } from '../../src/server/errors.js';
import { StatementError, type SqlDatabase } from '../../src/infra/store/database.js';
import { openEmbeddedDatabase } from '../../src/infra/store/pglite.js';
import { DRAFT_STATUS_UPDATE, checkoutIncident } from '../fixtures/status-update.js';
import { storeEnvFor, temporaryDataDir } from '../support/server.js';

const EMAIL = 'rosa.quintero@example.net';
const PHONE = '+1 415 555 0199';
const CARD = '4111 1111 1111 1111';
// Assembled at run time so no scanner mistakes this file for a leak.
const LIVE_KEY = ['sk', 'live', randomBytes(16).toString('hex')].join('-');
const PERSONAL = { EMAIL, PHONE, CARD, LIVE_KEY };

const NUL = '\u0000';
const LONE_SURROGATE = '\ud800';

/** Log lines that hold any of `values`, named by what they hold. */
function leaksIn(lines: readonly string[], values: Record<string, string>): string[] {
  return lines.flatMap((line) =>
    Object.entries(values)
      .filter(([, value]) => line.includes(value) || line.includes(JSON.stringify(value)))
      .map(([what]) => `${what} in: ${line.slice(0, 300)}`),
  );
}

function capture(): { lines: string[]; sink: Writable } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, sink };
}

interface UserError {
  field: string[] | null;
  code: string;
  message: string;
}

interface Result {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
}

describe('text the store cannot hold', () => {
  const { lines, sink } = capture();
  let app: App;
  let url: string;
  let taxonomyId: string;

  const graphql = async (query: string, variables: Record<string, unknown> = {}) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as Result;
  };

  /** A mutation payload's user errors, when the result is one. */
  const userErrorsOf = (result: Result) =>
    result.errors
      ? undefined
      : (Object.values(result.data ?? {})[0] as { userErrors?: UserError[] } | null)?.userErrors;

  /** What kind of refusal a result is: the GraphQL error's code, else the payload's user errors' code. */
  const refusalOf = (result: Result) =>
    result.errors?.[0]?.extensions?.code ?? userErrorsOf(result)?.[0]?.code;

  /**
   * The refusal a caller must get: one BAD_USER_INPUT naming each bad place, nothing else; from a
   * payload, a BAD_USER_INPUT user error for each bad place, with its path.
   */
  const expectRefused = (result: Result, ...paths: string[]) => {
    const userErrors = userErrorsOf(result);
    if (userErrors) {
      expect(userErrors.map((error) => error.code)).toEqual(paths.map(() => 'BAD_USER_INPUT'));
      expect(userErrors.map((error) => error.field?.join('.'))).toEqual(paths);
      return;
    }
    expect(result.errors).toHaveLength(1);
    const [error] = result.errors!;
    expect(error!.extensions!.code).toBe('BAD_USER_INPUT');
    for (const path of paths) expect(error!.message).toContain(path);
    expect((error!.extensions!.issues as { path: string }[]).map((issue) => issue.path)).toEqual(
      paths,
    );
  };

  const ROUTE_TICKETS =
    'query($tickets: [TicketInput!]!, $taxonomyId: ID) { routeTickets(tickets: $tickets, taxonomyId: $taxonomyId) { ticket { id } category } }';
  const CREATE_TAXONOMY =
    'mutation($input: CreateTaxonomyInput!) { createTaxonomy(input: $input) { taxonomy { id } userErrors { field code message } } }';
  const categories = [
    { name: 'billing', description: 'charges, refunds and invoices' },
    { name: 'access', description: 'logins and passwords' },
  ];

  beforeAll(async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'trace',
      PORT: '0',
      ...(await storeEnvFor(temporaryDataDir())),
    });
    app = await createApp(config, createLogger({ level: config.logLevel, pretty: false }, sink));
    url = (await app.listen(0, '127.0.0.1')).url;
    const created = await graphql(CREATE_TAXONOMY, { input: { name: 'support', categories } });
    taxonomyId = (created.data!.createTaxonomy as { taxonomy: { id: string } }).taxonomy.id;
  });
  afterAll(() => app?.stop());

  it('refuses a routeTickets batch with one bad ticket, naming it, and logs none of the others', async () => {
    const tickets = [
      { id: 't-1', subject: 'Refund', body: `Please refund me, write to ${EMAIL}` },
      { id: 't-2', body: `Call me back on ${PHONE} about the invoice` },
      { id: 't-3', body: `My card ${CARD} was charged twice; our key is ${LIVE_KEY}` },
      { id: 't-4', body: `The export ends with ${NUL} garbage` },
    ];
    expectRefused(await graphql(ROUTE_TICKETS, { tickets, taxonomyId }), 'tickets.3.body');
    // The same tickets inline in the document rather than in variables.
    const inline = `{ routeTickets(taxonomyId: "${taxonomyId}", tickets: [{ id: "x", body: ${JSON.stringify(`card ${CARD}`)} }, { id: "y", subject: "a\\u0000b", body: "b" }]) { id } }`;
    expectRefused(await graphql(inline), 'tickets.1.subject');

    // The clean tickets alone still route, and were not stored by the refused call.
    const clean = await graphql(ROUTE_TICKETS, { tickets: tickets.slice(0, 3), taxonomyId });
    expect(clean.errors).toBeUndefined();
    expect(clean.data!.routeTickets).toHaveLength(3);

    expect(lines.length).toBeGreaterThan(3);
    expect(leaksIn(lines, PERSONAL)).toEqual([]);
    expect(lines.filter((line) => line.includes('unexpected error'))).toEqual([]);
  });

  it('refuses such text in every field that stores it, and keeps what was stored', async () => {
    const incident = { ...checkoutIncident, title: `Checkout ${NUL} errors` };
    const cases: [string, string, Record<string, unknown>, string[]][] = [
      [
        'a single ticket',
        'query($t: TicketInput!) { routeTicket(ticket: $t) { category } }',
        { t: { id: 'a', subject: `Hi ${LONE_SURROGATE}`, body: 'ok' } },
        ['ticket.subject'],
      ],
      [
        'a Ticket entity the router hands over',
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on Ticket { routing { category } } } }',
        { r: [{ __typename: 'Ticket', id: 'e-1', subject: 'Hi', body: `x${NUL}` }] },
        ['representations.0.body'],
      ],
      [
        'a taxonomy name and a category',
        CREATE_TAXONOMY,
        {
          input: {
            name: `billing${NUL}`,
            categories: [categories[0], { name: 'access', description: `log${LONE_SURROGATE}in` }],
          },
        },
        ['input.name', 'input.categories.1.description'],
      ],
      [
        'a labeled import',
        'mutation($id: ID!, $rows: [LabeledTicketInput!]!) { importLabeledTickets(input: { taxonomyId: $id, examples: $rows }) { imported userErrors { field code message } } }',
        {
          id: taxonomyId,
          rows: [
            { body: 'refund please', category: 'billing' },
            { body: `reset ${NUL}`, category: 'access' },
          ],
        },
        ['input.examples.1.body'],
      ],
      [
        'a feedback comment',
        'mutation($input: SubmitFeedbackInput!) { submitFeedback(input: $input) { feedback { id } userErrors { field code message } } }',
        {
          input: {
            subject: { generationId: '6c1d7a0e-98a4-4d0b-9b7e-3a0f5f0d1c2e' },
            comment: `meh${NUL}`,
          },
        },
        ['input.comment'],
      ],
      [
        'an incident title and a timeline message in a draft',
        DRAFT_STATUS_UPDATE,
        {
          input: {
            audience: 'INTERNAL',
            incident: {
              ...incident,
              timeline: [{ ...checkoutIncident.timeline[0]!, message: `rose ${LONE_SURROGATE}` }],
            },
          },
        },
        ['input.incident.title', 'input.incident.timeline.0.message'],
      ],
      [
        'a job log',
        'mutation($input: DraftJobDigestInput!) { draftJobDigest(input: $input) { generation { id } userErrors { field code message } } }',
        { input: { jobName: 'nightly-etl', log: `step 1 ok\nstep 2 ${NUL}` } },
        ['input.log'],
      ],
      [
        'an assistant question',
        'mutation($input: DraftAssistantAnswerInput!) { draftAssistantAnswer(input: $input) { generation { id } userErrors { field code message } } }',
        { input: { question: `why ${LONE_SURROGATE}?` } },
        ['input.question'],
      ],
      [
        'an eval dataset name',
        'mutation($input: CreateGenerationDatasetInput!) { createGenerationDataset(input: $input) { generationDataset { id } userErrors { field code message } } }',
        { input: { name: `golden${NUL}` } },
        ['input.name'],
      ],
    ];
    const before = await graphql(
      '{ generations(first: 100) { edges { cursor } } taxonomies { nodes { id name } } }',
    );
    for (const [what, query, variables, paths] of cases) {
      const result = await graphql(query, variables);
      expect.soft(refusalOf(result), what).toBe('BAD_USER_INPUT');
      if (refusalOf(result) === 'BAD_USER_INPUT') expectRefused(result, ...paths);
    }
    const after = await graphql(
      '{ generations(first: 100) { edges { cursor } } taxonomies { nodes { id name } } }',
    );
    expect(after.data).toEqual(before.data);
    expect(lines.filter((line) => line.includes('unexpected error'))).toEqual([]);
  });

  it('refuses a generation case whose JSON input escapes such text, naming its row', async () => {
    const dataset = await graphql(
      'mutation { createGenerationDataset(input: { name: "golden" }) { generationDataset { id } } }',
    );
    const datasetId = (
      dataset.data!.createGenerationDataset as { generationDataset: { id: string } }
    ).generationDataset.id;
    const input = JSON.stringify({
      audience: 'INTERNAL',
      incident: { ...checkoutIncident, title: `x${NUL}` },
    });
    expect(input).toContain('\\u0000');
    const result = await graphql(
      'mutation($input: ImportGenerationCasesInput!) { importGenerationCases(input: $input) { imported rejected { row reason } userErrors { field } } }',
      {
        input: {
          datasetId,
          cases: [
            {
              feature: 'STATUS_UPDATE',
              inputJson: JSON.stringify({ audience: 'INTERNAL', incident: checkoutIncident }),
            },
            { feature: 'STATUS_UPDATE', inputJson: input },
          ],
        },
      },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.importGenerationCases).toEqual({
      imported: 1,
      rejected: [{ row: 2, reason: expect.stringContaining('inputJson.incident.title') }],
      userErrors: [],
    });
  });
});

describe('a statement the database refuses', () => {
  let db: SqlDatabase;
  beforeAll(async () => {
    db = await openEmbeddedDatabase(temporaryDataDir());
    await db.execute('CREATE TEMPORARY TABLE tickets (body text NOT NULL)');
  });
  afterAll(() => db?.close());

  it('is reported and logged by its SQLSTATE and statement only, never with what it was given', async () => {
    const bodies = [
      `mail ${EMAIL}`,
      `phone ${PHONE}`,
      `card ${CARD}, key ${LIVE_KEY}`,
      `bad ${NUL}`,
    ];
    const refused = await db
      .query('INSERT INTO tickets (body) SELECT unnest($1::text[])', [bodies])
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(refused).toBeInstanceOf(StatementError);
    expect(refused).toMatchObject({ code: '22021', statement: 'INSERT tickets' });

    // As it reaches the log when a resolver fails with it, at the most verbose level.
    const { lines, sink } = capture();
    const formatError = createErrorFormatter(createLogger({ level: 'trace', pretty: false }, sink));
    const formatted = formatError({ message: 'x', path: ['routeTickets'] }, refused);
    expect(formatted.extensions!.code).toBe('INTERNAL_SERVER_ERROR');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!).err).toMatchObject({ code: '22021', statement: 'INSERT tickets' });
    expect(leaksIn(lines, PERSONAL)).toEqual([]);
  });

  it('drops a driver error’s statement and parameters from any log line (pg-boss has its own connections)', () => {
    const { lines, sink } = capture();
    const logger = createLogger({ level: 'trace', pretty: false }, sink);
    const driverError = Object.assign(
      new Error('invalid byte sequence for encoding "UTF8": 0x00'),
      {
        code: '22021',
        query: `INSERT INTO job (data) VALUES ($1) -- ${EMAIL}`,
        params: [`{"body":"${CARD}"}`],
        detail: `Key (data)=(${PHONE}) already exists.`,
        where: `unnamed portal parameter $1 = '${LIVE_KEY}'`,
      },
    );
    logger.warn({ err: driverError }, 'routing backlog queue error');
    logger.error({ err: new Error('wrapped', { cause: driverError }) }, 'wrapped');
    logger.error({ err: new AggregateError([driverError], 'several') }, 'several');
    expect(lines).toHaveLength(3);
    expect(leaksIn(lines, PERSONAL)).toEqual([]);
    expect(JSON.parse(lines[0]!).err).toMatchObject({ code: '22021', type: 'Error' });
  });
});
