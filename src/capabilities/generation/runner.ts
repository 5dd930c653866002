/**
 * Drives every generation capability the same way: validate, store as RUNNING, stream through the
 * gateway, publish deltas on the bus, parse the output, store the outcome, publish the end.
 * It owns the abort controllers of generations running in this process, for cancel and shutdown.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Account } from '../../domain.js';
import { ErrorCode, ServiceError, notFound } from '../../errors.js';
import type { Answered, LlmGateway } from '../../llm/gateway.js';
import type { GenerationOutcome, GenerationRecord, GenerationRepository } from '../../store/generations.js';
import type { StreamBus } from '../../streams/bus.js';
import { OutputInvalidError, type GenerationCapability } from '../capability.js';
import { parseInput } from '../validate.js';

export interface StartOptions {
  account: Account;
  /** Return at once with status RUNNING and publish deltas live. */
  stream: boolean;
  idempotencyKey?: string | null;
  incidentId?: string | null;
}

export interface RunnerDependencies {
  generations: GenerationRepository;
  bus: StreamBus;
  gateway: LlmGateway;
  logger: Logger;
}

/** Why a run was aborted from inside this service; anything else aborting it is the deadline. */
type StopReason = 'cancelled' | 'shutdown';

interface Running {
  controller: AbortController;
  done: Promise<void>;
}

const MAX_IDEMPOTENCY_KEY = 200;

export class GenerationRunner {
  private readonly running = new Map<string, Running>();

  constructor(private readonly deps: RunnerDependencies) {}

  /** How many generations this process is producing right now. */
  get activeCount(): number {
    return this.running.size;
  }

  async start<Input, Output>(capability: GenerationCapability<Input, Output>, rawInput: unknown, options: StartOptions): Promise<GenerationRecord> {
    if (options.idempotencyKey && options.idempotencyKey.length > MAX_IDEMPOTENCY_KEY) {
      throw new ServiceError(ErrorCode.BAD_USER_INPUT, `idempotencyKey: at most ${MAX_IDEMPOTENCY_KEY} characters`);
    }
    const input = parseInput(capability.inputSchema, rawInput);
    const now = new Date();
    const messages = capability.buildPrompt(input, { now });
    const { record, created, sameInput } = await this.deps.generations.insertRunning({
      id: randomUUID(),
      accountId: options.account.id,
      feature: capability.feature,
      input,
      promptVersion: capability.promptVersion,
      incidentId: options.incidentId ?? null,
      idempotencyKey: options.idempotencyKey ?? null,
    });
    if (!created) {
      if (!sameInput) throw new ServiceError(ErrorCode.CONFLICT, 'this idempotencyKey was already used with a different input');
      if (!options.stream) await this.running.get(record.id)?.done;
      return options.stream ? record : ((await this.deps.generations.findById(options.account.id, record.id)) ?? record);
    }

    await this.deps.bus.open(record.id);
    const controller = new AbortController();
    const done = this.run(capability, input, messages, record, options, controller.signal, now).finally(() => this.running.delete(record.id));
    this.running.set(record.id, { controller, done });
    if (options.stream) return record;
    await done;
    return (await this.deps.generations.findById(options.account.id, record.id)) ?? record;
  }

  private async run<Input, Output>(
    capability: GenerationCapability<Input, Output>,
    input: Input,
    messages: Parameters<LlmGateway['stream']>[0]['messages'],
    record: GenerationRecord,
    options: StartOptions,
    signal: AbortSignal,
    now: Date,
  ): Promise<void> {
    const started = performance.now();
    const chunks: string[] = [];
    let seq = 0;
    const publish = async (text: string) => this.deps.bus.append(record.id, { seq: seq++, type: 'delta', text });
    let outcome: GenerationOutcome;
    try {
      let answered: Answered | undefined;
      for await (const part of this.deps.gateway.stream({ feature: capability.feature, accountId: options.account.id, messages, task: { input, now }, signal })) {
        if (part.type === 'text-delta') {
          chunks.push(part.text);
          if (options.stream) await publish(part.text);
        } else {
          answered = part;
        }
      }
      const text = chunks.join('');
      let output: Output;
      try {
        output = capability.parseOutput(text, input, { now });
      } catch (error) {
        if (error instanceof OutputInvalidError) throw new ServiceError(ErrorCode.PROVIDER_BAD_OUTPUT, `the model's draft did not have the expected structure: ${error.message}`);
        throw error;
      }
      outcome = {
        status: 'SUCCEEDED',
        text,
        chunkLengths: chunks.map((chunk) => chunk.length),
        output,
        provider: answered?.provider ?? null,
        model: answered?.model ?? null,
        usage: answered?.usage ?? null,
        latencyMs: Math.round(performance.now() - started),
        error: null,
        groundingIssues: [],
      };
    } catch (error) {
      outcome = this.failure(error, signal, chunks, started, record);
    }
    // A generation that was not streamed publishes its deltas only once its output is final, so
    // a subscriber never sees text that a later validation retry would replace.
    if (!options.stream) for (const chunk of chunks) await publish(chunk);
    try {
      await this.deps.generations.finish(options.account.id, record.id, outcome);
    } catch (error) {
      this.deps.logger.error({ err: error, generationId: record.id }, 'could not store the outcome of a generation');
    }
    await this.deps.bus.append(record.id, { seq, type: 'end' });
  }

  private failure(error: unknown, signal: AbortSignal, chunks: string[], started: number, record: GenerationRecord): GenerationOutcome {
    const reason = signal.aborted ? (signal.reason as StopReason) : undefined;
    const status = reason === 'cancelled' ? 'CANCELLED' : reason === 'shutdown' ? 'INTERRUPTED' : 'FAILED';
    const publicError =
      reason === 'cancelled'
        ? { code: ErrorCode.CANCELLED, message: 'cancelled by a client' }
        : reason === 'shutdown'
          ? { code: ErrorCode.INTERRUPTED, message: 'interrupted by a server shutdown' }
          : ServiceError.isInstance(error)
            ? { code: error.code, message: error.message }
            : { code: ErrorCode.INTERNAL_SERVER_ERROR, message: 'the generation failed unexpectedly' };
    if (status === 'FAILED' && !ServiceError.isInstance(error)) this.deps.logger.error({ err: error, generationId: record.id }, 'generation failed unexpectedly');
    return {
      status,
      text: chunks.join(''),
      chunkLengths: chunks.map((chunk) => chunk.length),
      output: null,
      provider: null,
      model: null,
      usage: null,
      latencyMs: Math.round(performance.now() - started),
      error: publicError,
      groundingIssues: [],
    };
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
    const expired = new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), graceMs)));
    const result = await Promise.race([all(), expired]);
    clearTimeout(timer);
    if (result === 'expired') {
      for (const running of this.running.values()) running.controller.abort('shutdown' satisfies StopReason);
      await all();
    }
  }
}
