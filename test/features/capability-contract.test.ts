/**
 * Every generation capability in allCapabilities passes the capability contract
 * (capability-contract.ts) on the shared fixtures. A capability added without fixtures here does
 * not compile.
 */
import type { z } from 'zod';
import { assistantAnswerOutputSchema } from '../../src/features/assistant/output.js';
import { allCapabilities } from '../../src/features/index.js';
import { jobDigestOutputSchema } from '../../src/features/job-digest/output.js';
import { postmortemOutputSchema } from '../../src/features/postmortem/output.js';
import { runbookOutputSchema } from '../../src/features/runbook/output.js';
import { AUDIENCES } from '../../src/features/status-update/input.js';
import { statusUpdateOutputSchema } from '../../src/features/status-update/output.js';
import type { GenerationCapability } from '../../src/features/capability.js';
import { assistantScenarios } from '../fixtures/assistant-context.js';
import { SCENARIOS, incidents } from '../fixtures/incidents/index.js';
import { failureKindLog } from '../fixtures/job-logs/failure-kinds/index.js';
import { runbookRequests } from '../fixtures/runbook-requests.js';
import { runCapabilityContract, type CapabilityContractCase } from './capability-contract.js';

const FIXTURES: Record<
  keyof typeof allCapabilities,
  { outputSchema: z.ZodType<unknown>; inputs: CapabilityContractCase[] }
> = {
  statusUpdate: {
    outputSchema: statusUpdateOutputSchema,
    inputs: SCENARIOS.flatMap((scenario) =>
      AUDIENCES.map((audience) => ({
        name: `${scenario} for ${audience}`,
        // Live: a resolved incident promises no next update.
        input: { audience, incident: { ...incidents[scenario], status: 'MONITORING' } },
      })),
    ),
  },
  postmortem: {
    outputSchema: postmortemOutputSchema,
    inputs: SCENARIOS.map((scenario) => ({
      name: scenario,
      input: { incident: incidents[scenario] },
      // Its notes only guess at the cause: the draft does not promote a guess to the root cause.
      ...(scenario === 'dns-outage' ? { leavesToAPerson: ['rootCause'] } : {}),
    })),
  },
  assistant: {
    outputSchema: assistantAnswerOutputSchema,
    inputs: SCENARIOS.flatMap((scenario) => {
      const { context, grounded, unanswerable } = assistantScenarios[scenario];
      const incident = incidents[scenario];
      return [
        { name: scenario, input: { question: grounded.question, incident, context } },
        {
          name: `${scenario}, a follow-up nothing answers`,
          input: {
            question: unanswerable,
            incident,
            context,
            history: [
              { role: 'USER', text: grounded.question },
              { role: 'ASSISTANT', text: 'See the timeline.' },
            ],
          },
        },
      ];
    }),
  },
  runbook: {
    outputSchema: runbookOutputSchema,
    inputs: Object.entries(runbookRequests).map(([name, input]) => ({ name, input })),
  },
  jobDigest: {
    outputSchema: jobDigestOutputSchema,
    // The scenario logs; the failure-kind logs are checked by builtin-drafts.test.ts.
    inputs: [...SCENARIOS, 'successful-restart'].map((name) => ({
      name,
      input: { log: failureKindLog(name), jobName: name },
    })),
  },
};

for (const [key, capability] of Object.entries(allCapabilities))
  runCapabilityContract({
    capability: capability as GenerationCapability<never, unknown>,
    ...FIXTURES[key as keyof typeof allCapabilities],
  });
