import {
  checkDefinition,
  type AutomationDefinition,
  type Condition,
  type Settings,
} from '../../src/domain/automation-definition';
import {
  awaitedKey,
  consentRefusal,
  goalMet,
  meets,
  planStep,
  splitIndex,
  zoneOf,
  type ContactFacts,
  type StepContext,
} from '../../src/automations/interpreter';
import { simulate } from '../../src/automations/simulate';

const LIST = 'l0123456789abcdef';
const OTHER = 'lfedcba9876543210';
const NOW = new Date('2026-06-01T10:00:00Z'); // a Monday; 12:00 in Rome
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (ms: number) => new Date(NOW.getTime() + ms);

const run: StepContext = { runId: 'run-1', test: false };
const testRun: StepContext = { runId: 'run-1', test: true };

/** An active, unrestricted member of LIST with no fields, events or recent sends. */
const contact = (over: Partial<ContactFacts> = {}): ContactFacts => ({
  lists: { [LIST]: 'active' },
  restricted: false,
  trackingObjection: [],
  fields: { custom: {} },
  events: [],
  sendsInCapWindow: 0,
  ...over,
});
const withCustom = (custom: Record<string, string>, over: Partial<ContactFacts> = {}) =>
  contact({ fields: { custom }, ...over });

/** A checked definition: the entry (on LIST) leads to the first node; `done`, if named, ends it. */
function definition(
  nodes: Record<string, unknown>[],
  settings?: Settings,
  entry: Record<string, unknown> = { type: 'list_confirmed', listId: LIST },
): AutomationDefinition {
  const needsDone = !nodes.some((n) => n.id === 'done') && JSON.stringify(nodes).includes('"done"');
  const all = needsDone ? [...nodes, { id: 'done', type: 'end' }] : nodes;
  const checked = checkDefinition({
    entry: { ...entry, next: nodes[0]!.id },
    nodes: all,
    ...(settings ? { settings } : {}),
  });
  if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
  return checked.definition;
}

const sendNode = {
  id: 'send',
  type: 'send_email',
  subject: 'Welcome',
  html: '<p>Hello</p>',
  next: 'done',
};
const sends = (settings?: Settings) => definition([sendNode], settings);
const quiet: Settings = { quietHours: { start: '21:00', end: '08:00' }, timezone: 'Europe/Rome' };

