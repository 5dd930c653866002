/**
 * What every draft mutation does with its `input`: split off the delivery options that all of them
 * share (`stream`, `idempotencyKey`, `incidentId`), hand the rest to the runner, and answer with a
 * payload.
 */
import type { GenerationCapability } from '../../features/capability.js';
import type { GenerationRecord } from '../../infra/store/generations.js';
import type { RequestContext } from '../context.js';
import { payloadOf } from '../user-errors.js';

export interface DeliveryOptions {
  stream?: boolean | null;
  idempotencyKey?: string | null;
  incidentId?: string | null;
}

/**
 * A draft that was stored is returned whatever its outcome: one that failed (provider, unusable
 * answer, blocked injection, cancelled) is `generation` with its status and `error`, streamed or
 * not, so a client reads one shape. Input the capability refuses, and an idempotency key reused
 * with another input, are `userErrors` (nothing was stored); limits and faults stay GraphQL errors.
 */
export function startGeneration<Input, Output>(
  capability: GenerationCapability<Input, Output>,
  input: DeliveryOptions,
  { account, services, signal, requestId }: RequestContext,
) {
  const { stream, idempotencyKey, incidentId, ...draftInput } = input;
  return payloadOf(
    async (): Promise<{ generation: GenerationRecord }> => ({
      generation: await services.runner.start(capability, draftInput, {
        account,
        stream: stream ?? false,
        idempotencyKey,
        incidentId,
        signal,
        requestId,
      }),
    }),
    ['input'],
  );
}
