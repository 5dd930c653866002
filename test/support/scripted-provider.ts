/**
 * An in-process provider that answers, streams and fails on cue: the test double of the provider
 * spec (src/llm/spec.ts), as vercel/ai's MockLanguageModel is of theirs. Give it a queue of cues,
 * one per call, and read back what it was sent:
 *
 *   const model = new ScriptedProvider({ name: 'scripted' });
 *   model.enqueue(
 *     fail('rate-limited'),                        // the first call is refused (retryable)
 *     stream(['Checkout ', 'is back.'], { delayMs: 5 }), // the second streams two deltas
 *   );
 *   ...
 *   expect(model.calls).toHaveLength(2);
 *   expect(model.calls[1]!.request.messages.at(-1)!.content).toContain('checkout-api');
 *
 * Each call, `generate` (a whole answer) or `stream`, takes the next cue; with the queue empty it
 * answers `reply(request)` (by default: fails, so a test never gets an answer it did not script).
 * The same cue serves either method: `generate` waits out a stream's delays and returns its
 * text whole, and a failure after the first delta fails `generate` outright.
 */
import { ProviderError, type ProviderFailure } from '../../src/llm/errors.js';
import type {
  FinishReason,
  ModelProvider,
  ModelRequest,
  ModelResult,
  StreamPart,
  TokenUsage,
} from '../../src/llm/spec.js';

/** What one call does. */
export type Cue =
  /**
   * Answers with these deltas, `delayMs` apart (the first one too), then finishes; with
   * `waitFor`, not before that promise settles (a test holds the answer back while it looks).
   */
  | {
      kind: 'answer';
      chunks: readonly string[];
      delayMs?: number;
      waitFor?: Promise<unknown>;
      finishReason?: FinishReason;
      usage?: TokenUsage;
    }
  /** Fails at once, as a provider would (before anything was sent back). */
  | { kind: 'fail'; failure: ProviderFailure; message?: string; retryAfterMs?: number }
  /** Streams these deltas, then fails: the caller has already shown text. */
  | { kind: 'fail-after'; chunks: readonly string[]; failure: ProviderFailure; delayMs?: number }
  /** Sends these deltas (maybe none), then nothing more; ends only when the caller's signal aborts. */
  | { kind: 'hang'; chunks: readonly string[]; delayMs?: number };

/** A whole answer, sent as one delta. */
export const answer = (
  text: string,
  options: { waitFor?: Promise<unknown>; finishReason?: FinishReason; usage?: TokenUsage } = {},
): Cue => ({ kind: 'answer', chunks: [text], ...options });

/** An answer in deltas, each `delayMs` after the previous one. */
export const stream = (
  chunks: readonly string[],
  options: {
    delayMs?: number;
    waitFor?: Promise<unknown>;
    finishReason?: FinishReason;
    usage?: TokenUsage;
  } = {},
): Cue => ({ kind: 'answer', chunks, ...options });

/** A `ProviderError` of this kind (`rate-limited`, `timeout`, `unavailable`, `refused`, ...). */
export const fail = (
  failure: ProviderFailure,
  options: { message?: string; retryAfterMs?: number } = {},
): Cue => ({ kind: 'fail', failure, ...options });

/** These deltas, then a `ProviderError` of this kind. */
export const failAfter = (
  chunks: readonly string[],
  failure: ProviderFailure,
  options: { delayMs?: number } = {},
): Cue => ({ kind: 'fail-after', chunks, failure, ...options });

/** These deltas (none by default), then silence until the call is aborted (a cancel, a deadline, a shutdown). */
export const hang = (chunks: readonly string[] = []): Cue => ({ kind: 'hang', chunks });

/** One call the provider received. */
export interface ScriptedCall {
  method: 'generate' | 'stream';
  request: ModelRequest;
  /** The signal it was given: `aborted` tells whether the caller gave up on it. */
  signal: AbortSignal;
  /** The cue it played. */
  cue: Cue;
}

export interface ScriptedProviderOptions {
  /** The provider's instance name, as the routing chain names it (default `scripted`). */
  name?: string;
  /** Whether it is outside the trust boundary (drives PII redaction; default false). */
  thirdParty?: boolean;
  /**
   * Answers calls once the queue is empty: a string (whole, or in `chunkSize` deltas) or a cue.
   * Script failures as cues (`fail(...)`) rather than by throwing.
   */
  reply?: (request: ModelRequest) => string | Cue;
  /** How a string `reply` is cut when streamed (default: one delta). */
  chunkSize?: number;
  /** The usage every answer reports unless its cue says otherwise. */
  usage?: TokenUsage;
}