describe('a send step', () => {
  it('sends to an active member', () => {
    expect(planStep(sends(), 'send', contact(), NOW, run)).toEqual({
      kind: 'go',
      next: 'done',
      outcome: 'done',
      effect: { type: 'send', node: sendNode },
    });
  });

  it.each([
    ['unsubscribed', { [LIST]: 'unsubscribed' }],
    ['pending', { [LIST]: 'pending' }],
    ['none', { [OTHER]: 'active' }],
  ] as const)('is skipped when the membership is %s', (_, lists) => {
    expect(planStep(sends(), 'send', contact({ lists }), NOW, run)).toEqual({
      kind: 'go',
      next: 'done',
      outcome: 'skipped',
      detail: 'not_subscribed',
    });
  });

  it('is skipped for a restricted contact, even an active member', () => {
    const plan = planStep(sends(), 'send', contact({ restricted: true }), NOW, run);
    expect(plan).toEqual({ kind: 'go', next: 'done', outcome: 'skipped', detail: 'restricted' });
  });

  it('still goes to a contact who objected to tracking', () => {
    for (const trackingObjection of [['*'], [LIST]]) {
      const plan = planStep(sends(), 'send', contact({ trackingObjection }), NOW, run);
      expect(plan).toMatchObject({ kind: 'go', outcome: 'done', effect: { type: 'send' } });
    }
  });

  it('waits out quiet hours in the contact’s zone, then comes back to itself', () => {
    const lateEvening = new Date('2026-06-01T20:30:00Z'); // 22:30 in Rome (CEST)
    expect(planStep(sends(quiet), 'send', contact(), lateEvening, run)).toEqual({
      kind: 'sleep',
      until: new Date('2026-06-02T06:00:00Z'), // 08:00 in Rome the next morning
      next: 'send',
      detail: 'quiet_hours',
    });
    const earlyMorning = new Date('2026-06-02T05:15:00Z'); // 07:15 in Rome
    expect(planStep(sends(quiet), 'send', contact(), earlyMorning, run)).toMatchObject({
      kind: 'sleep',
      until: new Date('2026-06-02T06:00:00Z'),
      next: 'send',
    });
    const quietEnds = new Date('2026-06-02T06:00:00Z');
    expect(planStep(sends(quiet), 'send', contact(), quietEnds, run)).toMatchObject({
      kind: 'go',
      effect: { type: 'send' },
    });
    expect(planStep(sends(quiet), 'send', contact(), NOW, run)).toMatchObject({
      kind: 'go',
      effect: { type: 'send' },
    });
  });

  it('takes quiet hours in the contact’s own time zone over the definition’s', () => {
    const lateInRome = new Date('2026-06-01T20:30:00Z'); // 16:30 in New York
    const newYorker = withCustom({ timezone: 'America/New_York' });
    expect(planStep(sends(quiet), 'send', newYorker, lateInRome, run)).toMatchObject({
      kind: 'go',
      effect: { type: 'send' },
    });
  });

  it('ignores quiet hours in a test run', () => {
    const lateEvening = new Date('2026-06-01T20:30:00Z');
    expect(planStep(sends(quiet), 'send', contact(), lateEvening, testRun)).toMatchObject({
      kind: 'go',
      outcome: 'done',
      effect: { type: 'send' },
    });
  });

  it('checks consent before waiting for quiet hours', () => {
    const lateEvening = new Date('2026-06-01T20:30:00Z');
    const gone = contact({ lists: { [LIST]: 'unsubscribed' } });
    expect(planStep(sends(quiet), 'send', gone, lateEvening, run)).toMatchObject({
      kind: 'go',
      outcome: 'skipped',
      detail: 'not_subscribed',
    });
  });

  it('is skipped once the frequency cap is reached', () => {
    const capped = sends({ frequencyCap: { max: 2, per: { amount: 1, unit: 'days' } } });
    expect(planStep(capped, 'send', contact({ sendsInCapWindow: 1 }), NOW, run)).toMatchObject({
      outcome: 'done',
      effect: { type: 'send' },
    });
    expect(planStep(capped, 'send', contact({ sendsInCapWindow: 2 }), NOW, run)).toEqual({
      kind: 'go',
      next: 'done',
      outcome: 'skipped',
      detail: 'frequency_cap',
    });
  });
});

describe('webhook and field-update steps', () => {
  const hook = definition([{ id: 'step', type: 'webhook', name: 'crm.sync', next: 'done' }]);
  const update = definition([
    { id: 'step', type: 'update_field', field: 'custom.stage', value: 'welcomed', next: 'done' },
  ]);

  it.each([
    ['webhook', hook, { type: 'webhook', name: 'crm.sync' }],
    ['update_field', update, { type: 'update_field', field: 'custom.stage', value: 'welcomed' }],
  ] as const)('%s: runs for an active member', (_, def, effect) => {
    expect(planStep(def, 'step', contact(), NOW, run)).toEqual({
      kind: 'go',
      next: 'done',
      outcome: 'done',
      effect,
    });
    // An objection on another list does not concern this automation.
    const elsewhere = contact({ trackingObjection: [OTHER] });
    expect(planStep(def, 'step', elsewhere, NOW, run)).toMatchObject({ effect });
  });

  it.each([
    ['webhook', '*', hook],
    ['webhook', 'the automation’s list', hook],
    ['update_field', '*', update],
    ['update_field', 'the automation’s list', update],
  ] as const)('%s: skipped for a tracking objection on %s', (_, on, def) => {
    const trackingObjection = [on === '*' ? '*' : LIST];
    expect(planStep(def, 'step', contact({ trackingObjection }), NOW, run)).toEqual({
      kind: 'go',
      next: 'done',
      outcome: 'skipped',
      detail: 'tracking_objection',
    });
  });

  it('skipped for a contact who is not subscribed or is restricted', () => {
    const gone = contact({ lists: { [LIST]: 'unsubscribed' } });
    expect(planStep(hook, 'step', gone, NOW, run)).toMatchObject({ detail: 'not_subscribed' });
    const restricted = contact({ restricted: true });
    expect(planStep(update, 'step', restricted, NOW, run)).toMatchObject({ detail: 'restricted' });
  });
});

