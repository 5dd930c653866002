/**
 * draftPostmortem with the builtin provider, through GraphQL on the real server: every incident
 * fixture, the sections grounded in it, and what is left to a human.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  SCENARIOS,
  badDeploy,
  databaseFailover,
  dnsOutage,
  incidents,
  type IncidentFixture,
  type Scenario,
} from '../../fixtures/incidents/index.js';
import {
  expectBadUserInput,
  expectCompleteStream,
  serverWithBuiltinProvider,
} from '../../support/generation-queries.js';
import {
  DRAFT_POSTMORTEM,
  GENERATION,
  draftPostmortem,
  type PostmortemGeneration,
} from './queries.js';

interface Expected {
  impactStart: string;
  impactEnd: string;
  durationMinutes: number;
  /** A phrase of the stated root cause, or null when the fixture states none. */
  rootCause: string | null;
  /** Owners of the action items in the order the notes list them (null: none written). */
  owners: (string | null)[];
}

const EXPECTED: Record<Scenario, Expected> = {
  // Hand-checked: no startedAt, so impact starts at the first alert (Datadog, 14:07); resolvedAt is
  // 15:02; 14:07 → 15:02 is 55 minutes.
  'bad-deploy': {
    impactStart: '2026-11-22T14:07:00.000Z',
    impactEnd: '2026-11-22T15:02:00.000Z',
    durationMinutes: 55,
    rootCause: 'did not handle a null tax quote',
    owners: ['Ravi Menon', 'Priya Shah', 'Dana Whitfield'],
  },
  // Hand-checked: startedAt 02:13; no resolvedAt, so impact ends at the last recovery event, "Write
  // traffic recovered; ... back to baseline" at 03:01 (later events rebuild and reconcile, they
  // do not restore service); 02:13 → 03:01 is 48 minutes.
  'database-failover': {
    impactStart: '2026-10-14T02:13:00.000Z',
    impactEnd: '2026-10-14T03:01:00.000Z',
    durationMinutes: 48,
    rootCause: 'hardware failure of the host under orders-db-1',
    owners: ['Marta Kowalski', 'Jonas Weber', null],
  },
  'certificate-expiry': {
    impactStart: '2026-10-03T00:00:00.000Z',
    impactEnd: '2026-10-03T01:12:00.000Z',
    durationMinutes: 72,
    rootCause: 'rotated on 2026-09-18 without updating its Kubernetes secret',
    owners: ['Aisha Bello', 'Felix Braun', null],
  },
  // "Incident resolved; cause still unknown" (18:10) is hedged, so the last recovery is 17:31.
  'dns-outage': {
    impactStart: '2026-08-14T16:42:00.000Z',
    impactEnd: '2026-08-14T17:31:00.000Z',
    durationMinutes: 49,
    rootCause: null,
    owners: ['Sam Okafor', 'Mei Lin', null],
  },
  'memory-leak': {
    impactStart: '2026-07-08T08:10:00.000Z',
    impactEnd: '2026-07-08T14:20:00.000Z',
    durationMinutes: 370,
    rootCause: 'the leak is caused by ScoreCache',
    owners: ['Chen Wu', 'Aaron Patel'],
  },
  'third-party-outage': {
    impactStart: '2026-06-02T13:20:00.000Z',
    impactEnd: '2026-06-02T15:05:00.000Z',
    durationMinutes: 105,
    rootCause: 'faulty load-balancer configuration',
    owners: ['Sofia Rossi', 'Noah Fischer', 'Noah Fischer'],
  },
};

const ACTION_PREFIX = /^(?:todo|action item|ai):/i;
const isActionItem = (note: IncidentFixture['notes'][number]) =>
  note.kind === 'ACTION_ITEM' || ACTION_PREFIX.test(note.text);

