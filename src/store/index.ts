/**
 * Opens the configured store: PGlite in DATA_DIR by default, PostgreSQL when DATABASE_URL is set.
 * Migrations run before anything else touches it.
 */
import { mkdir } from 'node:fs/promises';
import type { SqlDatabase } from './database.js';
import { GenerationRepository } from './generations.js';
import { migrate } from './migrate.js';
import { LabeledTicketRepository } from './routing/labeled-tickets.js';
import { PredictionRepository } from './routing/predictions.js';
import { RouterModelRepository } from './routing/router-models.js';
import { TaxonomyRepository } from './routing/taxonomies.js';
import { openEmbeddedDatabase } from './pglite.js';
import { openPostgresDatabase } from './postgres.js';

export interface StoreOptions {
  dataDir: string;
  databaseUrl?: string;
  poolSize: number;
}

export interface Store {
  db: SqlDatabase;
  generations: GenerationRepository;
  taxonomies: TaxonomyRepository;
  labeledTickets: LabeledTicketRepository;
  routerModels: RouterModelRepository;
  predictions: PredictionRepository;
  /** Whether the database answers; drives /readyz. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export async function openStore(options: StoreOptions): Promise<Store> {
  let db: SqlDatabase;
  if (options.databaseUrl) {
    db = openPostgresDatabase({ connectionString: options.databaseUrl, poolSize: options.poolSize });
  } else {
    await mkdir(options.dataDir, { recursive: true });
    db = await openEmbeddedDatabase(options.dataDir);
  }
  await migrate(db);
  return {
    db,
    generations: new GenerationRepository(db),
    taxonomies: new TaxonomyRepository(db),
    labeledTickets: new LabeledTicketRepository(db),
    routerModels: new RouterModelRepository(db),
    predictions: new PredictionRepository(db),
    ping: async () => {
      try {
        await db.query('SELECT 1');
        return true;
      } catch {
        return false;
      }
    },
    close: () => db.close(),
  };
}