describe('consentRefusal', () => {
  const rights = definition(
    [{ id: 'hook', type: 'webhook', name: 'rights.in', next: 'done' }],
    undefined,
    { type: 'rights_request' },
  );

  it('puts a restriction first, then the membership, then (for profiles) objections', () => {
    const everything = contact({
      restricted: true,
      lists: { [LIST]: 'unsubscribed' },
      trackingObjection: ['*'],
    });
    expect(consentRefusal(sends(), everything, 'send')).toBe('restricted');
    expect(consentRefusal(sends(), { ...everything, restricted: false }, 'send')).toBe(
      'not_subscribed',
    );
    const objecting = contact({ trackingObjection: ['*'] });
    expect(consentRefusal(sends(), objecting, 'send')).toBeUndefined();
    expect(consentRefusal(sends(), objecting, 'profile')).toBe('tracking_objection');
  });

  it('checks no membership without a list, and only a global objection', () => {
    const stranger = contact({ lists: {} });
    expect(consentRefusal(rights, stranger, 'profile')).toBeUndefined();
    expect(consentRefusal(rights, { ...stranger, trackingObjection: [LIST] }, 'profile')).toBe(
      undefined,
    );
    expect(consentRefusal(rights, { ...stranger, trackingObjection: ['*'] }, 'profile')).toBe(
      'tracking_objection',
    );
    expect(consentRefusal(rights, { ...stranger, restricted: true }, 'profile')).toBe('restricted');
  });
});

describe('list and notify steps', () => {
  const def = definition([
    { id: 'add', type: 'list_add', listId: OTHER, next: 'remove' },
    { id: 'remove', type: 'list_remove', listId: OTHER, next: 'tell' },
    { id: 'tell', type: 'notify', message: 'Heads up', next: 'done' },
  ]);

  it('add to a list unless restricted; removing and notifying always run', () => {
    expect(planStep(def, 'add', contact(), NOW, run)).toEqual({
      kind: 'go',
      next: 'remove',
      outcome: 'done',
      effect: { type: 'list_add', listId: OTHER },
    });
    const restricted = contact({ restricted: true });
    expect(planStep(def, 'add', restricted, NOW, run)).toEqual({
      kind: 'go',
      next: 'remove',
      outcome: 'skipped',
      detail: 'restricted',
    });
    expect(planStep(def, 'remove', restricted, NOW, run)).toEqual({
      kind: 'go',
      next: 'tell',
      outcome: 'done',
      effect: { type: 'list_remove', listId: OTHER },
    });
    expect(planStep(def, 'tell', restricted, NOW, run)).toEqual({
      kind: 'go',
      next: 'done',
      outcome: 'done',
      effect: { type: 'notify', message: 'Heads up' },
    });
  });
});

