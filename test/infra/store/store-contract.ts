/**
 * What the store must do on every database it runs on, run against PGlite (pglite-store.test.ts)
 * and PostgreSQL (postgres-store.test.ts): migrations that apply once however often and however
 * concurrently they run, the generations repository's guarantees (idempotency, finishing
 * once, one statement per batch, stable pagination, and no reads across accounts), and routing
 * predictions found by ticket, content and taxonomy version, paged and counted, and taxonomies
 * read at their current version.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StatementError, type SqlDatabase } from '../../../src/infra/store/database.js';
import {
  GenerationRepository,
  type GenerationOutcome,
  type NewGeneration,
} from '../../../src/infra/store/generations.js';
import { migrate } from '../../../src/infra/store/migrate.js';
import { LabeledTicketRepository } from '../../../src/infra/store/routing/labeled-tickets.js';
import { TaxonomyRepository } from '../../../src/infra/store/routing/taxonomies.js';
import { MIGRATIONS } from '../../../src/infra/store/migrations/index.js';
import {
  PredictionRepository,
  type NewPrediction,
} from '../../../src/infra/store/routing/predictions.js';

export interface StoreFactory {
  /** A database with nothing in it (no migrations applied). */
  fresh(): Promise<SqlDatabase>;
  /**
   * Another connection pool to the same database, as a second replica would have; absent where
   * the engine has a single connection (PGlite), and then the same instance is used twice.
   */
  secondPool?(db: SqlDatabase): Promise<SqlDatabase>;
}

/** Counts the statements sent through a database, to prove batching. */
export function counting(db: SqlDatabase): SqlDatabase & { statements: number } {
  const counted = {
    kind: db.kind,
    statements: 0,
    query: <Row>(sql: string, params?: unknown[]) => {
      counted.statements++;
      return db.query<Row>(sql, params);
    },
    execute: (sql: string) => {
      counted.statements++;
      return db.execute(sql);
    },
    transaction: <T>(work: Parameters<SqlDatabase['transaction']>[0]) =>
      db.transaction<T>(work as never),
    close: () => db.close(),
  };
  return counted;
}

const outcome = (overrides: Partial<GenerationOutcome> = {}): GenerationOutcome => ({
  status: 'SUCCEEDED',
  text: 'Checkout errors in EU are resolved.',
  chunkLengths: [9, 26],
  output: { headline: 'Resolved' },
  provider: 'builtin',
  model: 'builtin',
  usage: { inputTokens: 10, outputTokens: 7, costUsd: 0 },
  latencyMs: 12,
  error: null,
  groundingIssues: [],
  cacheHit: false,
  timeToFirstTokenMs: 3,
  attempts: [
    { provider: 'builtin', model: 'builtin', outcome: 'ok', errorCode: null, latencyMs: 12 },
  ],
  ...overrides,
});

const generation = (accountId: string, overrides: Partial<NewGeneration> = {}): NewGeneration => ({
  id: randomUUID(),
  accountId,
  feature: 'STATUS_UPDATE',
  input: { incident: { title: 'Checkout errors', severity: 'SEV2' }, audience: 'CUSTOMER' },
  promptVersion: 'status-update/1',
  incidentId: null,
  idempotencyKey: null,
  ...overrides,
});

