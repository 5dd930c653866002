/**
 * Child-process entry: the baseline of bench/load-routing.ts. A bare `node:http` handler that
 * routes one ticket with the very model the subgraph trained (read from the stopped subgraph's
 * store), doing what the cascade's local stage does (normalise, predict) and nothing else: no
 * GraphQL, no authentication, no limits, no stored prediction.
 *
 * POST / with `{ "body": "...", "subject": "..." }` answers `{ "category": ..., "confidence": ... }`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deserializeRouter, normalizeTicketText } from '../../src/ml/index.js';
import { openStore } from '../../src/infra/store/index.js';
import type { ChildRequest } from './ipc.js';

if (!process.send)
  throw new Error('bare-router-process.ts runs as a forked child (see load-routing.ts)');
const send = (message: unknown) => process.send!(message);

const store = await openStore({ dataDir: process.env['BENCH_DATA_DIR']!, poolSize: 1 });
const [stored] = await store.routerModels.latestWithBytes(process.env['BENCH_ACCOUNT']!, [
  process.env['BENCH_TAXONOMY_ID']!,
]);
await store.close();
if (!stored) throw new Error('no trained router in the store');
const router = deserializeRouter(stored.model);

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    try {
      const ticket = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        subject?: string;
        body: string;
      };
      const [prediction] = router.predict([normalizeTicketText(ticket.subject, ticket.body)]);
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ category: prediction!.label, confidence: prediction!.confidence }));
    } catch (error) {
      response
        .writeHead(400, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: (error as Error).message }));
    }
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

process.on('message', (message: ChildRequest) => {
  if (message.type !== 'stop') return send({ type: 'reply', id: message.id, value: null });
  server.close();
  send({ type: 'reply', id: message.id, value: null });
  process.exit(0);
});
process.on('disconnect', () => process.exit(0));

send({ type: 'ready', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` });
