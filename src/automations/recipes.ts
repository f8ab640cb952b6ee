/**
 * Ready definitions a marketer starts from, for one of their lists: a welcome series, a
 * consent-expiry reminder in the tenant's own words (the consent renewal itself stays the
 * list's policy, whose renewal mail carries the link that renews), a re-permission of the
 * inactive and a birthday mail. Each is a valid definition as it is (a test checks) and is
 * created as a draft like any other, to be reworded before it is published.
 */
import type { AutomationDefinition } from '../domain/automation-definition';

/** A recipe: what it is for, and its definition for a list. */
export interface Recipe {
  id: string;
  name: string;
  description: string;
  definition: AutomationDefinition;
}

const quietNights = { start: '21:00', end: '08:00' };
const yearly = { mode: 'interval', interval: { amount: 300, unit: 'days' } } as const;

/** The recipes, for `listId`. */
export function recipesFor(listId: string): Recipe[] {
  return [
    {
      id: 'welcome-series',
      name: 'Welcome series',
      description:
        'A welcome mail as soon as a contact confirms, then two days later a getting-started mail unless they already bought (a custom event `purchase`).',
      definition: {
        entry: { type: 'list_confirmed', listId, next: 'welcome' },
        nodes: [
          {
            id: 'welcome',
            type: 'send_email',
            subject: 'Welcome, {{ contact.firstName | default: "and thank you" }}',
            html: '<h1>Welcome!</h1><p>Thank you for subscribing. Here is what to expect from us.</p>',
            next: 'two_days',
          },
          {
            id: 'two_days',
            type: 'delay',
            wait: { kind: 'duration', amount: 2, unit: 'days' },
            next: 'bought',
          },
          {
            id: 'bought',
            type: 'condition',
            condition: { type: 'event', name: 'purchase', withinDays: 30 },
            yes: 'done',
            no: 'getting_started',
          },
          {
            id: 'getting_started',
            type: 'send_email',
            subject: 'Getting started',
            html: '<p>Three things our subscribers like most, to get you started.</p>',
            next: 'done',
          },
          { id: 'done', type: 'end' },
        ],
        settings: { quietHours: quietNights, reentry: { mode: 'never' } },
      },
    },
    {
      id: 'consent-expiry-reminder',
      name: 'Consent expiry reminder',
      description:
        'Thirty days before a contact’s consent on the list expires (by the list’s consent policy), a mail in your own words announcing the renewal request; the renewal itself is the policy’s mail with its link.',
      definition: {
        entry: { type: 'consent_expiring', listId, daysBefore: 30, next: 'remind' },
        nodes: [
          {
            id: 'remind',
            type: 'send_email',
            subject: 'Shall we keep writing to you?',
            html: '<p>Your consent to our mail runs out soon. In a few weeks we will ask you to renew it: one click in that message keeps you subscribed. You can change what you receive at any time with the link below.</p>',
            next: 'done',
          },
          { id: 'done', type: 'end' },
        ],
        settings: { quietHours: quietNights, reentry: yearly },
      },
    },
    {
      id: 're-permission',
      name: 'Re-permission of the inactive',
      description:
        'A contact inactive for 180 days is asked whether they still want the mail; without a sign of interest (a custom event `reengaged`) within 14 days, they are unsubscribed from the list.',
      definition: {
        entry: { type: 'inactive', listId, days: 180, next: 'ask' },
        nodes: [
          {
            id: 'ask',
            type: 'send_email',
            subject: 'Do you still want to hear from us?',
            html: '<p>We have not seen you for a while. If you still want our mail, let us know; otherwise we will stop writing in two weeks.</p>',
            next: 'answer',
          },
          {
            id: 'answer',
            type: 'wait_for_event',
            event: { kind: 'custom', name: 'reengaged' },
            timeout: { amount: 14, unit: 'days' },
            onEvent: 'done',
            onTimeout: 'remove',
          },
          { id: 'remove', type: 'list_remove', listId, next: 'done' },
          { id: 'done', type: 'end' },
        ],
        settings: { reentry: { mode: 'after_exit' } },
      },
    },
    {
      id: 'birthday',
      name: 'Birthday',
      description:
        'On the contact’s birthday (the custom field `birthday`, YYYY-MM-DD or --MM-DD), a mail at 09:00 in their time zone (the custom field `timezone`, else the automation’s). The daily sweep lets the contact in the day before, so the mail is never late.',
      definition: {
        entry: {
          type: 'date_field',
          listId,
          field: 'custom.birthday',
          offsetDays: -1,
          next: 'morning',
        },
        nodes: [
          {
            id: 'morning',
            type: 'delay',
            wait: {
              kind: 'date_field',
              field: 'custom.birthday',
              offsetDays: 0,
              time: '09:00',
              yearly: true,
            },
            next: 'wish',
          },
          {
            id: 'wish',
            type: 'send_email',
            subject: 'Happy birthday, {{ contact.firstName | default: "friend" }}!',
            html: '<p>All the best for your birthday from all of us.</p>',
            next: 'done',
          },
          { id: 'done', type: 'end' },
        ],
        settings: { reentry: yearly, timezone: 'UTC' },
      },
    },
  ];
}