export function runStoreContract(name: string, factory: StoreFactory): void {
  describe(`store contract: ${name}`, () => {
    const opened: SqlDatabase[] = [];
    const track = (db: SqlDatabase) => (opened.push(db), db);
    const migrated = async () => {
      const db = track(await factory.fresh());
      await migrate(db);
      return db;
    };
    afterEach(async () => {
      await Promise.all(
        opened
          .splice(0)
          .reverse()
          .map((db) => db.close()),
      );
    });

    describe('migrations', () => {
      it('apply every migration once, and nothing when run again', async () => {
        const db = track(await factory.fresh());
        expect(await migrate(db)).toEqual(MIGRATIONS.map((migration) => migration.version));
        expect(await migrate(db)).toEqual([]);
        const rows = await db.query<{ version: number; name: string }>(
          'SELECT version, name FROM schema_migrations ORDER BY version',
        );
        expect(rows).toEqual(
          MIGRATIONS.map((migration) => ({ version: migration.version, name: migration.name })),
        );
      });

      it('apply each migration exactly once when replicas start together', async () => {
        const db = track(await factory.fresh());
        const other = factory.secondPool ? track(await factory.secondPool(db)) : db;
        const [first, second] = await Promise.all([migrate(db), migrate(other)]);
        // The advisory lock lets one apply everything; the other then finds nothing to do.
        expect([...first, ...second].sort((a, b) => a - b)).toEqual(
          MIGRATIONS.map((migration) => migration.version),
        );
        expect([first.length, second.length].sort()).toEqual([0, MIGRATIONS.length]);
        const [{ count }] = (await db.query<{ count: number }>(
          'SELECT count(*)::int AS count FROM schema_migrations',
        )) as [{ count: number }];
        expect(count).toBe(MIGRATIONS.length);
      });

      it('leave nothing of a failing migration behind, and record it as not applied', async () => {
        const db = track(await factory.fresh());
        const broken = [
          ...MIGRATIONS,
          {
            version: 9_999,
            name: 'broken',
            sql: 'CREATE TABLE half_done (id int); SELECT no_such_function();',
          },
        ];
        await expect(migrate(db, broken)).rejects.toThrow();
        await migrate(db);
        const versions = await db.query<{ version: number }>(
          'SELECT version FROM schema_migrations ORDER BY version',
        );
        expect(versions.map((row) => row.version)).toEqual(
          MIGRATIONS.map((migration) => migration.version),
        );
        const [table] = await db.query<{ name: string | null }>(
          `SELECT to_regclass('half_done')::text AS name`,
        );
        expect(table!.name).toBeNull();
      });
    });

    describe('errors', () => {
      it('name a refused statement by its SQLSTATE and verb and table, carrying nothing it was given', async () => {
        const db = await migrated();
        const given = ['Reach me at rosa.quintero@example.net', 'not-a-uuid', 'nul \u0000 byte'];
        const refusals = await Promise.all(
          [
            db.query('SELECT id FROM generations WHERE id = $1::uuid', [given[1]]),
            db.query('INSERT INTO schema_migrations (version, name) VALUES (1, $1)', [given[0]]),
            db.transaction((tx) => tx.query('SELECT $1::text AS body', [given[2]])),
          ].map((pending) =>
            pending.then(
              () => null,
              (error: unknown) => error,
            ),
          ),
        );
        expect(refusals).toEqual([
          expect.objectContaining({ code: '22P02', statement: 'SELECT generations' }),
          expect.objectContaining({ code: '23505', statement: 'INSERT schema_migrations' }),
          expect.objectContaining({ code: '22021', statement: 'SELECT' }),
        ]);
        for (const refusal of refusals) {
          expect(refusal).toBeInstanceOf(StatementError);
          const whole = JSON.stringify({
            ...(refusal as object),
            message: (refusal as Error).message,
            cause: (refusal as Error).cause,
          });
          for (const value of given) expect(whole).not.toContain(value.slice(0, 8));
        }
      });
    });

    describe('generations', () => {
      it('inserts a RUNNING generation and reads it back as stored', async () => {
        const repository = new GenerationRepository(await migrated());
        const fresh = generation('acme', { incidentId: 'INC-42', idempotencyKey: 'k1' });
        const { record, created } = await repository.insertRunning(fresh);
        expect(created).toBe(true);
        expect(record).toMatchObject({
          id: fresh.id,
          accountId: 'acme',
          feature: 'STATUS_UPDATE',
          status: 'RUNNING',
          input: fresh.input,
          text: '',
          chunkLengths: [],
          incidentId: 'INC-42',
          idempotencyKey: 'k1',
          finishedAt: null,
          attempts: [],
        });
        expect(record.createdAt).toBeInstanceOf(Date);
        expect(await repository.findById('acme', fresh.id)).toEqual(record);
      });

      it('returns the first generation for a repeated idempotency key, telling whether the input matched', async () => {
        const repository = new GenerationRepository(await migrated());
        const first = await repository.insertRunning(
          generation('acme', { idempotencyKey: 'retry-1' }),
        );
        const again = await repository.insertRunning(
          generation('acme', { idempotencyKey: 'retry-1' }),
        );
        expect(again).toMatchObject({ created: false, sameInput: true });
        expect(again.record.id).toBe(first.record.id);
        const changed = await repository.insertRunning(
          generation('acme', { idempotencyKey: 'retry-1', input: { something: 'else' } }),
        );
        expect(changed).toMatchObject({ created: false, sameInput: false });
        expect(changed.record.id).toBe(first.record.id);
        // Keys belong to an account; no key never conflicts.
        expect(
          (await repository.insertRunning(generation('globex', { idempotencyKey: 'retry-1' })))
            .created,
        ).toBe(true);
        expect((await repository.insertRunning(generation('acme'))).created).toBe(true);
        expect((await repository.insertRunning(generation('acme'))).created).toBe(true);
      });

      it('lets concurrent retries with one idempotency key create a single generation', async () => {
        const db = await migrated();
        const other = factory.secondPool ? track(await factory.secondPool(db)) : db;
        const repositories = [new GenerationRepository(db), new GenerationRepository(other)];
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            repositories[i % 2]!.insertRunning(generation('acme', { idempotencyKey: 'burst' })),
          ),
        );
        expect(results.filter((result) => result.created)).toHaveLength(1);
        expect(new Set(results.map((result) => result.record.id)).size).toBe(1);
      });

      it('finishes a generation once: a second outcome (a cancel that lost the race) changes nothing', async () => {
        const repository = new GenerationRepository(await migrated());
        const { record } = await repository.insertRunning(generation('acme'));
        const finished = await repository.finish('acme', record.id, outcome());
        expect(finished).toMatchObject({
          status: 'SUCCEEDED',
          text: 'Checkout errors in EU are resolved.',
          chunkLengths: [9, 26],
          usage: { inputTokens: 10, outputTokens: 7, costUsd: 0 },
          cacheHit: false,
          timeToFirstTokenMs: 3,
        });
        expect(finished!.finishedAt).toBeInstanceOf(Date);
        const late = await repository.finish(
          'acme',
          record.id,
          outcome({
            status: 'CANCELLED',
            text: 'partial',
            error: { code: 'CANCELLED' as never, message: 'cancelled' },
          }),
        );
        expect(late).toBeNull();
        expect(await repository.findById('acme', record.id)).toMatchObject({
          status: 'SUCCEEDED',
          text: 'Checkout errors in EU are resolved.',
          error: null,
        });
      });

      it('returns from finish the record a later read gives, whatever its outcome holds', async () => {
        const repository = new GenerationRepository(await migrated());
        const { record } = await repository.insertRunning(
          generation('acme', { incidentId: 'INC-7', idempotencyKey: 'key-1' }),
        );
        const finished = await repository.finish(
          'acme',
          record.id,
          outcome({
            // A Date, nesting, an unset field, quotes and non-ASCII: as their jsonb columns read back.
            output: {
              headline: 'Résolu "enfin"',
              nextUpdateAt: new Date('2026-12-07T10:00:00Z'),
              affectedServices: ['checkout', 'payments'],
              impact: undefined,
              needsHuman: [],
            },
            groundingIssues: [{ kind: 'SERVICE', value: 'billing' }],
            usage: { inputTokens: 10, outputTokens: 7, costUsd: 0.000123 },
            injectionScore: 0.8125,
          }),
        );
        expect(finished).toEqual(await repository.findById('acme', record.id));
        expect(finished).toMatchObject({
          incidentId: 'INC-7',
          idempotencyKey: 'key-1',
          promptVersion: 'status-update/1',
          input: generation('acme').input,
          output: { nextUpdateAt: '2026-12-07T10:00:00.000Z' },
          createdAt: record.createdAt,
        });
      });

      it('writes concurrent generations and outcomes with one statement each; of two outcomes for one generation the first wins', async () => {
        const db = counting(await migrated());
        const repository = new GenerationRepository(db);
        const started = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            repository.insertRunning(
              generation('acme', { idempotencyKey: i < 2 ? 'twice' : null }),
            ),
          ),
        );
        expect(db.statements).toBe(2); // one INSERT, and the SELECT of the generation that key already named
        expect(started.filter((result) => result.created)).toHaveLength(19);
        expect(started[1]!.record.id).toBe(started[0]!.record.id);
        for (const { record } of started.slice(2))
          expect(await repository.findById('acme', record.id)).toEqual(record);

        db.statements = 0;
        const ids = started.slice(2).map((result) => result.record.id);
        const [won, lost, ...others] = await Promise.all([
          repository.finish('acme', ids[0]!, outcome()),
          repository.finish(
            'acme',
            ids[0]!,
            outcome({
              status: 'CANCELLED',
              text: 'partial',
              error: { code: 'CANCELLED' as never, message: 'cancelled' },
            }),
          ),
          ...ids
            .slice(1)
            .map((id, i) =>
              repository.finish(
                'acme',
                id,
                outcome({ text: `draft ${i}`, output: null, usage: null }),
              ),
            ),
        ]);
        expect(db.statements).toBe(1);
        expect(won).toMatchObject({
          id: ids[0],
          status: 'SUCCEEDED',
          text: 'Checkout errors in EU are resolved.',
        });
        expect(lost).toBeNull();
        expect(others.map((record) => record?.text)).toEqual(
          ids.slice(1).map((_, i) => `draft ${i}`),
        );
        expect(await repository.findById('acme', ids[1]!)).toMatchObject({
          status: 'SUCCEEDED',
          output: null,
          usage: null,
          error: null,
          finishedAt: expect.any(Date),
        });
        const [unset] = await db.query<{ count: number }>(
          `SELECT count(*)::int AS count FROM generations WHERE id = ANY($1::uuid[]) AND output IS NULL AND usage IS NULL AND error IS NULL`,
          [ids.slice(1)],
        );
        expect(unset!.count).toBe(ids.length - 1);
      });

      it('fails only the write that is wrong when it was batched with others', async () => {
        const repository = new GenerationRepository(await migrated());
        const results = await Promise.allSettled([
          repository.insertRunning(generation('acme')),
          repository.insertRunning(generation('acme', { id: 'not-a-uuid' })),
          repository.insertRunning(generation('acme')),
        ]);
        expect(results.map((result) => result.status)).toEqual([
          'fulfilled',
          'rejected',
          'fulfilled',
        ]);
        const [first, , third] = results as PromiseFulfilledResult<{ record: { id: string } }>[];
        const finished = await Promise.allSettled([
          repository.finish('acme', first!.value.record.id, outcome()),
          repository.finish('acme', 'not-a-uuid', outcome()),
          repository.finish('acme', third!.value.record.id, outcome()),
        ]);
        expect(finished.map((result) => result.status)).toEqual([
          'fulfilled',
          'rejected',
          'fulfilled',
        ]);
        expect(
          (await repository.list('acme', { status: 'SUCCEEDED' }, 10, null)).items,
        ).toHaveLength(2);
      });

      it('reads any number of ids in one statement, in the order asked, null for the missing', async () => {
        const db = counting(await migrated());
        const repository = new GenerationRepository(db);
        const ids: string[] = [];
        for (let i = 0; i < 5; i++)
          ids.push((await repository.insertRunning(generation('acme'))).record.id);
        const theirs = (await repository.insertRunning(generation('globex'))).record.id;
        const asked = [ids[3]!, randomUUID(), ids[0]!, 'not-a-uuid', theirs, ids[3]!, ids[4]!];
        db.statements = 0;
        const found = await repository.findByIds('acme', asked);
        expect(db.statements).toBe(1);
        expect(found.map((record) => record?.id ?? null)).toEqual([
          ids[3],
          null,
          ids[0],
          null,
          null,
          ids[3],
          ids[4],
        ]);
        // Ids that cannot exist are answered without a statement.
        db.statements = 0;
        expect(await repository.findByIds('acme', ['nope', ''])).toEqual([null, null]);
        expect(db.statements).toBe(0);
      });

      it('pages newest first without gaps or repeats, and filters by feature, status and incident', async () => {
        const repository = new GenerationRepository(await migrated());
        const made: string[] = [];
        for (let i = 0; i < 7; i++) {
          const { record } = await repository.insertRunning(
            generation('acme', {
              feature: i % 2 === 0 ? 'STATUS_UPDATE' : 'POSTMORTEM',
              incidentId: i < 3 ? 'INC-1' : null,
            }),
          );
          made.push(record.id);
          if (i % 3 === 0) await repository.finish('acme', record.id, outcome());
        }
        await repository.insertRunning(generation('globex'));
        const seen: string[] = [];
        let after: { createdAt: Date; id: string } | null = null;
        for (let page = 0; page < 10; page++) {
          const result = await repository.list('acme', {}, 3, after);
          seen.push(...result.items.map((record) => record.id));
          if (!result.hasNextPage) break;
          const last = result.items.at(-1)!;
          after = { createdAt: last.createdAt, id: last.id };
        }
        expect(seen).toHaveLength(7);
        expect(new Set(seen)).toEqual(new Set(made));
        const all = await repository.list('acme', {}, 100, null);
        expect(all.hasNextPage).toBe(false);
        expect(all.items.map((record) => record.id)).toEqual(seen);
        for (let i = 1; i < all.items.length; i++) {
          const [newer, older] = [all.items[i - 1]!, all.items[i]!];
          expect(
            newer.createdAt.getTime() > older.createdAt.getTime() ||
              (newer.createdAt.getTime() === older.createdAt.getTime() && newer.id > older.id),
          ).toBe(true);
        }
        expect(
          (await repository.list('acme', { feature: 'POSTMORTEM' }, 100, null)).items,
        ).toHaveLength(3);
        expect(
          (await repository.list('acme', { status: 'SUCCEEDED' }, 100, null)).items,
        ).toHaveLength(3);
        expect(
          (await repository.list('acme', { incidentId: 'INC-1' }, 100, null)).items
            .map((record) => record.id)
            .sort(),
        ).toEqual(made.slice(0, 3).sort());
        expect(
          (
            await repository.list(
              'acme',
              { feature: 'STATUS_UPDATE', status: 'RUNNING' },
              100,
              null,
            )
          ).items,
        ).toHaveLength(2);
        // count() counts what list() pages through, across all pages, for the same filters.
        expect(await repository.count('acme', {})).toBe(7);
        expect(await repository.count('acme', { feature: 'POSTMORTEM' })).toBe(3);
        expect(await repository.count('acme', { incidentId: 'INC-1', status: 'SUCCEEDED' })).toBe(
          1,
        );
        expect(await repository.count('nobody', {})).toBe(0);
      });

      it("pages several incidents' drafts in one statement, each with its whole count", async () => {
        const db = counting(await migrated());
        const repository = new GenerationRepository(db);
        const made: Record<string, string[]> = { 'INC-1': [], 'INC-2': [] };
        for (const [incidentId, feature] of [
          ['INC-1', 'STATUS_UPDATE'],
          ['INC-1', 'RUNBOOK'],
          ['INC-2', 'STATUS_UPDATE'],
          ['INC-1', 'STATUS_UPDATE'],
        ] as const) {
          const { record } = await repository.insertRunning(
            generation('acme', { incidentId, feature }),
          );
          made[incidentId]!.unshift(record.id);
          // Creation order is the list's order only when no two drafts share a millisecond
          // (ties are ordered by id, which is random).
          await new Promise((resolve) => setTimeout(resolve, 3));
        }
        await repository.insertRunning(generation('globex', { incidentId: 'INC-1' }));
        db.statements = 0;
        const first = await repository.pageByIncidents(
          'acme',
          ['INC-1', 'INC-2', 'INC-3'],
          null,
          2,
          null,
        );
        expect(db.statements).toBe(1);
        expect(first.get('INC-1')).toMatchObject({ totalCount: 3, hasNextPage: true });
        expect(first.get('INC-1')!.items.map((record) => record.id)).toEqual(
          made['INC-1']!.slice(0, 2),
        );
        expect(first.get('INC-2')).toMatchObject({ totalCount: 1, hasNextPage: false });
        expect(first.has('INC-3')).toBe(false);
        // After the cursor: the rest of the page, the count still the whole list's.
        const last = first.get('INC-1')!.items.at(-1)!;
        const next = await repository.pageByIncidents('acme', ['INC-1', 'INC-2'], null, 2, {
          createdAt: last.createdAt,
          id: last.id,
        });
        expect(next.get('INC-1')).toMatchObject({ totalCount: 3, hasNextPage: false });
        expect(next.get('INC-1')!.items.map((record) => record.id)).toEqual(
          made['INC-1']!.slice(2),
        );
        // INC-2's one draft precedes the cursor: an empty page that still counts it.
        expect(next.get('INC-2')).toMatchObject({ items: [], totalCount: 1, hasNextPage: false });
        const runbooks = await repository.pageByIncidents('acme', ['INC-1'], 'RUNBOOK', 10, null);
        expect(runbooks.get('INC-1')).toMatchObject({ totalCount: 1, hasNextPage: false });
      });

      it('pages exactly through generations created within the same millisecond', async () => {
        const db = await migrated();
        const repository = new GenerationRepository(db);
        const made = await Promise.all(
          Array.from({ length: 24 }, () => repository.insertRunning(generation('burst'))),
        );
        const seen: string[] = [];
        let after: { createdAt: Date; id: string } | null = null;
        for (let page = 0; page < 20; page++) {
          const result = await repository.list('burst', {}, 5, after);
          seen.push(...result.items.map((record) => record.id));
          if (!result.hasNextPage) break;
          after = { createdAt: result.items.at(-1)!.createdAt, id: result.items.at(-1)!.id };
        }
        expect(seen.length).toBe(24);
        expect(new Set(seen)).toEqual(new Set(made.map((result) => result.record.id)));
        // The cursor holds a JavaScript Date: stored times must not be finer than a millisecond.
        const [finer] = await db.query<{ count: number }>(
          `SELECT count(*)::int AS count FROM generations WHERE created_at <> date_trunc('milliseconds', created_at)`,
        );
        expect(finer!.count).toBe(0);
      });

      it("treats another account's generation as absent for every read and write", async () => {
        const repository = new GenerationRepository(await migrated());
        const { record } = await repository.insertRunning(
          generation('acme', { idempotencyKey: 'mine' }),
        );
        expect(await repository.findById('globex', record.id)).toBeNull();
        expect(await repository.findByIds('globex', [record.id])).toEqual([null]);
        expect((await repository.list('globex', {}, 10, null)).items).toEqual([]);
        expect(await repository.finish('globex', record.id, outcome())).toBeNull();
        expect((await repository.findById('acme', record.id))!.status).toBe('RUNNING');
        // The same idempotency key in another account is another generation.
        const theirs = await repository.insertRunning(
          generation('globex', { idempotencyKey: 'mine' }),
        );
        expect(theirs.created).toBe(true);
        expect(theirs.record.id).not.toBe(record.id);
      });

      it('marks every RUNNING generation INTERRUPTED, leaving finished ones alone', async () => {
        const repository = new GenerationRepository(await migrated());
        const running = (await repository.insertRunning(generation('acme'))).record;
        const done = (await repository.insertRunning(generation('acme'))).record;
        await repository.finish('acme', done.id, outcome());
        expect(await repository.interruptAllRunning('server restarted')).toBe(1);
        expect(await repository.findById('acme', running.id)).toMatchObject({
          status: 'INTERRUPTED',
          error: { code: 'INTERRUPTED', message: 'server restarted' },
        });
        expect((await repository.findById('acme', done.id))!.status).toBe('SUCCEEDED');
      });
    });

    describe('taxonomies', () => {
      const definition = (names: string[]) => ({
        categories: names.map((name) => ({ name, description: name, examples: [], target: null })),
        policy: { localThreshold: 0.7, reviewThreshold: 0.5, rules: [] },
      });

      it('reads the current version, also when another replica made it, fetching each version once', async () => {
        const db = await migrated();
        const [here, elsewhere] = [new TaxonomyRepository(db), new TaxonomyRepository(db)];
        const created = await here.create({
          id: randomUUID(),
          accountId: 'acme',
          name: 'support',
          ...definition(['billing']),
        });
        const query = vi.spyOn(db, 'query');
        expect(await here.findByIds('acme', [created!.id])).toMatchObject([
          { version: 1, categories: [{ name: 'billing' }] },
        ]);
        await here.findByIds('acme', [created!.id]);
        // The second read fetched only the taxonomy's row: version 1 was known.
        expect(query).toHaveBeenCalledTimes(3);
        query.mockRestore();

        await elsewhere.update('acme', created!.id, definition(['billing', 'login']));
        const [read] = await here.findByIds('acme', [created!.id]);
        expect(read).toMatchObject({
          version: 2,
          categories: [{ name: 'billing' }, { name: 'login' }],
        });
        expect(await here.findDefault('acme')).toEqual(read);
        expect(await here.list('acme')).toEqual([read]);
        expect(await here.findByIds('globex', [created!.id])).toEqual([null]);
      });

      it('lists the labeled tickets of one import in an order set by their content, not by their generated ids', async () => {
        // Training is seeded; the order of its data must be fixed too, or the same import trains a
        // different model each time (a Sandbox run once routed a ticket to review for that).
        const db = await migrated();
        const taxonomies = new TaxonomyRepository(db);
        const labeled = new LabeledTicketRepository(db);
        const tickets = Array.from({ length: 40 }, (_, index) => ({
          subject: null,
          body: `ticket number ${index}`,
          category: index % 2 ? 'billing' : 'login',
        }));
        const lists = [];
        for (const order of [tickets, [...tickets].reverse()]) {
          const taxonomy = await taxonomies.create({
            id: randomUUID(),
            accountId: 'acme',
            name: `support ${lists.length}`,
            ...definition(['billing', 'login']),
          });
          await labeled.insertMany('acme', taxonomy!.id, order, 'IMPORT');
          lists.push(await labeled.list('acme', taxonomy!.id));
        }
        expect(lists[0]).toHaveLength(40);
        expect(lists[1]).toEqual(lists[0]);
      });

      it("shares one statement among concurrent reads by id, each finding only its account's taxonomies", async () => {
        const db = await migrated();
        const repository = new TaxonomyRepository(db);
        const create = (accountId: string) =>
          repository.create({
            id: randomUUID(),
            accountId,
            name: 'support',
            ...definition(['billing']),
          });
        const [acme, globex] = [await create('acme'), await create('globex')];
        await repository.findByIds('acme', [acme!.id]); // its version is known from here on
        await repository.findByIds('globex', [globex!.id]);
        const query = vi.spyOn(db, 'query');
        const found = await Promise.all([
          repository.findByIds('acme', [acme!.id, globex!.id]),
          repository.findByIds('globex', [globex!.id, acme!.id]),
        ]);
        expect(query).toHaveBeenCalledTimes(1);
        query.mockRestore();
        expect(found.map((records) => records.map((record) => record?.accountId ?? null))).toEqual([
          ['acme', null],
          ['globex', null],
        ]);
      });
    });

    describe('routing predictions', () => {
      const taxonomyId = randomUUID();
      const prediction = (
        ticketId: string,
        overrides: Partial<NewPrediction> = {},
      ): NewPrediction => ({
        id: randomUUID(),
        accountId: 'acme',
        taxonomyId,
        taxonomyVersion: 1,
        ticketId,
        subject: null,
        body: `ticket ${ticketId}`,
        contentHash: `hash-${ticketId}`,
        category: 'billing',
        confidence: 0.9,
        decidedBy: 'LOCAL_MODEL',
        needsReview: false,
        alternatives: [],
        reason: 'local model',
        localCategory: 'billing',
        llmCategory: null,
        latencyMs: 1,
        costUsd: 0,
        inputTokens: 0,
        outputTokens: 0,
        ...overrides,
      });
      const repositoryWithTaxonomy = async () => {
        const db = await migrated();
        await db.query(
          `INSERT INTO taxonomies (id, account_id, name, version) VALUES ($1, 'acme', 'support', 2)`,
          [taxonomyId],
        );
        return new PredictionRepository(db);
      };

      it("finds each ticket's current decision by id, content hash and taxonomy version, in one statement", async () => {
        const repository = await repositoryWithTaxonomy();
        const [old] = await repository.insertMany([prediction('a')]);
        const [newer] = await repository.insertMany([prediction('a')]);
        await repository.insertMany([
          prediction('a', { contentHash: 'other' }),
          prediction('a', { taxonomyVersion: 2 }),
          prediction('a', { accountId: 'globex' }),
        ]);
        const key = { ticketId: 'a', contentHash: 'hash-a', taxonomyId, taxonomyVersion: 1 };
        const found = await repository.currentDecisions('acme', [
          key,
          { ...key, ticketId: 'b' },
          key,
        ]);
        expect(found.map((record) => record?.id ?? null)).toEqual([newer!.id, null, newer!.id]);
        expect(old!.id).not.toBe(newer!.id);
        expect(await repository.currentDecisions('globex', [key])).toMatchObject([
          { accountId: 'globex' },
        ]);
      });

      it("shares one statement among concurrent calls' lookups, each finding only its account's decisions", async () => {
        const db = await migrated();
        await db.query(
          `INSERT INTO taxonomies (id, account_id, name, version) VALUES ($1, 'acme', 'support', 2)`,
          [taxonomyId],
        );
        const repository = new PredictionRepository(db, { groupCommit: true });
        const [acme, globex] = await repository.insertMany([
          prediction('a'),
          prediction('a', { accountId: 'globex' }),
        ]);
        const key = { ticketId: 'a', contentHash: 'hash-a', taxonomyId, taxonomyVersion: 1 };
        const query = vi.spyOn(db, 'query');
        const found = await Promise.all([
          repository.currentDecisions('acme', [key, { ...key, ticketId: 'b' }]),
          repository.currentDecisions('globex', [key]),
          repository.currentDecisions('initech', [key]),
        ]);
        expect(query).toHaveBeenCalledTimes(1);
        query.mockRestore();
        expect(found.map((records) => records.map((record) => record?.id ?? null))).toEqual([
          [acme!.id, null],
          [globex!.id],
          [null],
        ]);
      });

      it('returns each stored prediction as a later read finds it', async () => {
        const repository = await repositoryWithTaxonomy();
        const stored = await repository.insertMany([
          prediction('a', {
            subject: 'Refund',
            alternatives: [
              { category: 'billing', confidence: 0.9 },
              { category: 'login', confidence: 0.05 },
            ],
          }),
          prediction('b', { category: null, needsReview: true, costUsd: 0.0012, inputTokens: 7 }),
        ]);
        for (const record of stored)
          expect(record).toEqual(await repository.findById('acme', record.id));
      });

      it('pages newest first with a filter, counts the whole list, and counts the review queue', async () => {
        const repository = await repositoryWithTaxonomy();
        for (const ticket of ['a', 'b', 'c'])
          await repository.insertMany([prediction(ticket, { needsReview: ticket !== 'b' })]);
        const first = await repository.page('acme', { needsReview: true }, 1, null);
        expect(first.items.map((record) => record.ticketId)).toEqual(['c']);
        expect(first.hasNextPage).toBe(true);
        const rest = await repository.page('acme', { needsReview: true }, 5, first.items[0]!);
        expect(rest.items.map((record) => record.ticketId)).toEqual(['a']);
        expect(rest.hasNextPage).toBe(false);
        expect(await repository.count('acme', { needsReview: true })).toBe(2);
        expect(await repository.count('acme', { taxonomyId, ticketId: 'b' })).toBe(1);
        expect(await repository.count('globex', {})).toBe(0);

        expect(await repository.reviewQueueCount('acme', taxonomyId)).toBe(2);
        const queue = await repository.reviewQueue('acme', taxonomyId, 1);
        expect(queue.items.map((record) => record.ticketId)).toEqual(['a']);
        await repository.review('acme', queue.items[0]!.id, 'billing');
        expect(await repository.reviewQueueCount('acme', taxonomyId)).toBe(1);
        expect(await repository.count('acme', { reviewed: true })).toBe(1);
      });
    });
  });
}
