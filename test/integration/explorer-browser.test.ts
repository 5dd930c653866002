/**
 * The offline explorer in a real browser (headless Chromium) with every request that is not to
 * 127.0.0.1 aborted, as on an air-gapped network: the landing page at /graphql cannot load
 * Sandbox from its CDN and goes on to GraphiQL at /graphiql, whose script and stylesheet the
 * subgraph serves itself. There an example mutation runs over HTTP and the example subscription
 * over graphql-ws, both from their tabs. The screenshot lands in test-output/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  blockAllButLoopback,
  launchChromium,
  TEST_OUTPUT,
  type HeadlessChromium,
} from '../support/browser.js';
import { exampleTabs } from '../../src/server/explorer/example-tabs.js';
import { startTestServer, type TestServer } from '../support/server.js';

type CodeMirrorElement = Element & {
  CodeMirror: { getValue(): string; setValue(text: string): void };
};

/** The whole text of a CodeMirror 5 editor (it renders only the lines in view; its instance is on the element). */
function editorText(page: Page, selector: string): Promise<string> {
  return page.evaluate(
    (selector) =>
      (
        document.querySelector(`${selector} .CodeMirror`) as CodeMirrorElement | null
      )?.CodeMirror.getValue() ?? '',
    selector,
  );
}

/** The text of GraphiQL's result pane, once it contains `contains`. */
async function resultText(page: Page, contains: string): Promise<string> {
  await expect
    .poll(() => editorText(page, '.result-window'), { timeout: 20_000 })
    .toContain(contains);
  return editorText(page, '.result-window');
}

/** Replaces the text of the active tab's variables editor (the first of the editor tools; headers come second). */
async function setVariables(page: Page, variables: Record<string, unknown>): Promise<void> {
  await page.evaluate((text) => {
    const editor = document.querySelector('.graphiql-editor-tool .graphiql-editor .CodeMirror');
    (editor as CodeMirrorElement).CodeMirror.setValue(text);
  }, JSON.stringify(variables));
}

describe('the offline explorer in headless Chromium', () => {
  let server: TestServer;
  let browser: HeadlessChromium;

  beforeAll(async () => {
    mkdirSync(TEST_OUTPUT, { recursive: true });
    server = await startTestServer({ SANDBOX: 'true' });
    browser = await launchChromium();
    // The first request bundles GraphiQL (seconds on a busy machine): do it before the clock of the test starts.
    expect((await fetch(new URL('/graphiql', server.url))).status).toBe(200);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('falls back from Sandbox to GraphiQL, then runs an example mutation and the subscription', async () => {
    const page = await browser.newPage();
    const blocked = await blockAllButLoopback(page);
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));

    await page.goto(server.url);
    await page.waitForURL(/\/graphiql$/, { timeout: 20_000 });
    // Sandbox's script was the request that failed; the explorer itself needed nothing from outside.
    expect(blocked.some((url) => url.includes('apollographql.com'))).toBe(true);
    const before = blocked.length;
    // Sandbox's own inline script fails without its CDN script ("EmbeddedSandbox is not a constructor"); GraphiQL must not.
    errors.length = 0;

    await page.locator('.graphiql-container').waitFor();
    const tabs = page.locator('.graphiql-tab');
    // One tab per example operation of the landing page.
    await expect.poll(() => tabs.count()).toBe(exampleTabs().length);

    // DraftStatusUpdate, the first tab, with its variables filled in.
    await page.locator('.graphiql-execute-button').click();
    const mutation = JSON.parse(await resultText(page, '"SUCCEEDED"')) as {
      data: { draftStatusUpdate: { generation: { id: string; text: string } } };
    };
    const id = mutation.data.draftStatusUpdate.generation.id;
    expect(mutation.data.draftStatusUpdate.generation.text.length).toBeGreaterThan(0);

    // WatchGeneration: the finished draft's events are replayed from the beginning, then it completes.
    await tabs.nth(1).click();
    await expect
      .poll(() => page.locator('.graphiql-query-editor').innerText())
      .toContain('subscription WatchGeneration');
    await setVariables(page, { id });
    await page.locator('.graphiql-execute-button').click();
    const event = JSON.parse(await resultText(page, '"generationStream"')) as {
      data: { generationStream: { seq: number; generation: { id: string } } };
    };
    expect(event.data.generationStream.generation.id).toBe(id);
    expect(event.data.generationStream.seq).toBeGreaterThan(0);

    await page.screenshot({ path: join(TEST_OUTPUT, 'explorer-subscription.png') });
    expect(blocked.slice(before)).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