describe('a delay', () => {
  const delay = (wait: Record<string, unknown>, settings?: Settings) =>
    definition([{ id: 'wait', type: 'delay', wait, next: 'done' }], settings);

  it('sleeps for its duration, or as many seconds in a test run', () => {
    const twoDays = delay({ kind: 'duration', amount: 2, unit: 'days' });
    expect(planStep(twoDays, 'wait', contact(), NOW, run)).toEqual({
      kind: 'sleep',
      until: at(2 * DAY),
      next: 'done',
    });
    expect(planStep(twoDays, 'wait', contact(), NOW, testRun)).toEqual({
      kind: 'sleep',
      until: at(2000),
      next: 'done',
    });
    const threeWeeks = delay({ kind: 'duration', amount: 3, unit: 'weeks' });
    expect(planStep(threeWeeks, 'wait', contact(), NOW, run)).toMatchObject({
      until: at(21 * DAY),
    });
    const ninety = delay({ kind: 'duration', amount: 90, unit: 'minutes' });
    expect(planStep(ninety, 'wait', contact(), NOW, run)).toMatchObject({ until: at(1.5 * HOUR) });
  });

  describe('until a local time', () => {
    const nineAm = (settings?: Settings) => delay({ kind: 'local_time', time: '09:00' }, settings);
    const until = (def: AutomationDefinition, facts: ContactFacts) => {
      const plan = planStep(def, 'wait', facts, NOW, run);
      if (plan.kind !== 'sleep') throw new Error(`expected a sleep, got ${plan.kind}`);
      return plan.until.toISOString();
    };
    const tokyo: Settings = { timezone: 'Asia/Tokyo' };

    it('in the contact’s custom.timezone', () => {
      const newYorker = withCustom({ timezone: 'America/New_York' }); // 06:00 there
      expect(until(nineAm(tokyo), newYorker)).toBe('2026-06-01T13:00:00.000Z');
    });

    it('in the definition’s zone without one, then in UTC', () => {
      expect(until(nineAm(tokyo), contact())).toBe('2026-06-02T00:00:00.000Z'); // 19:00 there
      expect(until(nineAm(), contact())).toBe('2026-06-02T09:00:00.000Z');
    });

    it('falls back when the contact’s zone is not one', () => {
      const martian = withCustom({ timezone: 'Mars/Olympus_Mons' });
      expect(until(nineAm(tokyo), martian)).toBe('2026-06-02T00:00:00.000Z');
      expect(until(nineAm(), martian)).toBe('2026-06-02T09:00:00.000Z');
    });

    it('on the allowed days only', () => {
      const wednesdays = delay({ kind: 'local_time', time: '09:00', days: ['wed'] });
      expect(until(wednesdays, contact())).toBe('2026-06-03T09:00:00.000Z');
    });

    it('for a second in a test run', () => {
      expect(planStep(nineAm(), 'wait', contact(), NOW, testRun)).toEqual({
        kind: 'sleep',
        until: at(1000),
        next: 'done',
      });
    });
  });

  describe('until a date field', () => {
    const renewal = delay(
      { kind: 'date_field', field: 'custom.renewal', offsetDays: -2, time: '09:00' },
      { timezone: 'Europe/Rome' },
    );

    it('sleeps until the date plus the offset, at the local time', () => {
      const facts = withCustom({ renewal: '2026-06-10' });
      expect(planStep(renewal, 'wait', facts, NOW, run)).toEqual({
        kind: 'sleep',
        until: new Date('2026-06-08T07:00:00Z'), // 09:00 in Rome
        next: 'done',
      });
    });

    it.each([
      ['missing', {}],
      ['empty', { renewal: '' }],
      ['not a date', { renewal: 'soon' }],
      ['past', { renewal: '2026-05-01' }],
    ])('skips a date that is %s', (_, custom) => {
      expect(planStep(renewal, 'wait', withCustom(custom), NOW, run)).toEqual({
        kind: 'go',
        next: 'done',
        outcome: 'skipped',
        detail: 'date_missing_or_past',
      });
    });
  });
});

describe('a wait for an event', () => {
  const wait = definition([
    {
      id: 'wait',
      type: 'wait_for_event',
      event: { kind: 'custom', name: 'shop.purchase' },
      timeout: { amount: 3, unit: 'days' },
      onEvent: 'thanks',
      onTimeout: 'done',
    },
    { id: 'thanks', type: 'notify', message: 'bought', next: 'done' },
  ]);

  it('listens until its timeout, or as many seconds in a test run', () => {
    const awaiting = {
      kind: 'await',
      event: { kind: 'custom', name: 'shop.purchase' },
      onEvent: 'thanks',
      onTimeout: 'done',
    };
    expect(planStep(wait, 'wait', contact(), NOW, run)).toEqual({
      ...awaiting,
      until: at(3 * DAY),
    });
    expect(planStep(wait, 'wait', contact(), NOW, testRun)).toEqual({
      ...awaiting,
      until: at(3000),
    });
  });

  it('listens for the keys the event senders build', () => {
    expect(awaitedKey({ kind: 'custom', name: 'shop.purchase' })).toBe('custom:shop.purchase');
    expect(awaitedKey({ kind: 'confirmation', listId: LIST })).toBe(`confirmation:${LIST}`);
    expect(awaitedKey({ kind: 'field_change', field: 'custom.city' })).toBe('field:custom.city');
  });
});

