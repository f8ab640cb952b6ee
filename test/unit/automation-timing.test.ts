import {
  afterQuietHours,
  durationMs,
  isValidTimeZone,
  localTimePattern,
  nextDateOccurrence,
  nextLocalTime,
  weekdays,
} from '../../src/automations/timing';

const NOW = new Date('2026-06-01T10:00:00Z'); // a Monday
const iso = (d: Date | null) => d?.toISOString() ?? null;

describe('durationMs', () => {
  it('counts minutes, hours, days of 24 hours and weeks', () => {
    expect(durationMs(5, 'minutes')).toBe(5 * 60_000);
    expect(durationMs(2, 'hours')).toBe(2 * 3_600_000);
    expect(durationMs(3, 'days')).toBe(3 * 86_400_000);
    expect(durationMs(1, 'weeks')).toBe(7 * 86_400_000);
  });
});

describe('isValidTimeZone', () => {
  it('accepts IANA names and UTC, nothing else', () => {
    expect(isValidTimeZone('Europe/Rome')).toBe(true);
    expect(isValidTimeZone('America/Argentina/Buenos_Aires')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('')).toBe(false);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimeZone('Europe/Rome; drop')).toBe(false);
  });
});

describe('localTimePattern and weekdays', () => {
  it('take 24-hour HH:MM and the days Monday first', () => {
    expect(['00:00', '09:30', '23:59'].every((t) => localTimePattern.test(t))).toBe(true);
    expect(['24:00', '9:30', '12:60', '12:00:00'].some((t) => localTimePattern.test(t))).toBe(
      false,
    );
    expect(weekdays).toEqual(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
  });
});

describe('nextLocalTime', () => {
  it('is later the same day when the time is still to come, else the next day', () => {
    expect(iso(nextLocalTime(NOW, { time: '15:45' }, 'UTC'))).toBe('2026-06-01T15:45:00.000Z');
    expect(iso(nextLocalTime(NOW, { time: '09:59' }, 'UTC'))).toBe('2026-06-02T09:59:00.000Z');
  });

  it('is strictly after the instant given', () => {
    expect(iso(nextLocalTime(NOW, { time: '10:00' }, 'UTC'))).toBe('2026-06-02T10:00:00.000Z');
    const justBefore = new Date('2026-06-01T09:59:59.999Z');
    expect(iso(nextLocalTime(justBefore, { time: '10:00' }, 'UTC'))).toBe(
      '2026-06-01T10:00:00.000Z',
    );
  });

  it('reads the time in the zone given', () => {
    // 12:00 in Rome (CEST): 18:00 there is 16:00Z; in Tokyo it is 19:00, so 09:00 is tomorrow.
    expect(iso(nextLocalTime(NOW, { time: '18:00' }, 'Europe/Rome'))).toBe(
      '2026-06-01T16:00:00.000Z',
    );
    expect(iso(nextLocalTime(NOW, { time: '09:00' }, 'Asia/Tokyo'))).toBe(
      '2026-06-02T00:00:00.000Z',
    );
    // In Los Angeles it is 03:00 (PDT): 02:00 comes tomorrow there.
    expect(iso(nextLocalTime(NOW, { time: '02:00' }, 'America/Los_Angeles'))).toBe(
      '2026-06-02T09:00:00.000Z',
    );
  });

  it('keeps to the allowed days, in the zone’s calendar', () => {
    expect(iso(nextLocalTime(NOW, { time: '09:00', days: ['wed'] }, 'UTC'))).toBe(
      '2026-06-03T09:00:00.000Z',
    );
    expect(iso(nextLocalTime(NOW, { time: '11:00', days: ['mon', 'fri'] }, 'UTC'))).toBe(
      '2026-06-01T11:00:00.000Z',
    );
    // Monday 09:00 is past: a whole week on.
    expect(iso(nextLocalTime(NOW, { time: '09:00', days: ['mon'] }, 'UTC'))).toBe(
      '2026-06-08T09:00:00.000Z',
    );
    // At 10:00Z Monday it is 19:00 Monday in Tokyo: Tuesday 08:00 there is Monday 23:00Z.
    expect(iso(nextLocalTime(NOW, { time: '08:00', days: ['tue'] }, 'Asia/Tokyo'))).toBe(
      '2026-06-01T23:00:00.000Z',
    );
    // No days named means every day.
    expect(iso(nextLocalTime(NOW, { time: '09:00', days: [] }, 'UTC'))).toBe(
      '2026-06-02T09:00:00.000Z',
    );
  });

  it('moves a time that does not exist on a spring-forward day on by the gap', () => {
    // Rome springs from 02:00 to 03:00 on 29 March 2026: 02:30 becomes 03:30 CEST (01:30Z).
    const saturday = new Date('2026-03-28T12:00:00Z');
    expect(iso(nextLocalTime(saturday, { time: '02:30' }, 'Europe/Rome'))).toBe(
      '2026-03-29T01:30:00.000Z',
    );
    // Across the change, 09:00 stays 09:00 local: 08:00Z before it, 07:00Z after.
    expect(iso(nextLocalTime(saturday, { time: '09:00' }, 'Europe/Rome'))).toBe(
      '2026-03-29T07:00:00.000Z',
    );
  });
});

describe('afterQuietHours', () => {
  const overnight = { start: '21:00', end: '08:00' };
  const rome = 'Europe/Rome';

  it('returns the instant itself outside quiet hours', () => {
    const noon = new Date('2026-06-01T10:00:00Z'); // 12:00 in Rome
    expect(afterQuietHours(noon, overnight, rome)).toBe(noon);
    const justBefore = new Date('2026-06-01T18:59:00Z'); // 20:59
    expect(afterQuietHours(justBefore, overnight, rome)).toBe(justBefore);
  });

  it('gives the end of quiet hours that span midnight, on either side of it', () => {
    expect(iso(afterQuietHours(new Date('2026-06-01T20:30:00Z'), overnight, rome))).toBe(
      '2026-06-02T06:00:00.000Z',
    );
    expect(iso(afterQuietHours(new Date('2026-06-02T03:00:00Z'), overnight, rome))).toBe(
      '2026-06-02T06:00:00.000Z',
    );
  });

  it('takes the start as inside and the end as outside', () => {
    const start = new Date('2026-06-01T19:00:00Z'); // 21:00
    expect(iso(afterQuietHours(start, overnight, rome))).toBe('2026-06-02T06:00:00.000Z');
    const end = new Date('2026-06-02T06:00:00Z'); // 08:00
    expect(afterQuietHours(end, overnight, rome)).toBe(end);
  });

  it('handles a window within one day, and none when start and end are equal', () => {
    const lunch = { start: '12:00', end: '14:00' };
    expect(iso(afterQuietHours(NOW, lunch, rome))).toBe('2026-06-01T12:00:00.000Z');
    const morning = new Date('2026-06-01T08:00:00Z'); // 10:00
    expect(afterQuietHours(morning, lunch, rome)).toBe(morning);
    expect(afterQuietHours(NOW, { start: '12:00', end: '12:00' }, rome)).toBe(NOW);
  });

  it('reads the window in the zone given', () => {
    // 20:30Z is 22:30 in Rome, 16:30 in New York, 20:30 in UTC and 05:30 tomorrow in Tokyo.
    const at = new Date('2026-06-01T20:30:00Z');
    expect(afterQuietHours(at, overnight, 'America/New_York')).toBe(at);
    expect(afterQuietHours(at, overnight, 'UTC')).toBe(at);
    expect(iso(afterQuietHours(at, overnight, 'Asia/Tokyo'))).toBe('2026-06-01T23:00:00.000Z');
  });
});

describe('nextDateOccurrence', () => {
  const once = { offsetDays: 0, time: '09:00', zone: 'UTC', yearly: false };
  const yearly = { ...once, yearly: true };

  it('gives the one instant of a full date, or null once it is past', () => {
    expect(iso(nextDateOccurrence(NOW, '2026-06-10', once))).toBe('2026-06-10T09:00:00.000Z');
    expect(iso(nextDateOccurrence(NOW, '2026-06-01', { ...once, time: '10:01' }))).toBe(
      '2026-06-01T10:01:00.000Z',
    );
    expect(nextDateOccurrence(NOW, '2026-06-01', { ...once, time: '10:00' })).toBeNull();
    expect(nextDateOccurrence(NOW, '2025-12-31', once)).toBeNull();
  });

  it('applies the offset in days and the local time in the zone', () => {
    const rome = { ...once, zone: 'Europe/Rome', offsetDays: -10 };
    expect(iso(nextDateOccurrence(NOW, '2026-07-05', rome))).toBe('2026-06-25T07:00:00.000Z');
    expect(iso(nextDateOccurrence(NOW, '2026-06-20', { ...once, offsetDays: 15 }))).toBe(
      '2026-07-05T09:00:00.000Z',
    );
  });

  it('takes the date of an ISO date-time and trims spaces', () => {
    expect(iso(nextDateOccurrence(NOW, '2026-06-10T23:30:00+02:00', once))).toBe(
      '2026-06-10T09:00:00.000Z',
    );
    expect(iso(nextDateOccurrence(NOW, ' 2026-06-10 ', once))).toBe('2026-06-10T09:00:00.000Z');
  });

  it('gives null for what is not a date, and for a date without a year that is not yearly', () => {
    for (const value of ['', 'soon', '2026-02-30', '2026-13-01', '10/06/2026', '--02-30'])
      expect(nextDateOccurrence(NOW, value, yearly)).toBeNull();
    expect(nextDateOccurrence(NOW, '--06-10', once)).toBeNull();
  });

  it('finds the next birthday, this year or next', () => {
    expect(iso(nextDateOccurrence(NOW, '1990-06-10', yearly))).toBe('2026-06-10T09:00:00.000Z');
    expect(iso(nextDateOccurrence(NOW, '1990-03-10', yearly))).toBe('2027-03-10T09:00:00.000Z');
    expect(iso(nextDateOccurrence(NOW, '--12-24', yearly))).toBe('2026-12-24T09:00:00.000Z');
    // Today, but the time is past: next year.
    expect(iso(nextDateOccurrence(NOW, '--06-01', yearly))).toBe('2027-06-01T09:00:00.000Z');
  });

  it('takes 29 February as the 28th in a year without it', () => {
    expect(iso(nextDateOccurrence(NOW, '--02-29', yearly))).toBe('2027-02-28T09:00:00.000Z');
    expect(iso(nextDateOccurrence(NOW, '2000-02-29', yearly))).toBe('2027-02-28T09:00:00.000Z');
    const in2027 = new Date('2027-06-01T00:00:00Z');
    expect(iso(nextDateOccurrence(in2027, '--02-29', yearly))).toBe('2028-02-29T09:00:00.000Z');
  });

  it('with an offset, counts from the occurrence that falls after the instant', () => {
    // A week before a birthday on 3 June: 27 May is past, so 27 May next year.
    expect(iso(nextDateOccurrence(NOW, '--06-03', { ...yearly, offsetDays: -7 }))).toBe(
      '2027-05-27T09:00:00.000Z',
    );
    // Ten days after a birthday on 25 May this year: 4 June, still to come.
    expect(iso(nextDateOccurrence(NOW, '--05-25', { ...yearly, offsetDays: 10 }))).toBe(
      '2026-06-04T09:00:00.000Z',
    );
    // Early in January, ten days after last year's 31 December is still to come.
    const newYear = new Date('2026-01-05T00:00:00Z');
    expect(iso(nextDateOccurrence(newYear, '--12-31', { ...yearly, offsetDays: 10 }))).toBe(
      '2026-01-10T09:00:00.000Z',
    );
    // A day after 31 December last year falls on 1 January this year (past): 1 January 2027.
    expect(iso(nextDateOccurrence(NOW, '--12-31', { ...yearly, offsetDays: 1 }))).toBe(
      '2027-01-01T09:00:00.000Z',
    );
  });
});
