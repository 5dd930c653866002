/**
 * Drives every generation capability the same way: validate, store as RUNNING, stream through the
 * gateway, publish deltas on the bus, parse and ground-check the output, store the outcome,
 * publish the end. It owns the abort controllers of generations running in this process, for
 * cancellation, abandoned streams, clients that hang up, and shutdown.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Account } from '../../domain.js';
import { ErrorCode, ServiceError, notFound } from '../../errors.js';
import {
  GatewayError,
  type Answered,
  type GatewayPart,
  type LlmGateway,
} from '../../llm/gateway.js';
import type { Target } from '../../llm/provider-chains.js';
import type { ChatMessage } from '../../llm/spec.js';
import type {
  GenerationOutcome,
  GenerationRecord,
  GenerationRepository,
} from '../../infra/store/generations.js';
import type { StreamBus } from '../../infra/streams/bus.js';
import type {
  DraftContext,
  DraftReading,
  GenerationCapability,
} from '../../features/capability.js';
import { parseInput } from '../../features/validate.js';
import { DeltaFrames } from './delta-frames.js';
import { findUngroundedFacts } from './grounding.js';
import { LinkNeutraliser, vouchedHostsOf } from './link-neutraliser.js';
import { unusableAnswer } from './unusable-answer.js';

export interface StartOptions {
  account: Account;
  /** Return at once with status RUNNING and publish deltas live. */
  stream: boolean;
  idempotencyKey?: string | null;
  incidentId?: string | null;
  /**
   * The request's own signal. A caller waiting for a non-streamed draft who hangs up cancels it;
   * a streamed draft outlives its request (its subscribers own it).
   */
  signal?: AbortSignal;
  /**
   * Set by an evaluation run: the generation is recorded as the run's (kept out of production
   * metrics), served by `targets` instead of the feature's chain when given, never from the cache.
   */
  evaluation?: { runId: string; targets?: readonly Target[] };
  /** The request that started it, for the audit log. */
  requestId?: string;
}

export interface RunnerDependencies {
  generations: GenerationRepository;
  bus: StreamBus;
  gateway: LlmGateway;
  logger: Logger;
  /**
   * How long a streamed generation keeps running once its last subscriber left, so a client
   * that dropped can resume with afterSeq; after that its provider call is aborted.
   */
  abandonAfterMs: number;
  /** Deltas are coalesced into one event per frame of this length (see delta-frames.ts); 0 sends each alone. */
  frameMs: number;
  /** Told each time a generation of this process ends (metrics); must not throw. */
  onFinished?: (generation: GenerationRecord) => void;
  /**
   * Asked before anything is stored or any provider called; throws (RATE_LIMITED) to refuse. Returns
   * the release of what it reserved (a streamed generation's stream slot), called when it ends.
   */
  admit?: (request: {
    accountId: string;
    stream: boolean;
    generationId: string;
  }) => Promise<() => void>;
}

/** Why a run was aborted from inside this service; anything else aborting it is the deadline. */
type StopReason = 'cancelled' | 'client-gone' | 'abandoned' | 'shutdown';
/** Its RUNNING row could not be stored: the run ends without storing or publishing anything. */
const NOT_STORED = 'not-stored';

const STOPPED: Record<
  StopReason,
  { status: 'CANCELLED' | 'INTERRUPTED'; code: ErrorCode; message: string }
> = {
  cancelled: { status: 'CANCELLED', code: ErrorCode.CANCELLED, message: 'cancelled by a client' },
  'client-gone': {
    status: 'CANCELLED',
    code: ErrorCode.CANCELLED,
    message: 'the client closed its request before the draft was finished',
  },
  abandoned: {
    status: 'CANCELLED',
    code: ErrorCode.CANCELLED,
    message: 'every subscriber left the stream',
  },
  shutdown: {
    status: 'INTERRUPTED',
    code: ErrorCode.INTERRUPTED,
    message: 'interrupted by a server shutdown',
  },
};

interface Running {
  controller: AbortController;
  accountId: string;
  /** Its RUNNING row is stored and its stream open. */
  stored: boolean;
  /** Settles when the run has ended, with the stored outcome (null if it could not be stored). */
  done: Promise<GenerationRecord | null>;
  watchers: number;
  abandonTimer?: NodeJS.Timeout;
  /** Another replica served a subscriber of it at the last look (scale-out bus only). */
  remotelyWatched?: boolean;
}

