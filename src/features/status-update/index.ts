import type { GenerationCapability } from '../capability.js';
import { formatUtc } from '../shared/incident.js';
import { draftStatusUpdateOffline, incidentDuration, nextUpdateAt } from './builtin.js';
import { statusUpdateInputSchema, type StatusUpdateInput } from './input.js';
import { parseStatusUpdate, type StatusUpdateOutput } from './output.js';
import { PROMPT_VERSION, buildStatusUpdatePrompt } from './prompt.js';

export const statusUpdate: GenerationCapability<StatusUpdateInput, StatusUpdateOutput> = {
  feature: 'STATUS_UPDATE',
  promptVersion: PROMPT_VERSION,
  outputTypename: 'StatusUpdateOutput',
  inputSchema: statusUpdateInputSchema,
  buildPrompt: buildStatusUpdatePrompt,
  draftOffline: draftStatusUpdateOffline,
  parseOutput: (text, input, context) => parseStatusUpdate(text, input, context.now),
  derivedFacts: (input, { now }) => [
    formatUtc(nextUpdateAt(input, now), now),
    String(input.nextUpdateInMinutes),
    incidentDuration(input.incident, now) ?? '',
  ],
};
