/**
 * Time in the contact's own time zone, for automations: the next local time on allowed days,
 * the end of quiet hours, the next occurrence of a date field (a birthday) plus an offset.
 * Wall-clock arithmetic across daylight-saving changes is luxon's, not ours: a local time that
 * does not exist on a spring-forward day is moved forward by the gap, and which of the two
 * instants of a repeated hour on a fall-back day is meant is luxon's choice (it keeps the
 * offset of the day it starts from); either is a correct local time.
 */
import { DateTime, IANAZone } from 'luxon';

/** Days of the week, Monday first (luxon's weekday 1–7). */
export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof weekdays)[number];

/** A local time of day, `HH:MM` on a 24-hour clock. */
export const localTimePattern = /^([01]\d|2[0-3]):[0-5]\d$/;

/** Units of a duration. */
export type DurationUnit = 'minutes' | 'hours' | 'days' | 'weeks';

const unitMs: Record<DurationUnit, number> = {
  minutes: 60_000,
  hours: 3_600_000,
  days: 86_400_000,
  weeks: 7 * 86_400_000,
};

/** A duration's length; a day is 24 hours (a delay counts time, not calendar days). */
export const durationMs = (amount: number, unit: DurationUnit): number => amount * unitMs[unit];

/** Whether `zone` is an IANA time zone name (or UTC). */
export const isValidTimeZone = (zone: string): boolean =>
  zone.length > 0 && IANAZone.isValidZone(zone);

const hm = (time: string) => {
  const [h, m] = time.split(':').map(Number);
  return { hour: h!, minute: m! };
};

/**
 * The first instant after `after` whose local time in `zone` is `at.time`, on one of
 * `at.days` (every day when none are named).
 */
export function nextLocalTime(
  after: Date,
  at: { time: string; days?: readonly Weekday[] },
  zone: string,
): Date {
  const allowed = at.days && at.days.length > 0 ? at.days : weekdays;
  const start = DateTime.fromJSDate(after, { zone });
  for (let day = 0; day <= 8; day++) {
    const candidate = start.plus({ days: day }).set({ ...hm(at.time), second: 0, millisecond: 0 });
    if (candidate.toMillis() <= after.getTime()) continue;
    if (allowed.includes(weekdays[candidate.weekday - 1]!)) return candidate.toJSDate();
  }
  throw new RangeError('no allowed day within a week');
}

/**
 * `at` itself when the local time in `zone` is outside quiet hours, else the instant they end.
 * Quiet hours may span midnight (21:00–08:00); start is inside, end is not; equal start and
 * end mean none.
 */
export function afterQuietHours(
  at: Date,
  quiet: { start: string; end: string },
  zone: string,
): Date {
  if (quiet.start === quiet.end) return at;
  const local = DateTime.fromJSDate(at, { zone });
  const minutes = local.hour * 60 + local.minute;
  const start = hm(quiet.start).hour * 60 + hm(quiet.start).minute;
  const end = hm(quiet.end).hour * 60 + hm(quiet.end).minute;
  const inside =
    start < end ? minutes >= start && minutes < end : minutes >= start || minutes < end;
  return inside ? nextLocalTime(at, { time: quiet.end }, zone) : at;
}

/** The year, month and day of a date field's value (`YYYY-MM-DD`, `--MM-DD` or an ISO date-time). */
function dateParts(value: string): { year?: number; month: number; day: number } | null {
  const yearless = /^--(\d{2})-(\d{2})$/.exec(value);
  if (yearless) {
    const [month, day] = [Number(yearless[1]), Number(yearless[2])];
    return DateTime.fromObject({ year: 2000, month, day }).isValid ? { month, day } : null;
  }
  const full = /^(\d{4})-(\d{2})-(\d{2})(T.*)?$/.exec(value);
  if (!full) return null;
  const parts = { year: Number(full[1]), month: Number(full[2]), day: Number(full[3]) };
  return DateTime.fromObject(parts).isValid ? parts : null;
}

/** The date in `year`, 29 February falling on the 28th in a year without it. */
function inYear(year: number, month: number, day: number, zone: string) {
  const first = DateTime.fromObject({ year, month, day: 1 }, { zone });
  return first.set({ day: Math.min(day, first.daysInMonth!) });
}

/**
 * When a date field comes due: local `time` in `zone` on the date plus `offsetDays`. Yearly
 * (birthdays, anniversaries): the first such instant after `after`; otherwise the one instant,
 * or null when it is not after `after`. Null for a value that is not a date.
 */
export function nextDateOccurrence(
  after: Date,
  value: string,
  opts: { offsetDays: number; time: string; zone: string; yearly: boolean },
): Date | null {
  const parts = dateParts(value.trim());
  if (!parts) return null;
  const at = (year: number) =>
    inYear(year, parts.month, parts.day, opts.zone)
      .plus({ days: opts.offsetDays })
      .set({ ...hm(opts.time), second: 0, millisecond: 0 });
  if (!opts.yearly) {
    if (parts.year === undefined) return null;
    const once = at(parts.year);
    return once.toMillis() > after.getTime() ? once.toJSDate() : null;
  }
  const thisYear = DateTime.fromJSDate(after, { zone: opts.zone }).year;
  for (let year = thisYear - 1; year <= thisYear + 2; year++) {
    const candidate = at(year);
    if (candidate.toMillis() > after.getTime()) return candidate.toJSDate();
  }
  return null;
}
