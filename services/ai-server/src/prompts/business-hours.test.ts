import { describe, expect, it } from 'vitest';
import {
  describeHours,
  evaluateBusinessHours,
  type Holiday,
  validateSchedule,
  type WeeklyHours,
  zonedTimeToInstant,
} from './business-hours.ts';

const weekdays9to5: WeeklyHours = {
  monday: [{ open: '09:00', close: '17:00' }],
  tuesday: [{ open: '09:00', close: '17:00' }],
  wednesday: [{ open: '09:00', close: '17:00' }],
  thursday: [{ open: '09:00', close: '17:00' }],
  friday: [{ open: '09:00', close: '17:00' }],
};
const at = (iso: string) => new Date(iso);

describe('evaluateBusinessHours', () => {
  it('is open during hours and names the closing time (New York, winter)', () => {
    // Monday 2026-02-02 14:00 EST = 19:00Z.
    const s = evaluateBusinessHours(weekdays9to5, [], 'America/New_York', at('2026-02-02T19:00:00Z'));
    expect(s).toMatchObject({ open: true, localTime: 'Monday 14:00', localDate: '2026-02-02' });
    expect(s.closesAt).toEqual({ at: '2026-02-02T22:00:00.000Z', local: 'Monday 17:00' });
    expect(describeHours(s)).toBe('Open now (Monday 14:00 America/New_York); closes Monday 17:00.');
  });

  it('is closed after hours with the next opening after the weekend', () => {
    const s = evaluateBusinessHours(weekdays9to5, [], 'America/New_York', at('2026-02-06T23:30:00Z'));
    expect(s.open).toBe(false);
    expect(s.localTime).toBe('Friday 18:30');
    expect(s.nextOpening).toEqual({
      at: '2026-02-09T14:00:00.000Z',
      local: 'Monday 09:00',
      inMinutes: 62 * 60 + 30,
    });
  });

  it('crosses the spring DST jump: the next opening uses the new offset', () => {
    // Saturday 2026-03-07 12:00 EST; clocks go forward Sunday 2026-03-08; Monday 09:00 EDT = 13:00Z.
    const s = evaluateBusinessHours(weekdays9to5, [], 'America/New_York', at('2026-03-07T17:00:00Z'));
    expect(s.nextOpening?.at).toBe('2026-03-09T13:00:00.000Z');
    expect(s.nextOpening?.inMinutes).toBe(44 * 60);
  });

  it('crosses the autumn DST change in London', () => {
    // Saturday 2026-10-24 12:00 BST (11:00Z); clocks go back Sunday 25th; Monday 09:00 GMT = 09:00Z.
    const s = evaluateBusinessHours(weekdays9to5, [], 'Europe/London', at('2026-10-24T11:00:00Z'));
    expect(s.localTime).toBe('Saturday 12:00');
    expect(s.nextOpening?.at).toBe('2026-10-26T09:00:00.000Z');
    expect(s.nextOpening?.inMinutes).toBe(46 * 60);
  });

  it('uses the local date, not the UTC date (Sydney, southern summer time)', () => {
    // 2026-01-05T23:30Z is Tuesday 10:30 AEDT (UTC+11) while UTC is still Monday.
    const s = evaluateBusinessHours(
      { tuesday: [{ open: '10:00', close: '11:00' }] },
      [],
      'Australia/Sydney',
      at('2026-01-05T23:30:00Z'),
    );
    expect(s).toMatchObject({ open: true, localTime: 'Tuesday 10:30', localDate: '2026-01-06' });
    expect(s.closesAt?.at).toBe('2026-01-06T00:00:00.000Z');
  });

  it('handles half-hour offsets (Kolkata)', () => {
    const s = evaluateBusinessHours(weekdays9to5, [], 'Asia/Kolkata', at('2026-02-02T03:29:00Z'));
    expect(s).toMatchObject({ open: false, localTime: 'Monday 08:59' });
    expect(s.nextOpening).toMatchObject({ at: '2026-02-02T03:30:00.000Z', inMinutes: 1 });
  });

  it('closes on a holiday (yearly MM-DD form) and opens with special hours on another', () => {
    const holidays: Holiday[] = [
      { date: '12-25', name: 'Christmas Day' },
      { date: '2026-12-24', name: 'Christmas Eve', hours: [{ open: '09:00', close: '12:00' }] },
    ];
    // Friday 2026-12-25 10:00 in Paris.
    const xmas = evaluateBusinessHours(weekdays9to5, holidays, 'Europe/Paris', at('2026-12-25T09:00:00Z'));
    expect(xmas).toMatchObject({ open: false, holiday: 'Christmas Day' });
    expect(xmas.nextOpening?.local).toBe('Monday 09:00');
    expect(describeHours(xmas)).toBe(
      'Closed now for Christmas Day (Friday 10:00 Europe/Paris). Next opening: Monday 09:00.',
    );
    const eve = evaluateBusinessHours(weekdays9to5, holidays, 'Europe/Paris', at('2026-12-24T12:30:00Z'));
    expect(eve).toMatchObject({ open: false, holiday: 'Christmas Eve', localTime: 'Thursday 13:30' });
    const eveMorning = evaluateBusinessHours(
      weekdays9to5,
      holidays,
      'Europe/Paris',
      at('2026-12-24T09:00:00Z'),
    );
    expect(eveMorning.closesAt?.local).toBe('Thursday 12:00');
  });

  it('keeps an overnight opening that started yesterday', () => {
    const hours: WeeklyHours = { friday: [{ open: '22:00', close: '02:00' }] };
    const s = evaluateBusinessHours(hours, [], 'UTC', at('2026-02-07T01:00:00Z'));
    expect(s).toMatchObject({ open: true, localTime: 'Saturday 01:00' });
    expect(s.closesAt?.local).toBe('Saturday 02:00');
  });

  it('reads back-to-back days as open around the clock', () => {
    const all = Object.fromEntries(
      ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((d) => [
        d,
        [{ open: '00:00', close: '24:00' }],
      ]),
    ) as WeeklyHours;
    const s = evaluateBusinessHours(all, [], 'America/Chicago', at('2026-03-08T08:30:00Z'));
    expect(s.open).toBe(true);
    expect(s.closesAt).toBeUndefined();
    expect(describeHours(s)).toMatch(/around the clock/);
  });

  it('has no next opening with an empty schedule', () => {
    const s = evaluateBusinessHours({}, [], 'UTC', at('2026-02-02T12:00:00Z'));
    expect(s.open).toBe(false);
    expect(s.nextOpening).toBeUndefined();
    expect(describeHours(s)).toMatch(/No opening in the next two weeks/);
  });
});

describe('zonedTimeToInstant', () => {
  it('moves a time skipped by DST past the jump and takes the first of a repeated time', () => {
    expect(
      new Date(
        zonedTimeToInstant({ year: 2026, month: 3, day: 8, hour: 2, minute: 30 }, 'America/New_York'),
      ).toISOString(),
    ).toBe('2026-03-08T07:30:00.000Z');
    expect(
      new Date(
        zonedTimeToInstant({ year: 2026, month: 11, day: 1, hour: 1, minute: 30 }, 'America/New_York'),
      ).toISOString(),
    ).toBe('2026-11-01T05:30:00.000Z');
  });
});

describe('validateSchedule', () => {
  it('names bad fields', () => {
    expect(
      validateSchedule({ monday: [{ open: '9am', close: '17:00' }], funday: [] } as unknown as WeeklyHours, [
        { date: '2026-13-01' },
      ]),
    ).toEqual([
      'businessHours.monday[0].open must be HH:MM (00:00-23:59)',
      'businessHours.funday is not a weekday',
      'holidays[0].date must be YYYY-MM-DD or MM-DD',
    ]);
    expect(validateSchedule(weekdays9to5, [{ date: '12-25' }])).toEqual([]);
  });
});
