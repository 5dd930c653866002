/**
 * What every generation mutation does with its `input`: split off the delivery options that all
 * of them share (`stream`, `idempotencyKey`, `incidentId`) and hand the rest to the runner.
 */
import type { GenerationCapability } from '../../features/capability.js';
import { ServiceError } from '../../errors.js';
import type { RequestContext } from '../context.js';

export interface DeliveryOptions {
  stream?: boolean | null;
  idempotencyKey?: string | null;
  incidentId?: string | null;
}

/**
 * A caller waiting for a non-streamed draft that failed gets a GraphQL error with the failure's
 * code; `extensions.generationId` finds the stored record (partial text, attempts). A streamed
 * draft reports its outcome in the stream's final event instead.
 */
export async function startGeneration<Input, Output>(
  capability: GenerationCapability<Input, Output>,
  input: DeliveryOptions,
  { account, services, signal, requestId }: RequestContext,
) {
  const { stream, idempotencyKey, incidentId, ...draftInput } = input;
  const generation = await services.runner.start(capability, draftInput, {
    account,
    stream: stream ?? false,
    idempotencyKey,
    incidentId,
    signal,
    requestId,
  });
  if (
    !stream &&
    generation.status !== 'SUCCEEDED' &&
    generation.status !== 'RUNNING' &&
    generation.error
  ) {
    throw new ServiceError(generation.error.code, generation.error.message, {
      generationId: generation.id,
    });
  }
  return generation;
}
