import type { Resolvers } from '../__generated__/resolvers-types.js';
import { assistantResolvers } from './assistant.js';
import { auditResolvers } from './audit.js';
import { evaluationResolvers } from './evaluation.js';
import { generationResolvers } from './generations.js';
import { incidentResolvers } from './incident.js';
import { routingBacklogResolvers } from './routing-backlog.js';
import { routingResolvers } from './routing.js';
import { screeningResolvers } from './screening.js';
import { securityResolvers } from './security.js';
import { jobDigestResolvers } from './job-digest.js';
import { postmortemResolvers } from './postmortem.js';
import { runbookResolvers } from './runbook.js';
import { DateTime } from './scalars.js';
import { statusUpdateResolvers } from './status-update.js';

/** Every domain's resolvers, merged per type. */
function merge(...parts: Resolvers[]): Resolvers {
  const merged: Record<string, Record<string, unknown>> = {};
  for (const part of parts) {
    for (const [type, fields] of Object.entries(part))
      merged[type] = { ...merged[type], ...(fields as Record<string, unknown>) };
  }
  return merged as Resolvers;
}

export const resolvers: Resolvers = merge(
  { DateTime } as Resolvers,
  generationResolvers,
  incidentResolvers,
  routingResolvers,
  routingBacklogResolvers,
  securityResolvers,
  screeningResolvers,
  auditResolvers,
  statusUpdateResolvers,
  postmortemResolvers,
  assistantResolvers,
  runbookResolvers,
  jobDigestResolvers,
  evaluationResolvers,
);
