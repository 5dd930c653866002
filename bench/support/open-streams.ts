/**
 * Many streamed generations held open at once (streaming.ts part b): subscribers that share
 * websockets as a federation gateway's subscription link does (one connection, many
 * subscriptions), or one websocket each as browser tabs do, and a record per stream that checks
 * every delta it was sent arrived, in order.
 */
import type { Client } from 'graphql-ws';
import { DRAFT, statusUpdateInput, WATCH } from './fixtures.js';
import type { GraphQLHttpClient } from './harness.js';
import { connectedClient, type Draft, type WatchEvent } from './streams.js';

/**
 * One subscriber's view of its stream. The subgraph numbers a generation's deltas from 0 and
 * replays what a late subscriber missed, so a subscriber that got every delta has seen seq 0, 1,
 * 2, ... with no gap, and their text is a prefix of the model's answer.
 */
export class OpenStream {
  deltas = 0;
  /** The final event's status, once it came (the streams of part b are left before they end). */
  status?: string;
  error?: string;
  /** The deltas' text so far. */
  text = '';
  /** The first seq that did not follow the one before it (a lost, repeated or reordered delta). */
  gapAt?: number;
  /** `deltas` when the plateau began: a stream whose count moved since had tokens flowing. */
  deltasAtMark = 0;

  constructor(private readonly answer: string) {}

  get open(): boolean {
    return this.deltas > 0 && !this.status && !this.error;
  }

  get failed(): boolean {
    return Boolean(this.error || (this.status && this.status !== 'RUNNING'));
  }

  /** Every delta sent so far arrived once, in order, and their text is the answer's beginning. */
  get intact(): boolean {
    return this.deltas > 0 && this.gapAt === undefined && this.answer.startsWith(this.text);
  }

  mark(): void {
    this.deltasAtMark = this.deltas;
  }

  get flowedSinceMark(): boolean {
    return this.deltas > this.deltasAtMark;
  }

  receive(event: WatchEvent['generationStream']): void {
    if (event.__typename !== 'GenerationTextDelta') {
      this.status = event.generation.status;
      const { error } = event.generation;
      if (error) this.error ??= `ended ${this.status}: ${error.code} ${error.message}`;
      return;
    }
    if (event.seq !== this.deltas) this.gapAt ??= event.seq;
    this.deltas++;
    this.text += event.text;
  }
}

/**
 * Websockets carrying up to `perSocket` subscriptions each: stream `i` goes on socket
 * `floor(i / perSocket)`, connected (and acknowledged) when its first stream needs it.
 */
export class SubscriptionSockets {
  private readonly sockets: Promise<Client>[] = [];

  constructor(
    private readonly wsUrl: string,
    private readonly authorization: string,
    readonly perSocket: number,
  ) {
    if (!Number.isInteger(perSocket) || perSocket < 1)
      throw new Error('--per-socket: a whole number of subscriptions, 1 or more');
  }

  get count(): number {
    return this.sockets.length;
  }

  forStream(index: number): Promise<Client> {
    const socket = Math.floor(index / this.perSocket);
    return (this.sockets[socket] ??= connectedClient(this.wsUrl, this.authorization));
  }

  /** Closes every socket: the subgraph ends their subscriptions (and abandons the generations). */
  async close(): Promise<void> {
    const settled = await Promise.allSettled(this.sockets);
    await Promise.all(
      settled.map((socket) => (socket.status === 'fulfilled' ? socket.value.dispose() : undefined)),
    );
  }
}

/** Starts a streamed draft and subscribes `stream` to it; resolves once the subscribe message is out. */
export async function openStream(
  http: GraphQLHttpClient,
  ws: Client,
  stream: OpenStream,
): Promise<void> {
  const result = await http.post<Draft>(DRAFT, { input: statusUpdateInput({ stream: true }) });
  const id = result.data?.draftStatusUpdate?.generation?.id;
  if (!id) throw new Error(`mutation: ${result.errors?.[0]?.message ?? 'no id'}`);
  ws.subscribe<WatchEvent>(
    { query: WATCH, variables: { id } },
    {
      next: (message) => {
        const event = message.data?.generationStream;
        if (message.errors) stream.error ??= message.errors[0]?.message ?? 'error';
        else if (event) stream.receive(event);
      },
      error: (error) => (stream.error ??= describeError(error)),
      complete: () => undefined,
    },
  );
}

/** graphql-ws reports a socket that closed under a subscription with the close event itself. */
function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  const { code, reason } = (error ?? {}) as { code?: number; reason?: string };
  return `socket closed${code === undefined ? '' : ` with ${code}`}${reason ? ` (${reason})` : ''}`;
}