describe('a condition step', () => {
  const def = definition([
    {
      id: 'check',
      type: 'condition',
      condition: { type: 'field', field: 'custom.city', op: 'equals', value: 'Rome' },
      yes: 'hello',
      no: 'done',
    },
    { id: 'hello', type: 'notify', message: 'x', next: 'done' },
  ]);

  it('goes to yes or no and says which', () => {
    expect(planStep(def, 'check', withCustom({ city: 'rome' }), NOW, run)).toEqual({
      kind: 'go',
      next: 'hello',
      outcome: 'done',
      detail: 'yes',
    });
    expect(planStep(def, 'check', withCustom({ city: 'Milan' }), NOW, run)).toEqual({
      kind: 'go',
      next: 'done',
      outcome: 'done',
      detail: 'no',
    });
  });
});

describe('meets', () => {
  const field = (f: string, op: string, value?: string) =>
    ({ type: 'field', field: f, op, ...(value === undefined ? {} : { value }) }) as Condition;
  const mario = contact({
    fields: { firstName: 'Mario', lastName: '', custom: { city: 'Roma Nord', vip: 'yes' } },
  });

  it('compares fields without regard to case', () => {
    expect(meets(field('firstName', 'equals', 'MARIO'), mario, NOW)).toBe(true);
    expect(meets(field('firstName', 'equals', 'Maria'), mario, NOW)).toBe(false);
    expect(meets(field('custom.city', 'equals', 'roma'), mario, NOW)).toBe(false);
    expect(meets(field('custom.missing', 'equals', 'x'), mario, NOW)).toBe(false);
    expect(meets(field('firstName', 'not_equals', 'mario'), mario, NOW)).toBe(false);
    expect(meets(field('firstName', 'not_equals', 'Luigi'), mario, NOW)).toBe(true);
    expect(meets(field('custom.missing', 'not_equals', 'x'), mario, NOW)).toBe(true);
  });

  it('finds a part of a field', () => {
    expect(meets(field('custom.city', 'contains', 'NORD'), mario, NOW)).toBe(true);
    expect(meets(field('custom.city', 'contains', 'sud'), mario, NOW)).toBe(false);
    expect(meets(field('custom.missing', 'contains', ''), mario, NOW)).toBe(false);
  });

  it('takes an empty field as not set', () => {
    expect(meets(field('custom.vip', 'is_set'), mario, NOW)).toBe(true);
    expect(meets(field('custom.vip', 'is_not_set'), mario, NOW)).toBe(false);
    expect(meets(field('lastName', 'is_set'), mario, NOW)).toBe(false);
    expect(meets(field('lastName', 'is_not_set'), mario, NOW)).toBe(true);
    expect(meets(field('custom.missing', 'is_set'), mario, NOW)).toBe(false);
    expect(meets(field('custom.missing', 'is_not_set'), mario, NOW)).toBe(true);
  });

  it('tests a membership status, a missing one being none', () => {
    const facts = contact({ lists: { [LIST]: 'pending' } });
    const status = (s: 'active' | 'pending' | 'unsubscribed' | 'none', listId = LIST) =>
      meets({ type: 'membership', listId, status: s }, facts, NOW);
    expect(status('pending')).toBe(true);
    expect(status('active')).toBe(false);
    expect(status('unsubscribed')).toBe(false);
    expect(status('none')).toBe(false);
    expect(status('none', OTHER)).toBe(true);
    expect(status('pending', OTHER)).toBe(false);
  });

  it('tests consent: granted, restricted, tracking objected on the list or everywhere', () => {
    const state = (s: 'granted' | 'restricted' | 'tracking_objected', facts: ContactFacts) =>
      meets({ type: 'consent', listId: LIST, state: s }, facts, NOW);
    expect(state('granted', contact())).toBe(true);
    expect(state('granted', contact({ restricted: true }))).toBe(false);
    expect(state('granted', contact({ lists: { [LIST]: 'pending' } }))).toBe(false);
    expect(state('restricted', contact())).toBe(false);
    expect(state('restricted', contact({ restricted: true }))).toBe(true);
    expect(state('tracking_objected', contact())).toBe(false);
    expect(state('tracking_objected', contact({ trackingObjection: [OTHER] }))).toBe(false);
    expect(state('tracking_objected', contact({ trackingObjection: [LIST] }))).toBe(true);
    expect(state('tracking_objected', contact({ trackingObjection: ['*'] }))).toBe(true);
  });

  it('looks for an event, within some days, or for its absence', () => {
    const bought = contact({
      events: [
        { name: 'other', at: at(-1 * HOUR) },
        { name: 'purchase', at: at(-10 * DAY) },
      ],
    });
    const event = (withinDays?: number, happened?: boolean): Condition => ({
      type: 'event',
      name: 'purchase',
      ...(withinDays === undefined ? {} : { withinDays }),
      ...(happened === undefined ? {} : { happened }),
    });
    expect(meets(event(), bought, NOW)).toBe(true);
    expect(meets(event(30), bought, NOW)).toBe(true);
    expect(meets(event(7), bought, NOW)).toBe(false);
    expect(meets(event(undefined, false), bought, NOW)).toBe(false);
    expect(meets(event(7, false), bought, NOW)).toBe(true);
    expect(meets(event(), contact(), NOW)).toBe(false);
    expect(meets(event(undefined, false), contact(), NOW)).toBe(true);
    // Exactly `withinDays` ago still counts.
    expect(meets(event(10), bought, NOW)).toBe(true);
  });

  it('combines with all, any and not', () => {
    const yes = field('firstName', 'is_set');
    const no = field('custom.missing', 'is_set');
    expect(meets({ type: 'all', conditions: [yes, yes] }, mario, NOW)).toBe(true);
    expect(meets({ type: 'all', conditions: [yes, no] }, mario, NOW)).toBe(false);
    expect(meets({ type: 'any', conditions: [no, yes] }, mario, NOW)).toBe(true);
    expect(meets({ type: 'any', conditions: [no, no] }, mario, NOW)).toBe(false);
    expect(meets({ type: 'not', condition: no }, mario, NOW)).toBe(true);
    expect(meets({ type: 'not', condition: yes }, mario, NOW)).toBe(false);
    const nested: Condition = {
      type: 'all',
      conditions: [yes, { type: 'not', condition: { type: 'any', conditions: [no] } }],
    };
    expect(meets(nested, mario, NOW)).toBe(true);
  });
});

