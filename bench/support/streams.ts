/**
 * Streamed generations as a browser follows them, for the benchmarks that stream (streaming.ts,
 * soak.ts): a graphql-ws client connected up front, and a streamed draft started over HTTP and
 * watched to its end over that client.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { DRAFT, MODEL_STATUS_UPDATE, statusUpdateInput, WATCH } from './fixtures.js';
import type { GraphQLHttpClient } from './harness.js';

export interface Draft {
  draftStatusUpdate: { generation: { id: string; status: string } | null };
}

export interface WatchEvent {
  generationStream:
    | { __typename: 'GenerationTextDelta'; seq: number; text: string }
    | {
        __typename: 'GenerationFinished';
        seq: number;
        generation: {
          id: string;
          status: string;
          error: { code: string; message: string } | null;
        };
      };
}

/** Milliseconds from the start of a streamed call. */
export interface StreamTiming {
  firstDeltaMs: number;
  totalMs: number;
  /** The last delta: `totalMs - lastDeltaMs` is what the end of the call added after the text. */
  lastDeltaMs?: number;
  /** The subgraph's mutation answered with the generation's id. */
  acceptedMs?: number;
  /** The subgraph's final event (the call ends at the subscription's completion). */
  finishedMs?: number;
}

/**
 * One graphql-ws client per simulated browser tab, connected (and acknowledged) before the clock
 * starts; `authorization` (`server.authorization`) goes in connection_init.
 */
export async function connectedClient(wsUrl: string, authorization?: string): Promise<Client> {
  // Not lazy: the connection opens now. Its failure is reported here, not on the console.
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    keepAlive: 0,
    onNonLazyError: () => undefined,
    ...(authorization ? { connectionParams: { authorization } } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    const offConnected = client.on('connected', () => {
      offConnected();
      offClosed();
      resolve();
    });
    const offClosed = client.on('closed', (event) => {
      offConnected();
      offClosed();
      const { code, reason } = event as { code?: number; reason?: string };
      reject(
        new Error(`websocket closed before it was acknowledged: ${code ?? ''} ${reason ?? ''}`),
      );
    });
  });
  return client;
}

/**
 * Starts a streamed draft and watches it. `onFirstDelta` fires at the first delta (time to first
 * delta); the promise settles when the final event has arrived and the subscription completed.
 */
export async function subgraphStream(
  http: GraphQLHttpClient,
  ws: Client,
  hooks: { onSubscribed?: () => void; onFirstDelta?: () => void } = {},
): Promise<StreamTiming> {
  const started = performance.now();
  const result = await http.post<Draft>(DRAFT, { input: statusUpdateInput({ stream: true }) });
  const id = result.data?.draftStatusUpdate?.generation?.id;
  if (!id) throw new Error(`mutation: ${result.errors?.[0]?.message ?? 'no id'}`);
  const acceptedMs = performance.now() - started;
  const { onSubscribed, onFirstDelta } = hooks;
  return new Promise<StreamTiming>((resolve, reject) => {
    let firstDeltaMs: number | undefined;
    let lastDeltaMs = 0;
    let finishedMs = 0;
    let text = '';
    let status: string | undefined;
    let failure = '';
    ws.subscribe<WatchEvent>(
      { query: WATCH, variables: { id } },
      {
        next: (message) => {
          if (message.errors)
            return reject(new Error(`subscription: ${message.errors[0]?.message}`));
          const event = message.data?.generationStream;
          if (!event) return;
          if (event.__typename === 'GenerationTextDelta') {
            if (firstDeltaMs === undefined) {
              firstDeltaMs = performance.now() - started;
              onFirstDelta?.();
            }
            text += event.text;
            lastDeltaMs = performance.now() - started;
          } else {
            finishedMs = performance.now() - started;
            status = event.generation.status;
            if (event.generation.error)
              failure = `: ${event.generation.error.code} ${event.generation.error.message}`;
          }
        },
        error: (error) =>
          reject(
            error instanceof Error
              ? error
              : new Error(`subscription failed: ${JSON.stringify(error)}`),
          ),
        complete: () => {
          if (firstDeltaMs === undefined || status !== 'SUCCEEDED' || text !== MODEL_STATUS_UPDATE)
            reject(
              new Error(
                `stream ended ${status ?? 'without a final event'} after ${text.length} characters${failure}`,
              ),
            );
          else
            resolve({
              firstDeltaMs,
              totalMs: performance.now() - started,
              lastDeltaMs,
              acceptedMs,
              finishedMs,
            });
        },
      },
    );
    onSubscribed?.();
  });
}
