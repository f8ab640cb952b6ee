/**
 * Entries that no event announces, found by a daily sweep of each list they name: consent on
 * the list expiring within N days (by the list's consent policy), a member inactive for N days,
 * a date field (a birthday) coming due, plus an offset, in the contact's time zone. The sweep
 * (activities/automation-sweep.ts) asks this module whether a member is due; the re-entry rule
 * keeps a member from entering twice for the same occasion (set an interval for yearly dates).
 */
import type { Entry } from '../domain/automation-definition';
import type { ListMembership } from '../db/models/contact';
import { nextDateOccurrence } from './timing';

const DAY = 86_400_000;

/** The entry types the sweep serves. */
export const timedEntryTypes = ['consent_expiring', 'inactive', 'date_field'] as const;
export type TimedEntry = Extract<Entry, { type: (typeof timedEntryTypes)[number] }>;

/** Whether an entry is served by the sweep. */
export const isTimedEntry = (entry: Entry): entry is TimedEntry =>
  (timedEntryTypes as readonly string[]).includes(entry.type);

/** What the sweep knows of a member. */
export interface SweptMember {
  membership: ListMembership;
  lastActivityAt?: Date;
  /** The value of the date field the entry names, if the contact has one. */
  dateValue?: string;
  zone: string;
}

/**
 * Whether the member is due to enter at `now`. `validityDays`: the list's consent validity
 * (consent expiring never comes due on a list without a consent policy).
 */
export function timedEntryDue(
  entry: TimedEntry,
  member: SweptMember,
  now: Date,
  validityDays?: number,
): boolean {
  const m = member.membership;
  switch (entry.type) {
    case 'consent_expiring': {
      const from = m.renewedAt ?? m.confirmedAt;
      if (validityDays === undefined || !from) return false;
      const expiresAt = from.getTime() + validityDays * DAY;
      return now.getTime() >= expiresAt - entry.daysBefore * DAY && now.getTime() < expiresAt;
    }
    case 'inactive': {
      const signs = [member.lastActivityAt, m.renewedAt, m.confirmedAt, m.subscribedAt]
        .filter((d): d is Date => d instanceof Date)
        .map((d) => d.getTime());
      return Math.max(...signs) + entry.days * DAY <= now.getTime();
    }
    case 'date_field': {
      if (!member.dateValue) return false;
      // The occurrence within the day before the sweep: a daily sweep sees each once.
      const next = nextDateOccurrence(new Date(now.getTime() - DAY), member.dateValue, {
        offsetDays: entry.offsetDays,
        time: '00:00',
        zone: member.zone,
        yearly: true,
      });
      return next !== null && next.getTime() <= now.getTime();
    }
  }
}
