/**
 * GraphiQL for the browser, bundled by this process: React, GraphiQL, its stylesheet and a
 * graphql-ws client in one script and one stylesheet, held in memory. Nothing is fetched from a
 * CDN, so the explorer works on an air-gapped network.
 *
 * GraphiQL 4 and React 19 ship ES modules only (no UMD build a page could load as is), so they are
 * bundled with esbuild on the first request for the explorer (a second or two, once per process).
 * esbuild, GraphiQL and React are development dependencies: the explorer is a tool for a person at
 * a workstation, like Sandbox, and a production image (`npm ci --omit=dev`) has neither; there
 * /graphiql answers 503 and says why. The module name is kept out of a literal import so that the
 * compiled service does not depend on it.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Esbuild from 'esbuild';

export interface ExplorerBundle {
  script: string;
  stylesheet: string;
}

const BUNDLER = 'esbuild';

/** The project root (src/server/explorer/ and dist/server/explorer/ are both three levels down). */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * The browser entry. It reads its configuration (the endpoint and the example tabs) from the
 * page's JSON script element, so the bundle is the same for every page and every server.
 *
 * Subscriptions go over graphql-ws on the same URL. The socket carries the Authorization header
 * the user set in GraphiQL's headers pane (as connection_init's `authorization`, which the server
 * reads): a new socket is opened whenever that header changes.
 */
const ENTRY = `
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { createClient } from 'graphql-ws';
import { parse } from 'graphql';
import 'graphiql/style.css';

const config = JSON.parse(document.getElementById('explorer-config').textContent);
const endpoint = new URL(config.endpoint, location.href);
const socketUrl = endpoint.href.replace(/^http/, 'ws');

function authorizationOf(headers) {
  for (const [name, value] of Object.entries(headers ?? {}))
    if (name.toLowerCase() === 'authorization' && typeof value === 'string') return value;
  return undefined;
}

const fetchers = new Map();
function fetcherFor(authorization) {
  let fetcher = fetchers.get(authorization ?? '');
  if (!fetcher) {
    for (const previous of fetchers.values()) previous.socket.dispose();
    fetchers.clear();
    const socket = createClient({
      url: socketUrl,
      connectionParams: authorization ? { authorization } : {},
    });
    fetcher = { socket, fetch: createGraphiQLFetcher({ url: endpoint.href, wsClient: socket }) };
    fetchers.set(authorization ?? '', fetcher);
  }
  return fetcher.fetch;
}

// GraphiQL 4 updates a tab's operation name and parsed document a moment after the tab is
// switched: an Execute click in that moment sends the previous tab's name (which the server
// cannot resolve) and its document (so a subscription goes over HTTP). Both are taken from the
// text actually sent instead; a one-operation document needs no name.
function withCurrentDocument(params, options) {
  let documentAST;
  try {
    documentAST = parse(params.query);
  } catch {
    return [params, options];
  }
  const names = documentAST.definitions
    .filter((definition) => definition.kind === 'OperationDefinition')
    .map((definition) => definition.name?.value);
  const operationName = names.includes(params.operationName)
    ? params.operationName
    : names.length === 1 ? names[0] : undefined;
  return [{ ...params, operationName }, { ...options, documentAST }];
}

const fetcher = (params, options) =>
  fetcherFor(authorizationOf(options?.headers))(...withCurrentDocument(params, options));

const firstVisit = localStorage.getItem('graphiql:tabState') === null;

createRoot(document.getElementById('graphiql')).render(
  createElement(GraphiQL, {
    fetcher,
    defaultTabs: config.tabs,
    ...(firstVisit && config.tabs[0]?.variables ? { variables: config.tabs[0].variables } : {}),
    defaultHeaders: config.headers,
    shouldPersistHeaders: false,
  }),
);
`;

async function build(): Promise<ExplorerBundle> {
  const esbuild = (await import(BUNDLER)) as typeof Esbuild;
  const result = await esbuild.build({
    stdin: { contents: ENTRY, resolveDir: ROOT, loader: 'js', sourcefile: 'explorer-entry.js' },
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': '"production"' },
    // Fonts and icons the stylesheet names travel inside it.
    loader: { '.woff': 'dataurl', '.woff2': 'dataurl', '.ttf': 'dataurl', '.svg': 'dataurl' },
    outdir: 'explorer',
    entryNames: 'explorer',
    logLevel: 'silent',
  });
  const output = (extension: string) =>
    result.outputFiles.find((file) => file.path.endsWith(extension))?.text ?? '';
  return { script: output('.js'), stylesheet: output('.css') };
}

let bundle: Promise<ExplorerBundle> | undefined;

/** The bundle, built on first use; a failed build is retried on the next request. */
export function explorerBundle(): Promise<ExplorerBundle> {
  bundle ??= build().catch((error: unknown) => {
    bundle = undefined;
    throw error;
  });
  return bundle;
}