describe('draftPostmortem with the builtin provider', () => {
  const builtin = serverWithBuiltinProvider();

  const generate = (input: Record<string, unknown>) => draftPostmortem(builtin.server, input);

  describe.each(SCENARIOS)('%s', (scenario) => {
    const incident = incidents[scenario];
    const expected = EXPECTED[scenario];
    let generation: PostmortemGeneration;

    beforeAll(async () => {
      generation = await generate({ incident, incidentId: `inc-${scenario}` });
    });

    it('succeeds, grounded, as a typed PostmortemOutput', () => {
      expect(generation).toMatchObject({
        feature: 'POSTMORTEM',
        status: 'SUCCEEDED',
        provider: 'builtin',
        promptVersion: 'postmortem/1',
        incident: { id: `inc-${scenario}` },
        error: null,
      });
      expect(generation.groundingIssues).toEqual([]);
      expect(generation.output!.__typename).toBe('PostmortemOutput');
      expect(generation.output!.title).toBe(incident.title);
    });

    it('has a complete timeline, oldest first: every event, alert and chat message', () => {
      const { timeline } = generation.output!;
      expect(timeline).toHaveLength(
        incident.timeline.length + incident.alerts.length + incident.chatExcerpts.length,
      );
      const times = timeline.map((entry) => Date.parse(entry.at));
      expect(times).toEqual([...times].sort((a, b) => a - b));
      const texts = timeline.map((entry) => entry.text);
      for (const event of incident.timeline)
        expect(texts.some((text) => text.includes(event.message))).toBe(true);
      for (const alert of incident.alerts)
        expect(texts.some((text) => text.includes(alert.message))).toBe(true);
      for (const message of incident.chatExcerpts)
        expect(texts.some((text) => text.includes(message.text))).toBe(true);
      // Each entry keeps the instant it came from.
      const instants = new Set(
        [...incident.timeline, ...incident.alerts, ...incident.chatExcerpts].map((item) =>
          Date.parse(item.at),
        ),
      );
      for (const time of times) expect(instants.has(time)).toBe(true);
    });

    it('computes the impact window and its duration', () => {
      const { impact } = generation.output!;
      expect(impact.impactStart).toBe(expected.impactStart);
      expect(impact.impactEnd).toBe(expected.impactEnd);
      expect(impact.durationMinutes).toBe(expected.durationMinutes);
      expect(impact.what).toBe(incident.customerImpact);
      for (const service of incident.affectedServices) expect(impact.who).toContain(service);
    });

    it('extracts the action items marked in the notes, with owners only where written', () => {
      const marked = incident.notes.filter(isActionItem);
      const { actionItems } = generation.output!;
      expect(actionItems.map((item) => item.owner)).toEqual(expected.owners);
      expect(actionItems).toHaveLength(marked.length);
      actionItems.forEach((item, index) => {
        const note = marked[index]!.text;
        expect(note).toContain(item.description);
        expect(item.description).not.toMatch(/owner|\(|^(?:todo|action item|ai):/i);
        if (item.due) expect(note).toContain(item.due);
        if (item.priority) expect(note).toContain(item.priority);
      });
    });

    it('states a root cause only when the data states one; otherwise leaves it to a human', () => {
      const output = generation.output!;
      if (expected.rootCause) {
        expect(output.rootCause).toContain(expected.rootCause);
        expect(output.needsHuman).not.toContain('rootCause');
      } else {
        expect(output.rootCause).toBeNull();
        expect(output.needsHuman).toContain('rootCause');
        expect(generation.text).toMatch(/## Root cause\n_Needs a human: /);
      }
    });

    it('detects from the first alert of the incident and names the recovery', () => {
      const output = generation.output!;
      const during = incident.alerts.filter(
        (alert) => !incident.startedAt || alert.at >= incident.startedAt,
      );
      expect(output.detection).toContain(during[0]!.message);
      expect(output.resolution).toMatch(/Recovery recorded at /);
      expect(output.needsHuman).not.toContain('detection');
      expect(output.needsHuman).not.toContain('timeline');
    });
  });

  it('quotes where a root cause was stated: a note, a timeline event, or the chat', async () => {
    const [note, event] = await Promise.all([
      generate({ incident: badDeploy }),
      generate({ incident: databaseFailover }),
    ]);
    expect(note.output!.rootCause).toMatch(/^As stated in a note by Ravi Menon/);
    expect(event.output!.rootCause).toMatch(/^As stated in the timeline at 2026-10-14 03:15 UTC/);
  });

  it('does not take hedged or questioned causes as stated, and leaves unnoted judgements to a human', async () => {
    const { output, text } = await generate({ incident: dnsOutage });
    // dns-outage has "Root cause unknown: ...", "might be related ...?" and "Is it caused by our release?".
    expect(output!.rootCause).toBeNull();
    expect(text).not.toContain('Stated root cause');
    expect(output!.needsHuman).toEqual(
      expect.arrayContaining(['rootCause', 'contributingFactors', 'whatWentPoorly']),
    );
    expect(output!.contributingFactors).toEqual([]);
  });

  it('states a cause given as "because", "due to" or "traced to", with its source; a hedge stays with a human', async () => {
    const incident = (message: string) => ({
      title: 'Orders API timeouts',
      severity: 'SEV2',
      status: 'RESOLVED',
      timeline: [
        { at: '2026-11-22T10:00:00Z', message: 'orders-api p99 above 5 s', author: 'Bob' },
        { at: '2026-11-22T10:20:00Z', message, author: 'Alice' },
      ],
    });
    for (const message of [
      'Timeouts traced to migration 0042 holding locks on the orders table',
      'All 50 connections waiting because migration 0042 holds locks on orders',
      'Pool exhausted due to migration 0042 holding locks',
    ]) {
      const { output } = await generate({ incident: incident(message) });
      expect(output!.rootCause).toBe(
        `As stated in the timeline at 2026-11-22 10:20 UTC (Alice): "${message}"`,
      );
    }
    const hedged = await generate({
      incident: incident('Might be because migration 0042 is still running, possibly'),
    });
    expect(hedged.output!.rootCause).toBeNull();
    expect(hedged.output!.needsHuman).toContain('rootCause');
  });

  it('files decision and went-well notes, and lists an alert the timeline repeats once', async () => {
    const { output, text } = await generate({
      incident: {
        title: 'Checkout errors',
        severity: 'SEV2',
        status: 'RESOLVED',
        alerts: [
          { at: '2026-11-22T10:00:00Z', source: 'Datadog', message: 'checkout-api 5xx above 5%' },
        ],
        timeline: [
          { at: '2026-11-22T10:00:30Z', message: 'Alert: checkout-api 5xx above 5%' },
          { at: '2026-11-22T10:30:00Z', message: 'Rollback complete; errors back to normal' },
        ],
        notes: [
          { text: 'Decision: freeze checkout deploys until the canary fix ships' },
          { text: 'What went well: the rollback took 4 minutes' },
          { text: 'Went poorly: nobody saw the canary was skipped' },
        ],
      },
    });
    expect(output!.resolution).toContain(
      'Decision recorded in a note: "freeze checkout deploys until the canary fix ships"',
    );
    expect(output!.whatWentWell).toEqual(['the rollback took 4 minutes']);
    expect(output!.whatWentPoorly).toEqual(['nobody saw the canary was skipped']);
    expect(output!.timeline.filter((entry) => entry.text.includes('5xx above 5%'))).toHaveLength(1);
    expect(text.match(/5xx above 5%/g)).toHaveLength(2); // the timeline and the detection
  });

  it('drafts from a bare incident, leaving every ungrounded section to a human', async () => {
    const { status, output, groundingIssues } = await generate({
      incident: {
        title: 'Search is slow',
        severity: 'SEV3',
        status: 'INVESTIGATING',
        timeline: [{ at: '2026-11-22T10:00:00Z', message: 'Search latency p95 at 3 s' }],
      },
    });
    expect(status).toBe('SUCCEEDED');
    expect(groundingIssues).toEqual([]);
    expect(output!.impact).toMatchObject({
      impactStart: '2026-11-22T10:00:00.000Z',
      impactEnd: null,
      durationMinutes: null,
      who: null,
      what: null,
    });
    expect(output!.actionItems).toEqual([]);
    expect(output!.needsHuman).toEqual([
      'impact',
      'detection',
      'rootCause',
      'contributingFactors',
      'resolution',
      'whatWentWell',
      'whatWentPoorly',
      'actionItems',
    ]);
  });

  it('streams: deltas concatenate to the final text, and the stored output is the parsed draft', async () => {
    const started = await generate({ incident: badDeploy, stream: true });
    expect(started.status).toBe('RUNNING');
    await expectCompleteStream(builtin.server, started.id, 0);
    const stored = await builtin.server.graphql<{ generation: PostmortemGeneration }>(GENERATION, {
      id: started.id,
    });
    expect(stored.data!.generation.output!.actionItems).toHaveLength(3);
    expect(stored.data!.generation.output!.timeline).toHaveLength(23);
  });

  const badInputs: [string, Record<string, unknown>, RegExp][] = [
    [
      'an empty note',
      { incident: { ...badDeploy, notes: [{ text: '   ' }] } },
      /incident\.notes\.0\.text/,
    ],
    [
      'too many alerts',
      {
        incident: { ...badDeploy, alerts: Array.from({ length: 201 }, () => badDeploy.alerts[0]) },
      },
      /incident\.alerts/,
    ],
    [
      'an alert without a time',
      { incident: { ...badDeploy, alerts: [{ source: 'Datadog', message: 'x' }] } },
      /at/,
    ],
    [
      'an unknown note kind',
      { incident: { ...badDeploy, notes: [{ text: 'x', kind: 'RUMOUR' }] } },
      /NoteKind/,
    ],
    [
      'a responder without a name',
      { incident: { ...badDeploy, responders: [{ name: '', role: 'IC' }] } },
      /incident\.responders\.0\.name/,
    ],
    [
      'a chat message of 5,000 characters',
      {
        incident: {
          ...badDeploy,
          chatExcerpts: [{ at: '2026-11-22T14:00:00Z', author: 'x', text: 'y'.repeat(5000) }],
        },
      },
      /incident\.chatExcerpts\.0\.text/,
    ],
    [
      'a resolvedAt without a time zone',
      { incident: { ...badDeploy, resolvedAt: '2026-11-22T15:02:00' } },
      /time zone/,
    ],
  ];

  it.each(badInputs)('rejects %s with BAD_USER_INPUT', async (_name, input, mentions) => {
    await expectBadUserInput(builtin.server, DRAFT_POSTMORTEM, input, mentions);
  });
});
