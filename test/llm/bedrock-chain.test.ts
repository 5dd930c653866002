/** A feature served by AWS Bedrock through GraphQL, with the real SDK against the Converse double. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusUpdateInput } from '../fixtures/status-update.js';
import { startBedrockDouble, type BedrockDouble } from '../support/bedrock-double.js';
import { MODEL_STATUS_UPDATE, writeLlmConfig } from '../support/llm-config.js';
import { collectStream, startTestServer, type TestServer } from '../support/server.js';

describe('a Bedrock chain', () => {
  let double: BedrockDouble;
  let server: TestServer;
  const saved = { ...process.env };

  beforeAll(async () => {
    // The provider takes credentials from the standard AWS chain, as in production.
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'AKIDTEST',
      AWS_SECRET_ACCESS_KEY: 'secret-test',
      AWS_REGION: 'eu-west-1',
    });
    double = await startBedrockDouble({
      defaultBehaviour: {
        kind: 'text',
        text: MODEL_STATUS_UPDATE,
        chunks: 8,
        usage: { inputTokens: 300, outputTokens: 90 },
      },
    });
    const LLM_CONFIG = writeLlmConfig({
      providers: {
        bedrock: { type: 'bedrock', endpoint: double.url },
        builtin: { type: 'builtin' },
      },
      defaults: {
        chain: ['bedrock:anthropic.claude-3-haiku-20240307-v1:0', 'builtin:builtin'],
        retries: 0,
      },
      policies: { retry: { baseDelayMs: 10, maxDelayMs: 20 } },
    });
    server = await startTestServer({ LLM_CONFIG });
  });
  afterAll(async () => {
    await server.stop();
    await double.close();
    process.env = saved;
  });

  it('drafts and streams through Converse/ConverseStream, naming Bedrock and its model', async () => {
    const query = `mutation($input: DraftStatusUpdateInput!) { draftStatusUpdate(input: $input) { generation { id status provider model text usage { inputTokens outputTokens } } } }`;
    const direct = await server.graphql<{
      draftStatusUpdate: {
        generation: {
          status: string;
          provider: string;
          model: string;
          text: string;
          usage: { inputTokens: number };
        };
      };
    }>(query, { input: statusUpdateInput() });
    expect(direct.data!.draftStatusUpdate.generation).toMatchObject({
      status: 'SUCCEEDED',
      provider: 'bedrock',
      model: 'anthropic.claude-3-haiku-20240307-v1:0',
      text: MODEL_STATUS_UPDATE,
      usage: { inputTokens: 300 },
    });

    const streamed = await server.graphql<{ draftStatusUpdate: { generation: { id: string } } }>(
      query,
      {
        input: statusUpdateInput({ stream: true }),
      },
    );
    const { events } = await collectStream(
      server.wsClient(),
      streamed.data!.draftStatusUpdate.generation.id,
    );
    expect(
      events
        .slice(0, -1)
        .map((event) => event.delta)
        .join(''),
    ).toBe(MODEL_STATUS_UPDATE);
    expect(events.at(-1)!.generation!.status).toBe('SUCCEEDED');
  });

  it('falls back to builtin when Bedrock throttles', async () => {
    double.enqueue({ kind: 'rate-limited' });
    const result = await server.graphql<{
      draftStatusUpdate: {
        generation: {
          provider: string;
          attempts: { provider: string; errorCode: string | null }[];
        };
      };
    }>(
      `mutation($input: DraftStatusUpdateInput!) { draftStatusUpdate(input: $input) { generation { provider attempts { provider errorCode } } } }`,
      { input: statusUpdateInput() },
    );
    expect(result.data!.draftStatusUpdate.generation.provider).toBe('builtin');
    expect(result.data!.draftStatusUpdate.generation.attempts[0]).toEqual({
      provider: 'bedrock',
      errorCode: 'PROVIDER_RATE_LIMITED',
    });
  });
});