const MAX_IDEMPOTENCY_KEY = 200;

export class GenerationRunner {
  private readonly running = new Map<string, Running>();

  constructor(private readonly deps: RunnerDependencies) {}

  /** How many generations this process is producing right now. */
  get activeCount(): number {
    return this.running.size;
  }

  /** The ids of the generations this process is producing, for its heartbeat. */
  get runningIds(): string[] {
    return [...this.running.keys()];
  }

  async start<Input, Output>(
    capability: GenerationCapability<Input, Output>,
    rawInput: unknown,
    options: StartOptions,
  ): Promise<GenerationRecord> {
    if (options.idempotencyKey && options.idempotencyKey.length > MAX_IDEMPOTENCY_KEY) {
      throw new ServiceError(
        ErrorCode.BAD_USER_INPUT,
        `idempotencyKey: at most ${MAX_IDEMPOTENCY_KEY} characters`,
      );
    }
    const input = parseInput(capability.inputSchema, rawInput);
    // Stored with the row and searched by the grounding check: serialised once for both.
    const inputJson = JSON.stringify(input);
    const context: DraftContext = { now: new Date() };
    const messages = capability.buildPrompt(input, context);
    const id = randomUUID();
    const release =
      (await this.deps.admit?.({
        accountId: options.account.id,
        stream: options.stream,
        generationId: id,
      })) ?? (() => undefined);
    const insert = () =>
      this.deps.generations.insertRunning({
        id,
        accountId: options.account.id,
        feature: capability.feature,
        input,
        inputJson,
        promptVersion: capability.promptVersion,
        incidentId: options.incidentId ?? null,
        idempotencyKey: options.idempotencyKey ?? null,
        evalRunId: options.evaluation?.runId ?? null,
      });
    // With an idempotency key the row decides whether the provider is called at all (a repeated
    // request must not pay for a second answer). Without one the insert cannot find an earlier
    // row, so the provider call starts at once and the insert runs while the model thinks.
    let inserted: Promise<GenerationRecord>;
    if (options.idempotencyKey) {
      const { record, created, sameInput } = await insert().catch((error: unknown) => {
        release();
        throw error;
      });
      if (!created) {
        release();
        if (!sameInput)
          throw new ServiceError(
            ErrorCode.CONFLICT,
            'this idempotencyKey was already used with a different input',
            { field: ['input', 'idempotencyKey'] },
          );
        if (!options.stream) await this.running.get(record.id)?.done;
        return options.stream
          ? record
          : ((await this.deps.generations.findById(options.account.id, record.id)) ?? record);
      }
      inserted = Promise.resolve(record);
    } else {
      inserted = insert().then(({ record }) => record);
    }
    // Stored and its stream open: nothing is published or finished before both are done.
    const stored = inserted.then(async (record) => {
      await this.deps.bus.open(record.id);
      return record;
    });

    const controller = new AbortController();
    const running: Running = {
      controller,
      accountId: options.account.id,
      stored: false,
      watchers: 0,
      done: Promise.resolve(null),
    };
    const isStored = stored.then(
      () => {
        running.stored = true;
        return true;
      },
      () => false,
    );
    running.done = this.run({
      capability,
      input,
      inputJson,
      messages,
      id,
      stored: isStored,
      options,
      context,
      signal: controller.signal,
    }).finally(() => {
      clearTimeout(running.abandonTimer);
      this.running.delete(id);
      release();
    });
    this.running.set(id, running);
    let record: GenerationRecord;
    try {
      record = await stored;
    } catch (error) {
      // Not stored: the call is dropped and the request fails with the store's error.
      controller.abort(NOT_STORED);
      await running.done;
      throw error;
    }
    if (options.stream) return record;

    const hangUp = () => controller.abort('client-gone' satisfies StopReason);
    // The client may have hung up while the row was being stored.
    if (options.signal?.aborted) hangUp();
    else options.signal?.addEventListener('abort', hangUp, { once: true });
    const finished = await running.done;
    options.signal?.removeEventListener('abort', hangUp);
    // `finish` returned the stored row: read it again only if storing it failed.
    return (
      finished ?? (await this.deps.generations.findById(options.account.id, record.id)) ?? record
    );
  }

