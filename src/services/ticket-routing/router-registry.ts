/**
 * The routers that serve, one per taxonomy: loaded from the store on first use, trained off the
 * main thread, and swapped in only once stored, so predictions never wait for training. Other
 * replicas pick a new model up within `refreshMs`.
 */
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type {
  RouterModelRecord,
  RouterModelRepository,
} from '../../infra/store/routing/router-models.js';
import { deserializeRouter, type LabeledText, type TrainedRouter } from '../../ml/index.js';

export interface ServedRouter {
  record: RouterModelRecord;
  router: TrainedRouter;
}

interface Entry {
  served: ServedRouter | null;
  checkedAt: number;
}

/**
 * Runs train-worker in a worker thread. Compiled, it is plain JavaScript; from source (development
 * and tests under tsx) the worker first registers tsx's loader, which Node 20 does not pass on to
 * worker threads by itself.
 */
function trainInWorker(examples: LabeledText[]): Promise<Uint8Array> {
  const fromSource = import.meta.url.endsWith('.ts');
  const script = new URL(`./train-worker.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  const worker = fromSource
    ? new Worker(
        `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(script.href)}); });`,
        { eval: true },
      )
    : new Worker(script);
  return new Promise((resolve, reject) => {
    worker.once(
      'message',
      (result: { ok: true; bytes: Uint8Array } | { ok: false; message: string }) => {
        void worker.terminate();
        if (result.ok) resolve(result.bytes);
        else reject(new Error(result.message));
      },
    );
    worker.once('error', reject);
    worker.postMessage(examples);
  });
}

export class RouterRegistry {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly models: RouterModelRepository,
    private readonly refreshMs = 60_000,
  ) {}

  /** The newest trained router of a taxonomy, or null before the first training. */
  async get(accountId: string, taxonomyId: string): Promise<ServedRouter | null> {
    const entry = this.entries.get(taxonomyId);
    if (entry && Date.now() - entry.checkedAt < this.refreshMs) return entry.served;
    const [latest] = await this.models.latest(accountId, [taxonomyId]);
    if (entry?.served && latest && entry.served.record.id === latest.id) {
      entry.checkedAt = Date.now();
      return entry.served;
    }
    const [stored] = latest ? await this.models.latestWithBytes(accountId, [taxonomyId]) : [];
    const served = stored
      ? { record: stored.record, router: deserializeRouter(stored.model) }
      : null;
    this.entries.set(taxonomyId, { served, checkedAt: Date.now() });
    return served;
  }

  async train(
    accountId: string,
    taxonomy: { id: string; version: number },
    examples: LabeledText[],
    warnings: string[] = [],
  ): Promise<ServedRouter> {
    const bytes = await trainInWorker(examples);
    const router = deserializeRouter(bytes);
    const record = await this.models.insert(
      {
        id: randomUUID(),
        accountId,
        taxonomyId: taxonomy.id,
        taxonomyVersion: taxonomy.version,
        metrics: {
          trainedOn: router.metrics.trainedOn,
          heldoutAccuracy: router.metrics.heldoutAccuracy,
          expectedCalibrationError: router.metrics.expectedCalibrationError,
          threshold: router.threshold,
          trainingMs: router.metrics.trainingMs,
          categories: router.labels.length,
          warnings,
        },
      },
      bytes,
    );
    const served = { record, router };
    this.entries.set(taxonomy.id, { served, checkedAt: Date.now() });
    return served;
  }
}
