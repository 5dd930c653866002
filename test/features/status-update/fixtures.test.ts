/**
 * Status updates on every incident fixture, for every audience: grounded builtin drafts, and the
 * prompt an LLM receives (fenced incident data and the layout) with the OpenAI double.
 */
import { describe, expect, it } from 'vitest';
import { SCENARIOS, incidents } from '../../fixtures/incidents/index.js';
import { DRAFT_STATUS_UPDATE } from '../../fixtures/status-update.js';
import { MODEL_STATUS_UPDATE } from '../../support/llm-config.js';
import {
  lastPrompt,
  serverWithBuiltinProvider,
  serverWithOpenAiDouble,
} from '../../support/generation-queries.js';

interface Drafted {
  draftStatusUpdate: {
    generation: {
      status: string;
      provider: string;
      text: string;
      groundingIssues: unknown[];
      output: {
        headline: string;
        affectedServices: string[];
        changesSinceLastUpdate: string[];
        nextUpdateAt: string | null;
      } | null;
    };
  };
}

describe('status updates on every incident fixture, builtin', () => {
  const builtin = serverWithBuiltinProvider();

  it.each(SCENARIOS)('%s: a grounded update for each audience', async (scenario) => {
    const incident = incidents[scenario];
    for (const audience of ['INTERNAL', 'EXECUTIVE', 'CUSTOMER']) {
      const { data, errors } = await builtin.server.graphql<Drafted>(DRAFT_STATUS_UPDATE, {
        input: { audience, incident },
      });
      expect(errors).toBeUndefined();
      const generation = data!.draftStatusUpdate.generation;
      expect(generation).toMatchObject({
        status: 'SUCCEEDED',
        provider: 'builtin',
        groundingIssues: [],
      });
      expect(generation.output!.nextUpdateAt === null).toBe(incident.status === 'RESOLVED');
      if (audience === 'CUSTOMER') continue;
      expect(generation.output!.headline).toContain(incident.title);
      expect(generation.output!.affectedServices).toEqual(incident.affectedServices ?? []);
      // Every change listed quotes one of the incident's own events.
      expect(generation.output!.changesSinceLastUpdate.length).toBeGreaterThan(0);
      for (const change of generation.output!.changesSinceLastUpdate) {
        expect(incident.timeline.some((event) => change.includes(event.message))).toBe(true);
      }
    }
  });
});

describe('status updates on every incident fixture, OpenAI double', () => {
  const backed = serverWithOpenAiDouble();

  it.each(SCENARIOS)(
    '%s: the model receives the incident fenced as data and the layout',
    async (scenario) => {
      const incident = incidents[scenario];
      backed.double.enqueue({ kind: 'text', text: MODEL_STATUS_UPDATE });
      const { data } = await backed.server.graphql<Drafted>(DRAFT_STATUS_UPDATE, {
        input: { audience: 'EXECUTIVE', incident },
      });
      expect(data!.draftStatusUpdate.generation).toMatchObject({
        status: 'SUCCEEDED',
        provider: 'openai',
      });
      const { system, user } = lastPrompt(backed.double);
      expect(system).toContain('**Status:**');
      expect(system).toContain('## What changed since the last update');
      expect(user).toMatch(/<data-[0-9a-f]+ label="incident">/);
      expect(user).toContain(JSON.stringify(incident.title));
    },
  );
});
