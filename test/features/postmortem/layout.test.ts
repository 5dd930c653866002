/**
 * The postmortem layout without a server: the builtin draft parses back into the output it was
 * built from, the reader accepts what models commonly vary (bullets, bold times, checkboxes,
 * parenthetical metadata) and names what an answer leaves out in `needsHuman` instead of failing.
 */
import { describe, expect, it } from 'vitest';
import { postmortem } from '../../../src/features/postmortem/index.js';
import type { PostmortemInput } from '../../../src/features/postmortem/input.js';
import { parseActionItem, parsePostmortem } from '../../../src/features/postmortem/output.js';
import { classifyNote } from '../../../src/features/shared/incident.js';
import { parseInput } from '../../../src/features/validate.js';
import { SCENARIOS, incidents } from '../../fixtures/incidents/index.js';

/** What the GraphQL layer does to an incident fixture before the capability sees it. */
function asInput(incident: unknown): PostmortemInput {
  const dates = (value: unknown): unknown => {
    if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value)) return new Date(value);
    if (Array.isArray(value)) return value.map(dates);
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, dates(item)]));
    return value;
  };
  return parseInput(postmortem.inputSchema, { incident: dates(incident) });
}

const now = new Date('2026-12-01T00:00:00Z');
const input = asInput(incidents['bad-deploy']);

describe('the builtin draft round trip', () => {
  it.each(SCENARIOS)(
    '%s: the draft parses, and parses the same with CRLF line ends and extra blank lines',
    (scenario) => {
      const scenarioInput = asInput(incidents[scenario]);
      const text = postmortem.draftOffline(scenarioInput, { now });
      const { output } = postmortem.parseOutput(text, scenarioInput, { now });
      expect(output.title).toBe(incidents[scenario].title);
      expect(
        postmortem.parseOutput(text.replaceAll('\n', '\r\n\r\n'), scenarioInput, { now }).output,
      ).toEqual(output);
      // Deterministic: the same input drafts the same text.
      expect(postmortem.draftOffline(scenarioInput, { now })).toBe(text);
    },
  );
});

const MODEL_DRAFT = `# Postmortem: Checkout payment failures

## Summary
Checkout failed for 55 minutes after a deploy.

## Impact
**Who:** EU shoppers
**What:** _Needs a human: no numbers were given._
**Impact start:** 2026-11-22 14:07 UTC (first alert)
**Impact end:** 2026-11-22T15:02:00Z
**Duration:** 55 minutes

## Timeline
* **2026-11-22 14:07 UTC** — Alert from Datadog: 5xx rate above 2%
* 2026-11-22 14:29:30 UTC: Rollback started,
  continuing on a second line

## Detection
By a Datadog alert.

## Root Cause
_Needs a human: nobody stated it._

## Resolution
Rolled back at 14:47.

## What went wrong
- The rollback was slow.

## Action items
- [ ] Make the canary mandatory (owner: Ravi Menon, due 2026-12-01, P1)
- [x] Write the runbook — owner: Dana Whitfield; priority: high
- Add a unit test
`;

