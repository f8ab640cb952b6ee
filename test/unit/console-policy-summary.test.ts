/**
 * The console's words for a list's policies: the dates a contact confirming today meets,
 * the reminder and the action, and the embed snippet's escaping.
 */
import {
  consentSummary,
  doubleOptInSummary,
  embedSnippet,
  inactivitySummary,
  trackingSummary,
} from '../../ui/src/lists/policy-summary';
import { en } from '../../ui/src/i18n/en';

/** A tiny stand-in for i18next's `t` over the English strings (plurals by `_one`/`_other`). */
function t(key: string, values: Record<string, unknown> = {}): string {
  const lookup = (k: string) =>
    k.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)?.[part], en);
  const plural =
    typeof values.count === 'number' ? `${key}_${values.count === 1 ? 'one' : 'other'}` : key;
  const template = (lookup(plural) ?? lookup(key)) as string | undefined;
  if (typeof template !== 'string') throw new Error(`no string for ${key}`);
  return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => String(values[name]));
}

const today = new Date('2026-03-01T10:00:00Z');

describe('policy summaries', () => {
  it('names the renewal reminder dates before expiry, latest reminder last, and the action', () => {
    const text = consentSummary(
      { validityDays: 365, reminderDaysBefore: [7, 30, 30, 400], onExpiry: 'anonymize' },
      t,
      'en-GB',
      today,
    );
    // 2027-03-01 is the expiry; 30 and 7 days before it; 400 is beyond the validity and dropped.
    expect(text).toBe(
      'A contact who confirms today is asked to renew on 30 January 2027 and 22 February 2027. ' +
        'Without renewal they are anonymised on 1 March 2027.',
    );
  });

  it('says when consent never expires or no reminder is sent', () => {
    expect(consentSummary(null, t, 'en', today)).toBe('Consent does not expire on this list.');
    expect(
      consentSummary(
        { validityDays: 10, reminderDaysBefore: [], onExpiry: 'delete' },
        t,
        'en-US',
        today,
      ),
    ).toBe(
      'A contact who confirms today gets no renewal reminder. Without renewal they are deleted on March 11, 2026.',
    );
  });

  it('applies the double opt-in defaults and an explicit "no reminder"', () => {
    const defaults = { confirmWithinHours: 72, reminderAfterHours: 24 };
    expect(doubleOptInSummary({}, defaults, t)).toBe(
      'A subscriber has 72 hours to confirm; one reminder goes out after 24 hours without confirmation.',
    );
    expect(
      doubleOptInSummary({ confirmWithinHours: 1, reminderAfterHours: null }, defaults, t),
    ).toBe('A subscriber has 1 hour to confirm; no reminder is sent.');
  });

  it('tells asking first from acting at once on inactivity', () => {
    expect(
      inactivitySummary(
        { thresholdDays: 180, rePermission: { waitDays: 14 }, action: 'delete' },
        t,
      ),
    ).toBe(
      'A contact with no open, click or profile visit for 180 days is asked whether they still want this mail; without an answer in 14 days they are deleted.',
    );
    expect(inactivitySummary({ thresholdDays: 1, action: 'unsubscribe' }, t)).toBe(
      'A contact with no open, click or profile visit for 1 day: they are unsubscribed.',
    );
    expect(trackingSummary(false, t)).toMatch(/^No pixel/);
  });

  it('escapes the consent text and the form address in the embed snippet', () => {
    const html = embedSnippet('https://x.test/f/l1?a=1&b="2"', 'I agree to <b>"News"</b>', {
      email: 'Email',
      submit: 'Subscribe',
    });
    expect(html).toContain('action="https://x.test/f/l1?a=1&amp;b=&quot;2&quot;"');
    expect(html).toContain('I agree to &lt;b&gt;&quot;News&quot;&lt;/b&gt;');
    expect(html).not.toContain('<b>');
  });
});
