import { describe, expect, it } from 'vitest';
import { normalizeTicketText } from '../../src/ml/preprocess.js';

describe('normalizeTicketText', () => {
  it('lowercases, puts the subject first and collapses whitespace', () => {
    expect(normalizeTicketText('Refund  REQUEST', '  I was\tcharged\n\ntwice  ')).toBe(
      'refund request i was charged twice',
    );
    expect(normalizeTicketText(undefined, 'Hello\r\nWorld')).toBe('hello world');
  });

  it('drops reply and forward prefixes from the subject', () => {
    expect(normalizeTicketText('Re: Fwd: RE: Card declined', 'again today')).toBe(
      'card declined again today',
    );
  });

  it('strips HTML tags, scripts and entities', () => {
    const html =
      '<html><head><style>p{color:red}</style></head><body><p>My&nbsp;card was <b>declined</b> &amp; I&#39;m stuck&hellip;</p>' +
      '<script>alert(1)</script><div>Order&nbsp;&#x23;42</div></body></html>';
    expect(normalizeTicketText(undefined, html)).toBe(
      "my card was declined & i'm stuck... order #42",
    );
  });

  it('drops quoted HTML replies (blockquote, Gmail quote)', () => {
    expect(
      normalizeTicketText(
        undefined,
        '<p>Still broken</p><blockquote>old message about billing</blockquote>',
      ),
    ).toBe('still broken');
    expect(
      normalizeTicketText(
        undefined,
        '<div>Still broken</div><div class="gmail_quote">On Mon wrote: billing</div>',
      ),
    ).toBe('still broken');
  });

  it('removes a signature after the "-- " delimiter', () => {
    const body = 'The app crashes on login.\n-- \nJohn Smith\nACME Corp | +1 555 0100';
    expect(normalizeTicketText(undefined, body)).toBe('the app crashes on login.');
  });

  it('removes mobile footers', () => {
    expect(normalizeTicketText(undefined, 'Cannot reset my password\n\nSent from my iPhone')).toBe(
      'cannot reset my password',
    );
    expect(
      normalizeTicketText(undefined, 'Cannot reset my password\nGet Outlook for Android'),
    ).toBe('cannot reset my password');
  });

  it('removes sign-offs with the name block that follows', () => {
    expect(
      normalizeTicketText(
        undefined,
        'Please cancel my plan.\n\nBest regards,\nJane Doe\nHead of IT',
      ),
    ).toBe('please cancel my plan.');
    expect(normalizeTicketText(undefined, 'Please cancel my plan.\nThanks, Jane')).toBe(
      'please cancel my plan.',
    );
    expect(normalizeTicketText(undefined, 'Please cancel my plan.\nCheers')).toBe(
      'please cancel my plan.',
    );
  });

  it('keeps lines that only start like a sign-off, and a ticket that is only thanks', () => {
    expect(
      normalizeTicketText(
        undefined,
        'Order 42 is late.\nThanks for looking into it, it was due Monday',
      ),
    ).toBe('order 42 is late. thanks for looking into it, it was due monday');
    expect(normalizeTicketText(undefined, 'Thank you')).toBe('thank you');
  });

  it('removes quoted lines and the earlier thread below "On ... wrote:"', () => {
    const body = [
      'Still not fixed, see below.',
      '',
      'On Tue, 3 Jan 2024 at 10:02, Support <help@example.com> wrote:',
      '> Have you tried turning it off and on?',
      '> Regards, Support',
    ].join('\n');
    expect(normalizeTicketText(undefined, body)).toBe('still not fixed, see below.');
    const wrapped =
      'It happened again\nOn Tue, Jan 3, 2024 at 10:02 AM Support Team <\nhelp@example.com> wrote:\nPlease send logs';
    expect(normalizeTicketText(undefined, wrapped)).toBe('it happened again');
    expect(normalizeTicketText(undefined, '> quoted only first\nmy real question')).toBe(
      'my real question',
    );
  });

  it('cuts Outlook-style original messages', () => {
    const body =
      'Any update?\n\n-----Original Message-----\nFrom: Support\nSent: Monday\nSubject: Ticket';
    expect(normalizeTicketText(undefined, body)).toBe('any update?');
    const headers =
      'Any update?\n\nFrom: Support <help@example.com>\nSent: Monday, 2 January\nTo: me';
    expect(normalizeTicketText(undefined, headers)).toBe('any update?');
  });

  it('folds typographic quotes and compatibility characters', () => {
    expect(normalizeTicketText(undefined, 'I can’t log in — “error 500”')).toBe(
      'i can\'t log in — "error 500"',
    );
    expect(normalizeTicketText(undefined, 'ｆｕｌｌｗｉｄｔｈ')).toBe('fullwidth');
  });

  it('looks at a bounded prefix of very long tickets, quickly', () => {
    const huge = 'printer on fire. ' + '<script>'.repeat(20_000) + 'x'.repeat(200_000);
    const started = performance.now();
    const text = normalizeTicketText(undefined, huge);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(text.startsWith('printer on fire.')).toBe(true);
    expect(text.length).toBeLessThanOrEqual(50_000);
  });

  it('is idempotent, so prediction may normalise text that was already normalised', () => {
    const samples = [
      normalizeTicketText('Re: Billing', '<p>Charged twice</p>\n> old\nBest regards,\nAnn'),
      'thanks, john',
      'on tuesday my order was late',
    ];
    for (const s of samples) expect(normalizeTicketText(undefined, s)).toBe(s);
  });
});
