/**
 * Per-request DataLoaders: every id-keyed read of a request is batched into one SQL statement,
 * and scoped to the caller's account so a batch can never mix tenants.
 */
import DataLoader from 'dataloader';
import type { GenerationRecord, GenerationRepository } from '../store/generations.js';

export interface Loaders {
  generation: DataLoader<string, GenerationRecord | null>;
}

export function createLoaders(accountId: string, repositories: { generations: GenerationRepository }): Loaders {
  return {
    generation: new DataLoader((ids: readonly string[]) => repositories.generations.findByIds(accountId, ids)),
  };
}