describe('a random split', () => {
  const split = definition([
    {
      id: 'split',
      type: 'random_split',
      branches: [
        { weight: 80, next: 'a' },
        { weight: 20, next: 'b' },
      ],
    },
    { id: 'a', type: 'notify', message: 'a', next: 'done' },
    { id: 'b', type: 'notify', message: 'b', next: 'done' },
  ]);

  it('takes the same branch every time for the same run', () => {
    for (let i = 0; i < 20; i++) {
      const ctx = { runId: `run-${i}`, test: false };
      const first = planStep(split, 'split', contact(), NOW, ctx);
      const again = planStep(split, 'split', contact(), at(DAY), ctx);
      expect(again).toEqual(first);
      const index = splitIndex([80, 20], ctx.runId, 'split');
      expect(first).toEqual({
        kind: 'go',
        next: ['a', 'b'][index],
        outcome: 'done',
        detail: String(index),
      });
    }
  });

  it('spreads runs by the weights', () => {
    const count = (weights: number[]) => {
      const counts = weights.map(() => 0);
      for (let i = 0; i < 2000; i++) counts[splitIndex(weights, `run-${i}`, 'split')]! += 1;
      return counts.map((c) => c / 2000);
    };
    const [a, b] = count([80, 20]);
    expect(a).toBeGreaterThan(0.75);
    expect(a).toBeLessThan(0.85);
    expect(b).toBeCloseTo(1 - a!, 10);
    for (const share of count([1, 1, 1])) {
      expect(share).toBeGreaterThan(1 / 3 - 0.05);
      expect(share).toBeLessThan(1 / 3 + 0.05);
    }
  });

  it('depends on the node as well as the run', () => {
    const differs = Array.from({ length: 50 }, (_, i) => `run-${i}`).some(
      (runId) => splitIndex([1, 1], runId, 'first') !== splitIndex([1, 1], runId, 'second'),
    );
    expect(differs).toBe(true);
  });
});

