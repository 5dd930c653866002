/**
 * A streamed draft whose subscribers all left is abandoned and its provider call aborted, also
 * when the garbage collector ran while it streamed. undici links a fetch to the caller's
 * AbortSignal through a WeakRef: only the request fetch keeps (the clone it makes of a request
 * that may follow redirects) holds the far end alive. Without it (`fetchOptions: { redirect:
 * 'error' }` in the OpenAI client, tried for the ~8 KiB per open stream it saves), one collection
 * cuts the link, and an abandoned draft kept streaming from the provider to its end, unwatched:
 * 2,000 of them for minutes in the streaming benchmark.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DRAFT_STATUS_UPDATE, statusUpdateInput } from '../../fixtures/status-update.js';
import { MODEL_STATUS_UPDATE, writeLlmConfig } from '../../support/llm-config.js';
import { startOpenAiDouble, type OpenAiDouble } from '../../support/openai-double.js';
import { startTestServer, type TestServer } from '../../support/server.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

let double: OpenAiDouble;
let server: TestServer;

beforeAll(async () => {
  // A slow model: the answer would take 40 s.
  double = await startOpenAiDouble({
    defaultBehaviour: { kind: 'text', text: MODEL_STATUS_UPDATE, chunks: 200, chunkDelayMs: 200 },
  });
  const config = writeLlmConfig({
    providers: { openai: { type: 'openai', baseURL: double.url } },
    defaults: { chain: ['openai:gpt-test'], retries: 0, timeoutMs: 60_000 },
  });
  server = await startTestServer({
    OPENAI_API_KEY: 'sk-test',
    LLM_CONFIG: config,
    STREAM_ABANDON_MS: '100',
  });
});
afterAll(async () => {
  await server.stop();
  await double.close();
});

it('aborts the provider call of a stream its subscriber left after a garbage collection', async () => {
  const drafted = await server.graphql<{ draftStatusUpdate: { generation: { id: string } } }>(
    DRAFT_STATUS_UPDATE,
    {
      input: statusUpdateInput({ stream: true }),
    },
  );
  const id = drafted.data!.draftStatusUpdate.generation.id;
  const client = server.wsClient();
  await new Promise<void>((resolve, reject) => {
    client.subscribe(
      {
        query:
          'subscription($id: ID!) { generationStream(id: $id) { seq ... on GenerationTextDelta { text } } }',
        variables: { id },
      },
      {
        next: () => resolve(),
        error: reject,
        complete: () => reject(new Error('ended before a delta')),
      },
    );
  });
  collectGarbage();
  await client.dispose();

  await double.waitForAbort(5_000);
  const stored = async () =>
    (
      await server.graphql<{ generation: { status: string; error: { code: string } | null } }>(
        'query($id: ID!) { generation(id: $id) { status error { code } } }',
        { id },
      )
    ).data!.generation;
  await expect
    .poll(stored, { timeout: 5_000 })
    .toEqual({ status: 'CANCELLED', error: { code: 'CANCELLED' } });
});
