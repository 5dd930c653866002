/**
 * The offline explorer: GraphiQL at /graphiql, beside Apollo Sandbox at /graphql. Sandbox loads
 * from Apollo's CDN and so shows nothing on an air-gapped network; this page and its script and
 * stylesheet all come from this server (see explorer-bundle.ts), queries and mutations go to
 * /graphql over HTTP and subscriptions over graphql-ws on the same URL. Every example operation of
 * the landing page is a tab of its own.
 *
 * Paths are relative (`graphql`, `graphiql/explorer.js`), so the page also works behind a proxy
 * that serves the subgraph under a prefix.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../infra/observability/logger.js';
import { exampleTabs } from './example-tabs.js';
import { explorerBundle, type ExplorerBundle } from './explorer-bundle.js';

export const EXPLORER_PATH = '/graphiql';

const INTRODUCTION = `# ai-subgraph in GraphiQL: one tab per example operation, ready to run (the ▶ button).
# On loopback, before the first API key is created, the dev account answers without credentials.
# Otherwise set the Headers pane below to {"Authorization": "Bearer <your API key>"}: it is sent
# with queries and mutations, and with subscriptions in graphql-ws's connection_init.
# To watch or fetch a draft, copy the id a mutation returns into the tab's "id" variable.

`;

const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  // React and CodeMirror set style attributes.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function page(): string {
  const tabs = exampleTabs();
  tabs[0] = { ...tabs[0]!, query: INTRODUCTION + tabs[0]!.query };
  // `<` escaped so that no string in the examples can close the script element.
  const config = JSON.stringify({ endpoint: 'graphql', tabs }).replaceAll('<', '\\u003c');
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width,initial-scale=1" />
    <title>ai-subgraph explorer (GraphiQL)</title>
    <link rel="stylesheet" href="graphiql/explorer.css" />
    <style>body { margin: 0; } #graphiql { height: 100vh; }</style>
  </head>
  <body>
    <div id="graphiql">Loading the explorer…</div>
    <script type="application/json" id="explorer-config">${config}</script>
    <script src="graphiql/explorer.js"></script>
  </body>
</html>
`;
}

function send(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string,
): void {
  response
    .writeHead(status, { 'x-content-type-options': 'nosniff', ...headers })
    .end(request.method === 'HEAD' ? undefined : body);
}

export interface Explorer {
  /** True for the paths the explorer answers (the page and its two assets). */
  owns(pathname: string): boolean;
  serve(request: IncomingMessage, response: ServerResponse, pathname: string): Promise<void>;
}

export function createExplorer(options: { logger: Logger }): Explorer {
  const html = page();
  const assets: Record<string, { type: string; body: (bundle: ExplorerBundle) => string }> = {
    [`${EXPLORER_PATH}/explorer.js`]: {
      type: 'text/javascript; charset=utf-8',
      body: (bundle) => bundle.script,
    },
    [`${EXPLORER_PATH}/explorer.css`]: {
      type: 'text/css; charset=utf-8',
      body: (bundle) => bundle.stylesheet,
    },
  };
  return {
    owns: (pathname: string) => pathname === EXPLORER_PATH || pathname in assets,
    async serve(request: IncomingMessage, response: ServerResponse, pathname: string) {
      if (request.method !== 'GET' && request.method !== 'HEAD')
        return send(request, response, 405, { allow: 'GET, HEAD' }, '');
      let bundle: ExplorerBundle;
      try {
        bundle = await explorerBundle();
      } catch (error) {
        options.logger.warn({ err: error }, 'the GraphiQL explorer could not be bundled');
        return send(
          request,
          response,
          503,
          { 'content-type': 'text/plain; charset=utf-8' },
          'The explorer is bundled from development dependencies (esbuild, graphiql, react), ' +
            'which this installation does not have: run from a full `npm ci`, or use /graphql.\n',
        );
      }
      const asset = assets[pathname];
      if (asset)
        return send(
          request,
          response,
          200,
          { 'content-type': asset.type, 'cache-control': 'no-cache' },
          asset.body(bundle),
        );
      send(
        request,
        response,
        200,
        {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-cache',
          'content-security-policy': CONTENT_SECURITY_POLICY,
        },
        html,
      );
    },
  };
}