describe('parsing a model draft', () => {
  it('reads the common variations of the layout', () => {
    const { output } = parsePostmortem(MODEL_DRAFT, input);
    expect(output.title).toBe('Checkout payment failures');
    expect(output.impact).toEqual({
      who: 'EU shoppers',
      what: null,
      impactStart: new Date('2026-11-22T14:07:00Z'),
      impactEnd: new Date('2026-11-22T15:02:00Z'),
      durationMinutes: 55,
    });
    expect(output.timeline).toEqual([
      { at: new Date('2026-11-22T14:07:00Z'), text: 'Alert from Datadog: 5xx rate above 2%' },
      {
        at: new Date('2026-11-22T14:29:30Z'),
        text: 'Rollback started, continuing on a second line',
      },
    ]);
    expect(output.rootCause).toBeNull();
    expect(output.whatWentPoorly).toEqual(['The rollback was slow.']);
    expect(output.actionItems).toEqual([
      {
        description: 'Make the canary mandatory',
        owner: 'Ravi Menon',
        due: '2026-12-01',
        priority: 'P1',
      },
      { description: 'Write the runbook', owner: 'Dana Whitfield', due: null, priority: 'high' },
      { description: 'Add a unit test', owner: null, due: null, priority: null },
    ]);
    // Placeholders, and sections left out, go to a human.
    expect(output.needsHuman).toEqual([
      'impact',
      'rootCause',
      'contributingFactors',
      'whatWentWell',
    ]);
  });

  it('computes the duration from the window when the draft does not give it', () => {
    const { output } = parsePostmortem(
      MODEL_DRAFT.replace('**Duration:** 55 minutes\n', ''),
      input,
    );
    expect(output.impact.durationMinutes).toBe(55);
  });

  it('keeps a draft without a section, a title, or a time on a timeline entry, naming what is missing', () => {
    const renamed = parsePostmortem(MODEL_DRAFT.replace('## Root Cause', '## Background'), input);
    expect(renamed.output.rootCause).toBeNull();
    expect(renamed.output.needsHuman).toContain('rootCause');
    expect(renamed.lacking).not.toContain('rootCause');
    const untitled = parsePostmortem(
      MODEL_DRAFT.replace('# Postmortem: Checkout payment failures', ''),
      input,
    );
    expect(untitled.output.title).toBeNull();
    expect(untitled.output.needsHuman).toContain('title');
    const undated = parsePostmortem(
      MODEL_DRAFT.replace('* 2026-11-22 14:29:30 UTC: Rollback', '* Then the rollback'),
      input,
    );
    expect(undated.output.timeline).toHaveLength(1);
    // Prose with no sections is kept whole as the summary a person can start from.
    const prose = 'Checkout failed after a deploy and was rolled back within the hour.';
    expect(parsePostmortem(prose, input).output).toMatchObject({ summary: prose, title: null });
  });

  it('names a summary left entirely to a human', () => {
    const { output, lacking } = parsePostmortem(
      MODEL_DRAFT.replace(
        'Checkout failed for 55 minutes after a deploy.',
        '_Needs a human: unclear._',
      ),
      input,
    );
    expect(output.summary).toBeNull();
    expect(lacking).toContain('summary');
  });

  it('does not take a responder quoting "needs a human" in the timeline as a placeholder', () => {
    const { output } = parsePostmortem(
      MODEL_DRAFT.replace('Rollback started,', 'Rollback needs a human: Dana approves it,'),
      input,
    );
    expect(output.needsHuman).not.toContain('timeline');
    expect(output.timeline[1]!.text).toContain('needs a human: Dana approves it');
  });
});

describe('action items and notes', () => {
  it.each([
    [
      'Fix it (owner: Dana, due 2026-12-01, P1)',
      { description: 'Fix it', owner: 'Dana', due: '2026-12-01', priority: 'P1' },
    ],
    ['Fix it (P2)', { description: 'Fix it', owner: null, due: null, priority: 'P2' }],
    [
      'Fix it [owner: unassigned; due by 2026-12-01]',
      { description: 'Fix it', owner: null, due: '2026-12-01', priority: null },
    ],
    [
      'Fix it — owner: Dana; due: 2026-12-01; priority: p0',
      { description: 'Fix it', owner: 'Dana', due: '2026-12-01', priority: 'P0' },
    ],
    [
      'Fix the parser (see PR #12)',
      { description: 'Fix the parser (see PR #12)', owner: null, due: null, priority: null },
    ],
    [
      'Fix it (due tomorrow)',
      { description: 'Fix it (due tomorrow)', owner: null, due: null, priority: null },
    ],
  ])('reads %j', (text, expected) => {
    expect(parseActionItem(text)).toEqual(expected);
  });

  it.each([
    [
      { text: 'TODO: page on expiry', kind: 'NOTE' as const },
      { kind: 'ACTION_ITEM', text: 'page on expiry' },
    ],
    [
      { text: 'Action item: page on expiry', kind: 'NOTE' as const },
      { kind: 'ACTION_ITEM', text: 'page on expiry' },
    ],
    [
      { text: 'AI: page on expiry', kind: 'NOTE' as const },
      { kind: 'ACTION_ITEM', text: 'page on expiry' },
    ],
    [
      { text: 'Decision: freeze deploys', kind: 'NOTE' as const },
      { kind: 'DECISION', text: 'freeze deploys' },
    ],
    [
      { text: 'ai-subgraph was slow', kind: 'NOTE' as const },
      { kind: 'NOTE', text: 'ai-subgraph was slow' },
    ],
    [
      { text: 'page on expiry', kind: 'ACTION_ITEM' as const },
      { kind: 'ACTION_ITEM', text: 'page on expiry' },
    ],
  ])('classifies %j', (note, expected) => {
    expect(classifyNote(note)).toEqual(expected);
  });
});
