/**
 * Child-process entry: the OpenAI wire-protocol double from test/support, in its own process so
 * that its CPU is not the load generator's. Behaviour comes from BENCH_DOUBLE_BEHAVIOUR (JSON) and
 * can be changed over IPC. The double records every request; this keeps only the count and the
 * last one, so that a long run does not grow its heap.
 */
import {
  startOpenAiDouble,
  type OpenAiBehaviour,
  type RecordedRequest,
} from '../../test/support/openai-double.js';
import { ProcessUsage, type ChildRequest, type ProcessStats } from './ipc.js';

if (!process.send) throw new Error('double-process.ts runs as a forked child (see harness.ts)');
const send = (message: unknown) => process.send!(message);

const behaviour = JSON.parse(
  process.env['BENCH_DOUBLE_BEHAVIOUR'] ?? '{"kind":"text","text":"Hello."}',
) as OpenAiBehaviour;
const double = await startOpenAiDouble({ defaultBehaviour: behaviour });

let calls = 0;
let aborted = 0;
let last: RecordedRequest | undefined;
const trim = setInterval(() => {
  calls += double.requests.length;
  last = double.requests.at(-1) ?? last;
  double.requests.length = 0;
  aborted += double.abortedRequests.length;
  double.abortedRequests.length = 0;
}, 250);

const usage = new ProcessUsage();

process.on('message', (message: ChildRequest) => {
  void (async () => {
    switch (message.type) {
      case 'set-behaviour':
        double.setDefault(message.behaviour as OpenAiBehaviour);
        send({ type: 'reply', id: message.id, value: null });
        return;
      case 'last-request': {
        const request = double.requests.at(-1) ?? last;
        send({ type: 'reply', id: message.id, value: request?.body ?? null });
        return;
      }
      case 'stats': {
        const value: ProcessStats = {
          ...usage.read(message.reset ?? false),
          eventLoopDelay: null,
          extra: {
            calls: calls + double.requests.length,
            aborted: aborted + double.abortedRequests.length,
          },
        };
        send({ type: 'reply', id: message.id, value });
        return;
      }
      case 'gc':
      case 'profile-start':
      case 'profile-stop':
      case 'heap-start':
      case 'heap-stop':
        send({ type: 'reply', id: message.id, value: null });
        return;
      case 'stop':
        clearInterval(trim);
        await double.close();
        send({ type: 'reply', id: message.id, value: null });
        process.exit(0);
    }
  })();
});
process.on('disconnect', () => process.exit(0));

send({ type: 'ready', url: double.url });