  private async run<Input, Output>(job: {
    capability: GenerationCapability<Input, Output>;
    input: Input;
    /** `input` as JSON, as it was stored. */
    inputJson: string;
    messages: ChatMessage[];
    id: string;
    /**
     * Whether the RUNNING row was stored and its stream opened (the caller of start() reports a
     * failure to store; here it only means: stop, store nothing). Not the row itself, which the
     * run would then hold for as long as it streams.
     */
    stored: Promise<boolean>;
    options: StartOptions;
    context: DraftContext;
    signal: AbortSignal;
  }): Promise<GenerationRecord | null> {
    const { capability, input, options, context, signal, id, stored } = job;
    const started = performance.now();
    let chunks: string[] = [];
    let seq = 0;
    const frames = new DeltaFrames(
      (text) => this.deps.bus.append(id, { seq: seq++, type: 'delta', text }),
      this.deps.frameMs,
    );
    const evaluation = options.evaluation
      ? { targets: options.evaluation.targets, bypassCache: true }
      : {};
    // Images, and links to hosts the input does not name, leave the answer as it streams; the corrective
    // retry is a new answer, with its own report.
    const vouched = vouchedHostsOf(input);
    let links = new LinkNeutraliser(vouched);
    // The whole input is untrusted data: the gateway screens it for prompt injection.
    const call = (messages: ChatMessage[]) =>
      this.deps.gateway.stream({
        feature: capability.feature,
        accountId: options.account.id,
        messages,
        task: { input, now: context.now },
        signal,
        requestId: options.requestId,
        untrusted: [input],
        // Nobody sees a draft that is not streamed before it is finished: no need to stream it from the provider.
        wholeAnswer: !options.stream,
        ...evaluation,
      });
    // Links are neutralised in the loops below rather than by an async generator wrapped around the
    // gateway's stream: every open stream held that layer as one more suspended frame.
    const neutralised = (part: GatewayPart) =>
      part.type === 'finish' ? links.flush() : links.push(part.text);
    /** The stored lengths are those of the published events, known once they all are. */
    let outcome: Omit<GenerationOutcome, 'chunkLengths'>;
    let answered: Answered | undefined;
    try {
      for await (const part of call(job.messages)) {
        const text = neutralised(part);
        if (text) {
          chunks.push(text);
          if (options.stream) {
            if (!(await stored)) return null;
            await frames.push(text);
          }
        }
        if (part.type === 'finish') answered = part;
      }
      const read = () => {
        // An empty, cut-off or refused answer is no draft: nothing a person could use.
        const unusable = unusableAnswer(chunks.join(''), answered?.finishReason);
        if (unusable) throw unusable;
        return capability.parseOutput(chunks.join(''), input, context);
      };
      let reading: DraftReading<Output> = read();
      // A streamed draft is already on screen: a second draft would contradict it. A draft that
      // lacks a part its capability cannot do without is asked for once more, and the better of
      // the two answers is kept.
      if (!options.stream && reading.lacking.length > 0) {
        const first = { reading, chunks, answered, links };
        const correction: ChatMessage[] = [
          ...job.messages,
          { role: 'assistant', content: chunks.join('') },
          {
            role: 'user',
            content: `Your answer lacks: ${reading.lacking.join(', ')}. Write the whole answer again, following the layout.`,
          },
        ];
        chunks = [];
        links = new LinkNeutraliser(vouched);
        let second: DraftReading<Output> | undefined;
        try {
          for await (const part of call(correction)) {
            const text = neutralised(part);
            if (text) chunks.push(text);
            if (part.type === 'finish')
              answered = {
                ...part,
                usage: addUsage(first.answered?.usage, part.usage),
                attempts: [...(first.answered?.attempts ?? []), ...part.attempts],
              };
          }
          second = read();
        } catch (error) {
          // A second answer that fails or is no draft leaves the first one standing; a cancelled
          // run stops.
          if (signal.aborted || !ServiceError.isInstance(error)) throw error;
        }
        if (second && better(second, reading)) reading = second;
        else {
          // Both calls are paid for; the first answer's text, output and link report stand.
          chunks = first.chunks;
          links = first.links;
          answered = first.answered && {
            ...first.answered,
            usage: answered?.usage ?? first.answered.usage,
            attempts: answered?.attempts ?? first.answered.attempts,
          };
        }
      }
      const text = chunks.join('');
      outcome = {
        status: 'SUCCEEDED',
        text,
        output: reading.output,
        provider: answered?.provider ?? null,
        model: answered?.model ?? null,
        usage: answered?.usage ?? null,
        latencyMs: Math.round(performance.now() - started),
        error: null,
        groundingIssues: [
          ...reading.ungrounded,
          ...findUngroundedFacts(text, {
            given: [job.inputJson, ...job.messages.map((message) => message.content)],
            derived: capability.derivedFacts?.(input, context),
          }),
          ...links.issues,
        ],
        cacheHit: answered?.cacheHit ?? false,
        timeToFirstTokenMs: answered?.timeToFirstTokenMs ?? null,
        attempts: answered?.attempts ?? [],
        injectionScore: answered?.injectionScore ?? null,
      };
    } catch (error) {
      outcome = this.failure(error, signal, chunks, started, id, answered);
    }
    if (!(await stored)) return null;
    // A draft that was not streamed publishes its deltas only once its output is final, so a
    // subscriber never sees text that the corrective retry replaced.
    // A bus that cannot be reached (Redis away for longer than its retries) must not lose the
    // outcome nor crash the process: it is logged, and subscribers replay from the store.
    const busFailed = (error: unknown) =>
      this.deps.logger.error(
        { err: error, generationId: id },
        'could not publish to the stream bus',
      );
    // A draft that was not streamed is published whole, as one event: it all arrived at once.
    if (!options.stream) await frames.push(outcome.text).catch(busFailed);
    // What is still pending goes out before the outcome is stored, so that the stored lengths are
    // those of the events subscribers saw (a bus that failed midway leaves them short of the text,
    // and a replay then gives the text as one delta).
    await frames.flush().catch(busFailed);
    let finished: GenerationRecord | null = null;
    try {
      finished = await this.deps.generations.finish(options.account.id, id, {
        ...outcome,
        chunkLengths: frames.lengths,
      });
      if (finished) this.deps.onFinished?.(finished);
    } catch (error) {
      this.deps.logger.error(
        { err: error, generationId: id },
        'could not store the outcome of a generation',
      );
    }
    await this.deps.bus.append(id, { seq, type: 'end' }).catch(busFailed);
    if (outcome.groundingIssues.length > 0)
      this.deps.logger.warn(
        { generationId: id, groundingIssues: outcome.groundingIssues.length },
        'draft states facts absent from its input',
      );
    return finished;
  }