describe('goals and ends', () => {
  const def = definition([
    { id: 'wait', type: 'delay', wait: { kind: 'duration', amount: 1, unit: 'days' }, next: 'g' },
    {
      id: 'g',
      type: 'goal',
      condition: { type: 'event', name: 'purchase' },
      next: 'thanks',
    },
    { id: 'thanks', type: 'notify', message: 'bought', next: 'final' },
    { id: 'final', type: 'goal', condition: { type: 'event', name: 'refund' } },
  ]);
  const buyer = contact({ events: [{ name: 'purchase', at: at(-HOUR) }] });

  it('finds the goal a contact meets elsewhere in the run', () => {
    expect(goalMet(def, buyer, NOW, 'wait')?.id).toBe('g');
    expect(goalMet(def, contact(), NOW, 'wait')).toBeUndefined();
    // At the goal itself there is nothing to jump to.
    expect(goalMet(def, buyer, NOW, 'g')).toBeUndefined();
    const refunded = contact({ events: [{ name: 'refund', at: at(-HOUR) }] });
    expect(goalMet(def, refunded, NOW, 'wait')?.id).toBe('final');
  });

  it('goes on after a goal with a next node, and ends at one without', () => {
    expect(planStep(def, 'g', contact(), NOW, run)).toEqual({
      kind: 'go',
      next: 'thanks',
      outcome: 'done',
    });
    expect(planStep(def, 'final', contact(), NOW, run)).toEqual({
      kind: 'end',
      reason: 'goal:final',
    });
  });

  it('ends at an end', () => {
    const ended = definition([{ id: 'stop', type: 'end' }]);
    expect(planStep(ended, 'stop', contact(), NOW, run)).toEqual({ kind: 'end' });
  });
});

describe('zoneOf', () => {
  it('takes the contact’s valid zone, else the definition’s, else UTC', () => {
    const rome = sends({ timezone: 'Europe/Rome' });
    expect(zoneOf(rome, withCustom({ timezone: 'Asia/Tokyo' }))).toBe('Asia/Tokyo');
    expect(zoneOf(rome, withCustom({ timezone: 'Nowhere/Land' }))).toBe('Europe/Rome');
    expect(zoneOf(rome, withCustom({ timezone: '' }))).toBe('Europe/Rome');
    expect(zoneOf(rome, contact())).toBe('Europe/Rome');
    expect(zoneOf(sends(), contact())).toBe('UTC');
    expect(zoneOf(sends(), withCustom({ timezone: 'Nowhere/Land' }))).toBe('UTC');
  });
});

