/**
 * Trains a router off the main thread, so serving goes on while a model trains (seconds on large
 * taxonomies); the caller swaps the new model in when it is ready.
 */
import { parentPort } from 'node:worker_threads';
import { serializeRouter, trainRouter, type LabeledText } from '../../ml/index.js';
import { OUT_OF_SCOPE_LABEL } from './out-of-scope.js';

parentPort!.once('message', (examples: LabeledText[]) => {
  try {
    const router = trainRouter(examples, { unknownLabel: OUT_OF_SCOPE_LABEL });
    const bytes = serializeRouter(router);
    parentPort!.postMessage({ ok: true, bytes }, [bytes.buffer as ArrayBuffer]);
  } catch (error) {
    parentPort!.postMessage({ ok: false, message: (error as Error).message });
  }
});
