/**
 * The builtin provider's drafts measured the way a responder would check them, with deterministic
 * checks only: required facts present, forbidden facts absent, grounded (no fact missing from the
 * input), length within bounds. Every incident fixture for status updates (per audience),
 * postmortems and the assistant, every failure-kind log for job digests. Prints the pass rate per
 * capability and audience; the target is every check passing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { assistant } from '../../src/features/assistant/index.js';
import type { GenerationCapability } from '../../src/features/capability.js';
import { reviveDates } from '../../src/services/evaluation/datasets.js';
import { jobDigest } from '../../src/features/job-digest/index.js';
import { postmortem } from '../../src/features/postmortem/index.js';
import { statusUpdate } from '../../src/features/status-update/index.js';
import { assistantScenarios } from '../fixtures/assistant-context.js';
import { SCENARIOS, incidents } from '../fixtures/incidents/index.js';
import { notForCustomers } from '../fixtures/incidents/not-for-customers.js';
import { FAILURE_KINDS, failureKindLog } from '../fixtures/job-logs/failure-kinds/index.js';
import { ungroundedFactsOf } from './capability-contract.js';

const NOW = new Date('2026-12-07T12:00:00Z');

interface Case {
  /** Capability and audience: the pass rate is reported per group. */
  group: string;
  name: string;
  capability: GenerationCapability<never, unknown>;
  input: unknown;
  required: (string | RegExp)[];
  forbidden: string[];
  words: [min: number, max: number];
}

interface Checked {
  group: string;
  name: string;
  failures: string[];
}

function check(testCase: Case): Checked {
  const capability = testCase.capability as unknown as GenerationCapability<unknown, unknown>;
  const input = capability.inputSchema.parse(reviveDates(capability.inputSchema, testCase.input));
  const context = { now: NOW };
  const text = capability.draftOffline(input, context);
  const failures: string[] = [];
  const reading = capability.parseOutput(text, input, context);
  if (reading.lacking.length > 0)
    failures.push(`lacks parts it cannot do without: ${reading.lacking.join(', ')}`);
  const ungrounded = ungroundedFactsOf(testCase.capability, input, context, text);
  if (ungrounded.length > 0)
    failures.push(`ungrounded: ${ungrounded.map((issue) => issue.value).join(', ')}`);
  for (const fact of testCase.required) {
    const present = typeof fact === 'string' ? text.includes(fact) : fact.test(text);
    if (!present) failures.push(`missing: ${String(fact)}`);
  }
  for (const fact of testCase.forbidden)
    if (text.toLowerCase().includes(fact.toLowerCase())) failures.push(`forbidden: ${fact}`);
  const words = text.split(/\s+/).filter(Boolean).length;
  if (words < testCase.words[0] || words > testCase.words[1])
    failures.push(`${words} words, outside ${testCase.words.join('–')}`);
  return { group: testCase.group, name: testCase.name, failures };
}

function statusUpdateCases(): Case[] {
  return SCENARIOS.flatMap((scenario) => {
    const incident = incidents[scenario];
    // Live as well as resolved: the fixtures are resolved, and a live incident is where updates matter.
    return (['MONITORING', 'RESOLVED'] as const).flatMap((status): Case[] => {
      const base = {
        capability: statusUpdate as GenerationCapability<never, unknown>,
        name: `${scenario} (${status})`,
      };
      const live = { ...incident, status };
      const messages = incident.timeline.map((event) => event.message);
      return [
        {
          ...base,
          group: 'status update / CUSTOMER',
          input: { audience: 'CUSTOMER', incident: live },
          required: [incident.customerImpact!],
          forbidden: [...notForCustomers[scenario], ...messages, incident.title],
          words: [30, 160],
        },
        {
          ...base,
          group: 'status update / EXECUTIVE',
          input: { audience: 'EXECUTIVE', incident: live },
          required: [incident.customerImpact!, '**Duration:**', '**Next milestone:**'],
          // One technical line: no more than the latest event.
          forbidden: messages.slice(0, -1),
          words: [40, 220],
        },
        {
          ...base,
          group: 'status update / INTERNAL',
          input: { audience: 'INTERNAL', incident: live },
          required: messages,
          forbidden: [],
          words: [60, 1200],
        },
      ];
    });
  });
}

const WENT_WELL = /^(?:what )?went well:\s*/i;

function postmortemCases(): Case[] {
  return SCENARIOS.map((scenario) => {
    const incident = incidents[scenario];
    const wentWell = incident.notes
      .filter((note) => WENT_WELL.test(note.text))
      .map((note) => note.text.replace(WENT_WELL, ''));
    return {
      group: 'postmortem',
      name: scenario,
      capability: postmortem as GenerationCapability<never, unknown>,
      input: { incident },
      required: [incident.title, incident.customerImpact!, ...wentWell],
      // Hedged statements never become the root cause.
      forbidden: scenario === 'dns-outage' ? ['Stated root cause'] : [],
      words: [250, 3000],
    };
  });
}

function jobDigestCases(): Case[] {
  return Object.entries(FAILURE_KINDS).map(([kind, expected]) => ({
    group: 'job digest',
    name: kind,
    capability: jobDigest as GenerationCapability<never, unknown>,
    input: { log: failureKindLog(expected.log), jobName: kind },
    required: [`**Outcome:** ${expected.outcome}`, expected.cause, expected.step],
    forbidden: ['Not determinable from the log.'],
    words: [40, 800],
  }));
}

function assistantCases(): Case[] {
  return SCENARIOS.map((scenario) => {
    const { context, grounded } = assistantScenarios[scenario];
    return {
      group: 'assistant',
      name: scenario,
      capability: assistant as GenerationCapability<never, unknown>,
      input: { question: grounded.question, incident: incidents[scenario], context },
      required: grounded.cites.map((id) => `[${id}]`),
      forbidden: ['do not hold the answer'],
      words: [15, 400],
    };
  });
}

const CASES = [
  ...statusUpdateCases(),
  ...postmortemCases(),
  ...jobDigestCases(),
  ...assistantCases(),
];

describe('builtin drafts against deterministic checks', () => {
  const results: Checked[] = [];

  afterAll(() => {
    const groups = [...new Set(results.map((result) => result.group))];
    const rows = groups.map((group) => {
      const mine = results.filter((result) => result.group === group);
      const passed = mine.filter((result) => result.failures.length === 0).length;
      return `${group.padEnd(28)} ${String(passed).padStart(3)}/${mine.length}  ${((100 * passed) / mine.length).toFixed(0)}%`;
    });
    process.stdout.write(`${['builtin draft checks: pass rate', ...rows].join('\n')}\n`);
  });

  it.each(CASES.map((testCase) => [`${testCase.group}: ${testCase.name}`, testCase] as const))(
    '%s',
    (_name, testCase) => {
      const result = check(testCase);
      results.push(result);
      expect(result.failures).toEqual([]);
    },
  );
});