describe('simulate', () => {
  const welcome = definition([
    { id: 'welcome', type: 'send_email', subject: 'Welcome', html: '<p>Hi</p>', next: 'mark' },
    { id: 'mark', type: 'update_field', field: 'custom.stage', value: 'welcomed', next: 'pause' },
    {
      id: 'pause',
      type: 'delay',
      wait: { kind: 'duration', amount: 2, unit: 'days' },
      next: 'check',
    },
    {
      id: 'check',
      type: 'condition',
      condition: { type: 'field', field: 'custom.stage', op: 'equals', value: 'WELCOMED' },
      yes: 'followup',
      no: 'done',
    },
    { id: 'followup', type: 'send_email', subject: 'Tips', html: '<p>Tips</p>', next: 'done' },
  ]);

  it('walks a welcome series, applying the field update to the later condition', () => {
    const facts = contact();
    const steps = simulate(welcome, facts, NOW, 'sim-1');
    const later = at(2 * DAY).toISOString();
    expect(steps).toEqual([
      { node: 'welcome', at: NOW.toISOString(), action: 'send' },
      { node: 'mark', at: NOW.toISOString(), action: 'update_field' },
      { node: 'pause', at: NOW.toISOString(), action: 'wait', detail: `until ${later}` },
      { node: 'check', at: later, action: 'branch', detail: 'yes' },
      { node: 'followup', at: later, action: 'send' },
      { node: 'done', at: later, action: 'end' },
    ]);
    const times = steps.map((s) => Date.parse(s.at));
    times.slice(1).forEach((t, i) => expect(t).toBeGreaterThanOrEqual(times[i]!));
    expect(times[times.length - 1]).toBeGreaterThan(times[0]!);
    // The contact given is left as it was.
    expect(facts.fields.custom).toEqual({});
  });

  it('skips the sends a contact may not get', () => {
    const steps = simulate(welcome, contact({ lists: { [LIST]: 'unsubscribed' } }), NOW, 's');
    expect(steps.map((s) => [s.node, s.action, s.detail ?? ''])).toEqual([
      ['welcome', 'skip', 'not_subscribed'],
      ['mark', 'skip', 'not_subscribed'],
      ['pause', 'wait', `until ${at(2 * DAY).toISOString()}`],
      ['check', 'branch', 'no'],
      ['done', 'end', ''],
    ]);
  });

  it('waits out quiet hours, times a wait for an event out, and follows removals', () => {
    const def = definition(
      [
        {
          id: 'listen',
          type: 'wait_for_event',
          event: { kind: 'custom', name: 'click' },
          timeout: { amount: 10, unit: 'hours' },
          onEvent: 'done',
          onTimeout: 'hello',
        },
        { id: 'hello', type: 'send_email', subject: 'Hi', html: '<p>Hi</p>', next: 'leave' },
        { id: 'leave', type: 'list_remove', listId: LIST, next: 'bye' },
        { id: 'bye', type: 'send_email', subject: 'Bye', html: '<p>Bye</p>', next: 'clear' },
        { id: 'clear', type: 'update_field', field: 'firstName', value: null, next: 'done' },
      ],
      quiet,
    );
    const steps = simulate(def, contact(), NOW, 's');
    // 10:00Z + 10 h = 22:00 in Rome: the send waits until 08:00 there (06:00Z).
    expect(steps).toEqual([
      {
        node: 'listen',
        at: NOW.toISOString(),
        action: 'wait_for_event',
        detail: `timeout at ${at(10 * HOUR).toISOString()}`,
      },
      {
        node: 'hello',
        at: at(10 * HOUR).toISOString(),
        action: 'wait',
        detail: 'until 2026-06-02T06:00:00.000Z (quiet_hours)',
      },
      { node: 'hello', at: '2026-06-02T06:00:00.000Z', action: 'send' },
      { node: 'leave', at: '2026-06-02T06:00:00.000Z', action: 'list_remove' },
      {
        node: 'bye',
        at: '2026-06-02T06:00:00.000Z',
        action: 'skip',
        detail: 'not_subscribed',
      },
      {
        node: 'clear',
        at: '2026-06-02T06:00:00.000Z',
        action: 'skip',
        detail: 'not_subscribed',
      },
      { node: 'done', at: '2026-06-02T06:00:00.000Z', action: 'end' },
    ]);
  });

  it('applies a removal of a field to a later condition', () => {
    const def = definition([
      { id: 'clear', type: 'update_field', field: 'custom.coupon', value: null, next: 'check' },
      {
        id: 'check',
        type: 'condition',
        condition: { type: 'field', field: 'custom.coupon', op: 'is_set' },
        yes: 'done',
        no: 'done',
      },
    ]);
    const steps = simulate(def, withCustom({ coupon: 'SAVE10' }), NOW, 's');
    expect(steps.find((s) => s.node === 'check')?.detail).toBe('no');
  });
});
