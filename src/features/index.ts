import type { Feature } from '../domain.js';
import type { OfflineDrafter } from '../llm/spec.js';
import type { GenerationCapability } from './capability.js';
import { assistant } from './assistant/index.js';
import { jobDigest } from './job-digest/index.js';
import { postmortem } from './postmortem/index.js';
import { runbook } from './runbook/index.js';
import { statusUpdate } from './status-update/index.js';

export const allCapabilities = { statusUpdate, postmortem, assistant, runbook, jobDigest } as const;

/** The builtin provider's drafters, one per capability, fed the task the runner puts on a request. */
export function offlineDrafters(
  capabilities: Record<string, Pick<GenerationCapability<never>, 'feature' | 'draftOffline'>>,
): Partial<Record<Feature, OfflineDrafter>> {
  const drafters: Partial<Record<Feature, OfflineDrafter>> = {};
  for (const capability of Object.values(capabilities)) {
    // The runner puts on each request the input this same capability validated, so the task's
    // input is the capability's own (the spec cannot name the features' input types).
    drafters[capability.feature] = (task) =>
      capability.draftOffline(task.input as never, { now: task.now });
  }
  return drafters;
}
