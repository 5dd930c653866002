/**
 * What each audience is told, on every incident fixture: customers get plain language with no
 * person, tool or internal identifier and no responder's message verbatim; executives get impact,
 * duration and the next milestone with one technical line; responders get every event since the
 * last update. Drafts are built directly with a fixed request time, so dates are predictable.
 */
import { describe, expect, it } from 'vitest';
import { reviveDates } from '../../../src/services/evaluation/datasets.js';
import { statusUpdate } from '../../../src/features/status-update/index.js';
import type { StatusUpdateInput } from '../../../src/features/status-update/input.js';
import { SCENARIOS, incidents, type IncidentFixture } from '../../fixtures/incidents/index.js';
import { notForCustomers } from '../../fixtures/incidents/not-for-customers.js';

const NOW = new Date('2026-12-07T23:40:00Z');

function input(incident: IncidentFixture, rest: Record<string, unknown>): StatusUpdateInput {
  const raw = reviveDates(statusUpdate.inputSchema, { incident, ...rest });
  return statusUpdate.inputSchema.parse(raw);
}

function draft(incident: IncidentFixture, audience: string, rest: Record<string, unknown> = {}) {
  const request = input(incident, { audience, ...rest });
  const text = statusUpdate.draftOffline(request, { now: NOW });
  return { text, output: statusUpdate.parseOutput(text, request, { now: NOW }).output };
}

/**
 * The content lines two drafts share, as a share of the shorter draft's: the layout's headings
 * and the next-update line are the same for everyone by design and do not count.
 */
function sharedLines(a: string, b: string): number {
  const lines = (text: string) =>
    text.split('\n').filter((line) => line.trim() && !/^(#|\*\*Next update:)/.test(line));
  const other = new Set(lines(b));
  const mine = lines(a);
  return mine.filter((line) => other.has(line)).length / Math.min(mine.length, other.size);
}

describe.each(SCENARIOS)('%s status updates by audience', (scenario) => {
  const incident = incidents[scenario];
  // The fixtures are resolved; a live incident is where the three audiences matter most.
  const statuses = ['INVESTIGATING', 'RESOLVED'] as const;

  it.each(statuses)('%s: the customer draft names no person, tool or internal id', (status) => {
    const { text, output } = draft({ ...incident, status }, 'CUSTOMER');
    for (const forbidden of notForCustomers[scenario])
      expect(text.toLowerCase(), forbidden).not.toContain(forbidden.toLowerCase());
    for (const event of incident.timeline) expect(text).not.toContain(event.message);
    expect(output.impact).toContain(incident.customerImpact!);
    expect(text).not.toMatch(/\bblame|fault\b/i);
  });

  it.each(statuses)('%s: the three audiences say different things', (status) => {
    const live = { ...incident, status };
    const customer = draft(live, 'CUSTOMER').text;
    const executive = draft(live, 'EXECUTIVE');
    const internal = draft(live, 'INTERNAL');
    expect(sharedLines(customer, executive.text)).toBe(0);
    expect(sharedLines(customer, internal.text)).toBe(0);
    expect(sharedLines(executive.text, internal.text)).toBeLessThan(0.3);
    // Executives: duration and next milestone, the technical detail in one line.
    expect(executive.text).toMatch(/\*\*Duration:\*\* (\d+ d )?(\d+ h )?\d+ min/);
    expect(executive.text).toMatch(/\*\*Next milestone:\*\* \S/);
    expect(executive.output.changesSinceLastUpdate).toHaveLength(1);
    // Responders: every event (the fixtures have at most 20), with its author.
    expect(internal.output.changesSinceLastUpdate).toHaveLength(incident.timeline.length);
    const first = incident.timeline[0]!;
    expect(internal.text).toContain(`${first.message} (${first.author})`);
  });
});

describe('status update times and gaps', () => {
  const incident = { ...incidents['database-failover'], status: 'MONITORING' as const };

  it('dates every instant that is not today, and the next update follows from the request time', () => {
    const { text, output } = draft(incident, 'INTERNAL', { nextUpdateInMinutes: 45 });
    expect(text).toContain('2026-10-14 02:13 UTC');
    // 23:40 + 45 minutes is tomorrow.
    expect(text).toContain('**Next update:** by 2026-12-08 00:25 UTC.');
    expect(output.nextUpdateAt).toEqual(new Date('2026-12-08T00:25:00Z'));
    expect(draft(incident, 'CUSTOMER', { nextUpdateInMinutes: 15 }).text).toContain(
      '**Next update:** by 23:55 UTC.',
    );
  });

  it('only the events after the previous update reach responders', () => {
    const { output } = draft(incident, 'INTERNAL', { previousUpdateAt: '2026-10-14T03:00:00Z' });
    expect(output.changesSinceLastUpdate.map((change) => change.slice(0, 20))).toEqual([
      '2026-10-14 03:01 UTC',
      '2026-10-14 03:15 UTC',
      '2026-10-14 03:30 UTC',
      '2026-10-14 04:05 UTC',
      '2026-10-14 09:00 UTC',
    ]);
  });

  it('without a customer impact, customers are told it is being assessed and a human must fill it in', () => {
    const { customerImpact: _dropped, ...unassessed } = incident;
    const { text, output } = draft(unassessed, 'CUSTOMER');
    expect(output.impact).toMatch(
      /^We are still assessing how customers are affected since 2026-10-14 02:13 UTC\./,
    );
    expect(text).toMatch(/_Needs a human: .*customer impact.*_/);
    expect(text).toContain('**Affected services:** Orders\n');
  });
});
