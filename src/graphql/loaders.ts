/**
 * Per-request DataLoaders: every id-keyed read of a request is batched into one SQL statement,
 * and scoped to the caller's account so a batch can never mix tenants.
 */
import DataLoader from 'dataloader';
import type { Feature } from '../domain.js';
import type { GenerationRecord, GenerationRepository } from '../store/generations.js';

/** The drafts an `Incident` shows, and the most of each kind a request may ask for. */
export const INCIDENT_DRAFT_FEATURES = ['POSTMORTEM', 'STATUS_UPDATE', 'RUNBOOK'] as const satisfies readonly Feature[];
export const MAX_DRAFTS_PER_FEATURE = 50;

export interface Loaders {
  generation: DataLoader<string, GenerationRecord | null>;
  /** An incident's drafts of every kind, newest first; all incidents of a request in one query. */
  incidentDrafts: DataLoader<string, GenerationRecord[]>;
}

export function createLoaders(accountId: string, repositories: { generations: GenerationRepository }): Loaders {
  return {
    generation: new DataLoader((ids: readonly string[]) => repositories.generations.findByIds(accountId, ids)),
    incidentDrafts: new DataLoader(async (incidentIds: readonly string[]) => {
      const drafts = await repositories.generations.latestByIncidents(accountId, incidentIds, INCIDENT_DRAFT_FEATURES, MAX_DRAFTS_PER_FEATURE);
      return incidentIds.map((incidentId) => drafts.filter((draft) => draft.incidentId === incidentId));
    }),
  };
}