  private failure(
    error: unknown,
    signal: AbortSignal,
    chunks: string[],
    started: number,
    id: string,
    answered: Answered | undefined,
  ): Omit<GenerationOutcome, 'chunkLengths'> {
    const stopped = signal.aborted ? STOPPED[signal.reason as StopReason] : undefined;
    const publicError = stopped
      ? { code: stopped.code, message: stopped.message }
      : ServiceError.isInstance(error)
        ? { code: error.code, message: error.message }
        : { code: ErrorCode.INTERNAL_SERVER_ERROR, message: 'the generation failed unexpectedly' };
    if (!ServiceError.isInstance(error) && !stopped)
      this.deps.logger.error({ err: error, generationId: id }, 'generation failed unexpectedly');
    const attempts = error instanceof GatewayError ? error.attempts : (answered?.attempts ?? []);
    return {
      status: stopped?.status ?? 'FAILED',
      text: chunks.join(''),
      output: null,
      // The provider that produced any text (or the last one tried) is named, so a failure is traceable.
      provider: answered?.provider ?? attempts.at(-1)?.provider ?? null,
      model: answered?.model ?? attempts.at(-1)?.model ?? null,
      usage: answered?.usage ?? null,
      latencyMs: Math.round(performance.now() - started),
      error: publicError,
      groundingIssues: [],
      cacheHit: false,
      timeToFirstTokenMs: answered?.timeToFirstTokenMs ?? null,
      attempts,
      injectionScore:
        error instanceof GatewayError ? error.injectionScore : (answered?.injectionScore ?? null),
    };
  }

  /**
   * The account of a generation running here whose row is stored; undefined if it does not run
   * here (yet). Its subscribers need not read the row to know whose it is.
   */
  accountOf(id: string): string | undefined {
    const running = this.running.get(id);
    return running?.stored ? running.accountId : undefined;
  }

  /** The stored outcome of a generation running here, once it ends (null if storing it failed); undefined if it does not run here. */
  outcome(id: string): Promise<GenerationRecord | null> | undefined {
    return this.running.get(id)?.done;
  }

