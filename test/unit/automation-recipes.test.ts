/**
 * The shipped recipes are valid definitions as they are, name only the list they are made for,
 * and the welcome series takes the path it describes (simulated: nothing sent).
 */
import { checkDefinition, listsOf } from '../../src/domain/automation-definition';
import { recipesFor } from '../../src/automations/recipes';
import { simulate } from '../../src/automations/simulate';
import type { ContactFacts } from '../../src/automations/interpreter';
import { timedEntryDue } from '../../src/automations/timed-entries';

const listId = 'l0123456789abcdef';
const member = (
  lists: ContactFacts['lists'],
  events: ContactFacts['events'] = [],
): ContactFacts => ({
  lists,
  restricted: false,
  trackingObjection: [],
  fields: { firstName: 'Ada', custom: {} },
  events,
  sendsInCapWindow: 0,
});

describe('recipes', () => {
  it.each(recipesFor(listId).map((r) => [r.id, r] as const))(
    '%s is a valid definition on the list',
    (_id, recipe) => {
      const checked = checkDefinition(recipe.definition);
      expect(checked).toEqual({ ok: true, definition: recipe.definition });
      expect(new Set(listsOf(recipe.definition).map((l) => l.listId))).toEqual(new Set([listId]));
    },
  );

  it('ships the four recipes the product promises', () => {
    expect(recipesFor(listId).map((r) => r.id)).toEqual([
      'welcome-series',
      'consent-expiry-reminder',
      're-permission',
      'birthday',
    ]);
  });

  it('welcomes at once and sends the getting-started mail two days later to a contact who did not buy', () => {
    const welcome = recipesFor(listId)[0]!.definition;
    const start = new Date('2026-06-01T10:00:00Z');
    const steps = simulate(welcome, member({ [listId]: 'active' }), start, 'run-1');
    expect(steps.map((s) => [s.node, s.action])).toEqual([
      ['welcome', 'send'],
      ['two_days', 'wait'],
      ['bought', 'branch'],
      ['getting_started', 'send'],
      ['done', 'end'],
    ]);
    expect(steps[3]!.at).toBe('2026-06-03T10:00:00.000Z');
    const buyer = simulate(
      welcome,
      member({ [listId]: 'active' }, [{ name: 'purchase', at: new Date('2026-05-30T00:00:00Z') }]),
      start,
      'run-2',
    );
    expect(buyer.map((s) => s.node)).toEqual(['welcome', 'two_days', 'bought', 'done']);
  });
});

describe('time-based entries', () => {
  const day = 86_400_000;
  const now = new Date('2026-06-10T12:00:00Z');
  const confirmedAt = new Date('2026-01-01T00:00:00Z');
  const membership = { status: 'active' as const, subscribedAt: confirmedAt, confirmedAt };

  it('consent expiring: due within daysBefore of the end of validity, not after it, not without a policy', () => {
    const entry = { type: 'consent_expiring' as const, listId, daysBefore: 30, next: 'x' };
    const validity = (now.getTime() - confirmedAt.getTime()) / day + 10; // ends in 10 days
    expect(timedEntryDue(entry, { membership, zone: 'UTC' }, now, validity)).toBe(true);
    expect(timedEntryDue(entry, { membership, zone: 'UTC' }, now, validity + 30)).toBe(false);
    expect(timedEntryDue(entry, { membership, zone: 'UTC' }, now, validity - 20)).toBe(false);
    expect(timedEntryDue(entry, { membership, zone: 'UTC' }, now, undefined)).toBe(false);
    const renewed = { ...membership, renewedAt: new Date(now.getTime() - day) };
    expect(timedEntryDue(entry, { membership: renewed, zone: 'UTC' }, now, validity)).toBe(false);
  });

  it('inactive: due once the last sign of life is older than the days named', () => {
    const entry = { type: 'inactive' as const, listId, days: 30, next: 'x' };
    expect(timedEntryDue(entry, { membership, zone: 'UTC' }, now)).toBe(true);
    const active = { membership, lastActivityAt: new Date(now.getTime() - 5 * day), zone: 'UTC' };
    expect(timedEntryDue(entry, active, now)).toBe(false);
  });

  it('date field: due on the day (plus the offset) in the contact’s zone, once per daily sweep', () => {
    const entry = {
      type: 'date_field' as const,
      listId,
      field: 'custom.birthday',
      offsetDays: 0,
      next: 'x',
    };
    const due = (value: string, at: Date, offsetDays = 0) =>
      timedEntryDue(
        { ...entry, offsetDays },
        { membership, dateValue: value, zone: 'Europe/Rome' },
        at,
      );
    expect(due('1990-06-10', now)).toBe(true);
    expect(due('--06-10', now)).toBe(true);
    expect(due('1990-06-11', now)).toBe(false);
    expect(due('1990-06-09', now)).toBe(false); // yesterday's midnight in Rome is past a day ago
    expect(due('1990-06-17', now, -7)).toBe(true); // a week before
    expect(due('not a date', now)).toBe(false);
  });
});
