/**
 * Opens the configured store: PGlite in DATA_DIR by default, PostgreSQL when DATABASE_URL is set.
 * Migrations run before anything else touches it.
 */
import { mkdir } from 'node:fs/promises';
import { ApiKeyRepository } from './api-keys.js';
import { withStatementSpans, type SqlDatabase } from './database.js';
import { EvalRunRepository } from './evaluation/eval-runs.js';
import { FeedbackRepository } from './evaluation/feedback.js';
import { GenerationDatasetRepository } from './evaluation/generation-datasets.js';
import { ProductionMetricsRepository } from './evaluation/production-metrics.js';
import { RoutingCaseRepository } from './evaluation/routing-cases.js';
import { GenerationRepository } from './generations.js';
import { migrate } from './migrate.js';
import { LabeledTicketRepository } from './routing/labeled-tickets.js';
import { PredictionRepository } from './routing/predictions.js';
import { RouterModelRepository } from './routing/router-models.js';
import { TaxonomyRepository } from './routing/taxonomies.js';

export interface StoreOptions {
  dataDir: string;
  databaseUrl?: string;
  poolSize: number;
  /** PostgreSQL: prepare frequent small statements once per connection (default true). */
  preparedStatements?: boolean;
  /** A span around every statement of a traced operation (OpenTelemetry tracing is on). */
  traced?: boolean;
}

export interface Store {
  db: SqlDatabase;
  generations: GenerationRepository;
  taxonomies: TaxonomyRepository;
  labeledTickets: LabeledTicketRepository;
  routerModels: RouterModelRepository;
  predictions: PredictionRepository;
  apiKeys: ApiKeyRepository;
  evaluation: EvaluationStore;
  /** Whether the database answers; drives /readyz. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** Evaluation runs and their results, generation datasets, feedback, production metrics. */
export interface EvaluationStore {
  runs: EvalRunRepository;
  routingCases: RoutingCaseRepository;
  datasets: GenerationDatasetRepository;
  feedback: FeedbackRepository;
  metrics: ProductionMetricsRepository;
}

export async function openStore(options: StoreOptions): Promise<Store> {
  let db: SqlDatabase;
  // Each driver is loaded only by the processes that use it (`pg`, or PGlite and its WebAssembly).
  if (options.databaseUrl) {
    const { openPostgresDatabase } = await import('./postgres.js');
    db = openPostgresDatabase({
      connectionString: options.databaseUrl,
      poolSize: options.poolSize,
      preparedStatements: options.preparedStatements,
    });
  } else {
    await mkdir(options.dataDir, { recursive: true });
    const { openEmbeddedDatabase } = await import('./pglite.js');
    db = await openEmbeddedDatabase(options.dataDir);
  }
  await migrate(db);
  if (options.traced) db = withStatementSpans(db);
  return {
    db,
    generations: new GenerationRepository(db),
    taxonomies: new TaxonomyRepository(db),
    labeledTickets: new LabeledTicketRepository(db),
    routerModels: new RouterModelRepository(db),
    predictions: new PredictionRepository(db, { groupCommit: true }),
    apiKeys: new ApiKeyRepository(db),
    evaluation: {
      runs: new EvalRunRepository(db),
      routingCases: new RoutingCaseRepository(db),
      datasets: new GenerationDatasetRepository(db),
      feedback: new FeedbackRepository(db),
      metrics: new ProductionMetricsRepository(db),
    },
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
