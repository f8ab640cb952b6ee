/**
 * The deadlines of a rights request (GDPR Art. 12(3)): an answer within one month of receipt,
 * extendable by two further months at most, with reminders to the tenant's staff before the
 * due date. Months are calendar months in UTC; a day the target month lacks falls on its last
 * day (received 31 January, due 28 or 29 February).
 */

/** Reminders to staff, this long before the due date. */
export const REMINDER_DAYS_BEFORE = [7, 1] as const;

/** How long a subject has to follow the verification link before the request is rejected. */
export const VERIFICATION_DAYS = 14;

/** How long an access archive can be downloaded after it was built. */
export const ARCHIVE_DAYS = 30;

/** Most months a deadline may be extended by, in all. */
export const MAX_EXTENSION_MONTHS = 2;

const DAY_MS = 86_400_000;

/** `at` plus `months` calendar months (UTC), clamped to the target month's last day. */
export function addMonths(at: Date, months: number): Date {
  const target = new Date(at);
  const day = target.getUTCDate();
  target.setUTCDate(1);
  target.setUTCMonth(target.getUTCMonth() + months);
  const lastDay = new Date(
    Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0),
  ).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return target;
}

/** The due date of a request received at `receivedAt`, extended by `extendedMonths`. */
export const dueDateOf = (receivedAt: Date, extendedMonths = 0): Date =>
  addMonths(receivedAt, 1 + extendedMonths);

/** The times staff are reminded of a request due at `dueAt`, earliest first. */
export const reminderTimesOf = (dueAt: Date): Date[] =>
  REMINDER_DAYS_BEFORE.map((d) => new Date(dueAt.getTime() - d * DAY_MS));

/** When an unverified request received at `receivedAt` is rejected. */
export const verificationEndsAt = (receivedAt: Date): Date =>
  new Date(receivedAt.getTime() + VERIFICATION_DAYS * DAY_MS);

/** Until when an archive built at `at` can be downloaded. */
export const archiveExpiresAt = (at: Date): Date => new Date(at.getTime() + ARCHIVE_DAYS * DAY_MS);