const DEFAULT_USAGE: TokenUsage = { inputTokens: 10, outputTokens: 5 };

export class ScriptedProvider implements ModelProvider {
  readonly name: string;
  readonly thirdParty: boolean;
  /** Every call, in the order received. */
  readonly calls: ScriptedCall[] = [];
  private readonly queue: Cue[] = [];
  private readonly waiters: { count: number; resolve: () => void }[] = [];

  constructor(private readonly options: ScriptedProviderOptions = {}) {
    this.name = options.name ?? 'scripted';
    this.thirdParty = options.thirdParty ?? false;
  }

  /** The requests received, in order. */
  get requests(): ModelRequest[] {
    return this.calls.map((call) => call.request);
  }

  /** Queues cues, played one per call in order. */
  enqueue(...cues: Cue[]): this {
    this.queue.push(...cues);
    return this;
  }

  /** Cues not played yet. */
  get pending(): number {
    return this.queue.length;
  }

  /** Resolves once the provider has received `count` calls (a hanging call has been made). */
  called(count = 1): Promise<void> {
    if (this.calls.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  async generate(request: ModelRequest, signal: AbortSignal): Promise<ModelResult> {
    const cue = this.take('generate', request, signal);
    let text = '';
    for await (const part of this.play(cue, signal)) {
      if (part.type === 'text-delta') text += part.text;
      else
        return {
          text,
          usage: part.usage,
          finishReason: part.finishReason,
          ...(part.model === undefined ? {} : { model: part.model }),
        };
    }
    throw new Error('unreachable: a played cue finishes or throws');
  }

  stream(request: ModelRequest, signal: AbortSignal): AsyncIterable<StreamPart> {
    return this.play(this.take('stream', request, signal), signal);
  }

  private take(method: ScriptedCall['method'], request: ModelRequest, signal: AbortSignal): Cue {
    let cue = this.queue.shift();
    if (!cue) {
      const reply = this.options.reply;
      if (!reply) cue = fail('bad-request', { message: 'the scripted provider has no cue left' });
      else {
        const made = reply(request);
        cue = typeof made === 'string' ? stream(cut(made, this.options.chunkSize)) : made;
      }
    }
    this.record({ method, request, signal, cue });
    return cue;
  }

  private record(call: ScriptedCall): void {
    this.calls.push(call);
    for (const waiter of [...this.waiters])
      if (this.calls.length >= waiter.count) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
  }

  private async *play(cue: Cue, signal: AbortSignal): AsyncIterable<StreamPart> {
    if (cue.kind === 'fail') throw this.error(cue.failure, cue.message, cue.retryAfterMs);
    if (cue.kind === 'answer' && cue.waitFor) await Promise.race([cue.waitFor, abortOf(signal)]);
    for (const text of cue.chunks) {
      if (cue.delayMs) await sleep(cue.delayMs, signal);
      if (signal.aborted) throw this.cancelled(signal);
      yield { type: 'text-delta', text };
    }
    if (cue.kind === 'hang') {
      await abortOf(signal);
      throw this.cancelled(signal);
    }
    if (cue.kind === 'fail-after')
      throw this.error(cue.failure, `the stream broke after ${cue.chunks.length} deltas`);
    yield {
      type: 'finish',
      usage: cue.usage ?? this.options.usage ?? DEFAULT_USAGE,
      finishReason: cue.finishReason ?? 'stop',
    };
  }

  /** What a real provider throws when its caller aborts (the provider contract's `cancelled`). */
  private cancelled(signal: AbortSignal): ProviderError {
    return new ProviderError('cancelled', this.name, 'the call was aborted', undefined, {
      cause: signal.reason,
    });
  }

  private error(failure: ProviderFailure, message?: string, retryAfterMs?: number): ProviderError {
    return new ProviderError(
      failure,
      this.name,
      message ?? `scripted ${failure} failure`,
      retryAfterMs,
    );
  }
}

function cut(text: string, size: number | undefined): string[] {
  if (!size) return [text];
  const chunks: string[] = [];
  for (let at = 0; at < text.length; at += size) chunks.push(text.slice(at, at + size));
  return chunks;
}

function abortOf(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );
}

/** Waits `ms`, or less if the signal aborts first. */
async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
