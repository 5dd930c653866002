import type { Feature } from '../domain.js';
import type { OfflineDrafter } from '../providers/builtin/index.js';
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
    drafters[capability.feature] = (task) => {
      const { input, now } = task as { input: never; now: Date };
      return capability.draftOffline(input, { now });
    };
  }
  return drafters;
}
