/** The process as an operator meets it: configuration errors, start-up summary, graceful SIGTERM. */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { DRAFT_STATUS_UPDATE, statusUpdateInput } from '../fixtures/status-update.js';
import { spawnServer } from '../support/process.js';
import { collectStream, temporaryDataDir } from '../support/server.js';

describe('configuration errors', { timeout: 90_000 }, () => {
  it.each([
    [
      'PORT',
      'abc',
      /^ai-subgraph: invalid configuration: PORT must be an integer from 0 to 65535 \(got "abc"\)$/,
    ],
    ['PORT', '70000', /PORT must be an integer from 0 to 65535/],
    ['NODE_ENV', 'staging', /NODE_ENV must be development, production or test/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/],
  ])('%s=%s stops start-up with one line naming the variable', async (name, value, message) => {
    const server = spawnServer({ [name]: value, DATA_DIR: temporaryDataDir() });
    const { code } = await server.exited;
    expect(code).not.toBe(0);
    const lines = server.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });
});

describe('the running process', { timeout: 90_000 }, () => {
  it('prints a start-up summary without secrets, and drains a running stream on SIGTERM, exiting 0', async () => {
    const server = spawnServer({
      DATA_DIR: temporaryDataDir(),
      BUILTIN_STREAM_DELAY_MS: '20',
      OPENAI_API_KEY: 'sk-test-secret-value-1234567890',
      OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
      LLM_CONFIG: '',
    });
    const url = await server.ready;
    const summary = server.stdout();
    expect(summary).toContain('"store":"embedded PGlite');
    expect(summary).toContain('openai:gpt-4o-mini → builtin:builtin');
    expect(summary).not.toContain('sk-test-secret');

    // With the OpenAI URL unreachable the chain falls back to builtin, so this still drafts.
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: DRAFT_STATUS_UPDATE,
        variables: { input: statusUpdateInput({ stream: true }) },
      }),
    });
    const { data } = (await response.json()) as {
      data: { draftStatusUpdate: { generation: { id: string } } };
    };
    const client = createClient({
      url: url.replace('http', 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    const watching = collectStream(client, data.draftStatusUpdate.generation.id);
    await new Promise((resolve) => setTimeout(resolve, 150));
    server.child.kill('SIGTERM');

    const { events } = await watching;
    const final = events.at(-1)!;
    expect(final.generation!.status).toBe('SUCCEEDED');
    expect(
      events
        .slice(0, -1)
        .map((event) => event.delta)
        .join(''),
    ).toBe(final.generation!.text);
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.stdout()).toContain('stopped cleanly');
    await client.dispose();
  });

  it('stops gracefully on SIGTERM to the `npm start` process, leaving no server behind', async () => {
    const server = spawnServer({ DATA_DIR: temporaryDataDir() }, 'npm start');
    const url = await server.ready;
    const serverPid = Number(/"pid":(\d+)/.exec(server.stdout())![1]);
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.stdout()).toContain('stopped cleanly');
    expect(() => process.kill(serverPid, 0)).toThrow(/ESRCH/);
    await expect(fetch(url)).rejects.toThrow();
  });
});