  /**
   * Registers a subscriber of a running generation. When the last one leaves, the generation gets
   * `abandonAfterMs` for somebody to come back before its provider call is aborted. A generation
   * running on another replica is watched through the bus, so that replica keeps it alive.
   */
  watch(id: string): () => void {
    const running = this.running.get(id);
    if (!running) return this.deps.bus.watchers?.watch(id) ?? (() => undefined);
    running.watchers++;
    clearTimeout(running.abandonTimer);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      running.watchers--;
      if (running.watchers === 0) this.abandonLater(id, running);
    };
  }

  private abandonLater(id: string, running: Running): void {
    clearTimeout(running.abandonTimer);
    // A look at remote subscribers may end after the generation did.
    if (this.running.get(id) !== running) return;
    running.abandonTimer = setTimeout(
      () => void this.abandonIfUnwatched(id, running),
      this.deps.abandonAfterMs,
    );
    running.abandonTimer.unref();
  }

  /** Aborts a generation nobody watches, here or (scale-out) on another replica. */
  private async abandonIfUnwatched(id: string, running: Running): Promise<void> {
    if (running.watchers > 0) return;
    const remote = this.deps.bus.watchers;
    if (remote) {
      try {
        running.remotelyWatched = (await remote.watched([id])).has(id);
      } catch {
        // Not knowing whether anybody watches is no reason to throw a draft away: ask again later.
        this.abandonLater(id, running);
        return;
      }
      // checkRemoteWatchers starts the countdown again once the remote subscribers have left.
      if (running.remotelyWatched || running.watchers > 0) return;
    }
    running.controller.abort('abandoned' satisfies StopReason);
  }

  /**
   * Scale-out, every heartbeat: finds which of this process's unwatched generations have
   * subscribers on other replicas (they stay alive), and starts the abandon countdown of those
   * whose remote subscribers have all left since the last look.
   */
  async checkRemoteWatchers(): Promise<void> {
    const remote = this.deps.bus.watchers;
    const unwatched = [...this.running].filter(([, running]) => running.watchers === 0);
    if (!remote || unwatched.length === 0) return;
    const watched = await remote.watched(unwatched.map(([id]) => id));
    for (const [id, running] of unwatched) {
      if (running.watchers > 0) continue;
      if (watched.has(id)) {
        running.remotelyWatched = true;
        clearTimeout(running.abandonTimer);
      } else if (running.remotelyWatched) {
        running.remotelyWatched = false;
        this.abandonLater(id, running);
      }
    }
  }

  /** Stops a generation of the caller's account and aborts its provider call. */
  async cancel(account: Account, id: string): Promise<GenerationRecord> {
    const record = await this.deps.generations.findById(account.id, id);
    if (!record) throw notFound('generation', id);
    const running = this.running.get(id);
    if (!running) return record;
    running.controller.abort('cancelled' satisfies StopReason);
    await running.done;
    return (await this.deps.generations.findById(account.id, id)) ?? record;
  }

  /**
   * Lets running generations finish for up to `graceMs`, then interrupts the rest (they end
   * INTERRUPTED with their partial text stored and their subscribers told).
   */
  async drain(graceMs: number): Promise<void> {
    const all = () => Promise.all([...this.running.values()].map((running) => running.done));
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>(
      (resolve) => (timer = setTimeout(() => resolve('expired'), graceMs)),
    );
    const result = await Promise.race([all(), expired]);
    clearTimeout(timer);
    if (result === 'expired') {
      for (const running of this.running.values())
        running.controller.abort('shutdown' satisfies StopReason);
      await all();
    }
  }
}

/** Fewer indispensable parts missing, then fewer parts left for a person. */
function better<Output>(candidate: DraftReading<Output>, than: DraftReading<Output>): boolean {
  if (candidate.lacking.length !== than.lacking.length)
    return candidate.lacking.length < than.lacking.length;
  return candidate.missing.length < than.missing.length;
}

function addUsage(a: Answered['usage'] | undefined, b: Answered['usage']): Answered['usage'] {
  return a
    ? {
        inputTokens: a.inputTokens + b.inputTokens,
        outputTokens: a.outputTokens + b.outputTokens,
        costUsd: a.costUsd + b.costUsd,
      }
    : b;
}
