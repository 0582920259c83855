/**
 * Business hours evaluated at an instant in the brand's IANA time zone: open or closed, when the
 * current period closes, the next opening, today's holiday. Pure (the clock is an argument); DST is
 * handled by converting each local opening time to an instant with the zone's offset on that day.
 */

export const WEEKDAYS = [
  'sunday',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** "HH:MM" local times; `close` may be "24:00", and a close at or before open runs past midnight. */
export interface TimeRange {
  open: string;
  close: string;
}

export type WeeklyHours = Partial<Record<Weekday, TimeRange[]>>;

/** A closed day, or special hours on it. `date` is "YYYY-MM-DD", or "MM-DD" for every year. */
export interface Holiday {
  date: string;
  name?: string;
  hours?: TimeRange[];
}

export interface HoursStatus {
  open: boolean;
  timezone: string;
  /** Local wall clock now, e.g. "Monday 14:05". */
  localTime: string;
  /** Local date now, "YYYY-MM-DD". */
  localDate: string;
  /** Today's holiday name (or "holiday"), when today is one. */
  holiday?: string;
  /** While open: when the current opening ends. */
  closesAt?: { at: string; local: string };
  /** While closed: the next opening within two weeks. */
  nextOpening?: { at: string; local: string; inMinutes: number };
}

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;
const LOOKAHEAD_DAYS = 14;
const MINUTE_MS = 60_000;

/** Whether `tz` is an IANA zone this runtime knows. */
export function isValidTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Problems with a schedule, as "field: why" strings (empty when valid). */
export function validateSchedule(hours: WeeklyHours, holidays: readonly Holiday[]): string[] {
  const problems: string[] = [];
  const checkRanges = (where: string, ranges: readonly TimeRange[]) =>
    ranges.forEach((r, i) => {
      if (!TIME.test(r.open) || r.open === '24:00')
        problems.push(`${where}[${i}].open must be HH:MM (00:00-23:59)`);
      if (!TIME.test(r.close)) problems.push(`${where}[${i}].close must be HH:MM (00:00-24:00)`);
    });
  for (const [day, ranges] of Object.entries(hours)) {
    if (!(WEEKDAYS as readonly string[]).includes(day))
      problems.push(`businessHours.${day} is not a weekday`);
    else checkRanges(`businessHours.${day}`, ranges ?? []);
  }
  holidays.forEach((h, i) => {
    if (
      !/^(\d{4}-)?\d{2}-\d{2}$/.test(h.date) ||
      Number.isNaN(Date.parse(`2000-${h.date.slice(-5)}T00:00:00Z`))
    )
      problems.push(`holidays[${i}].date must be YYYY-MM-DD or MM-DD`);
    checkRanges(`holidays[${i}].hours`, h.hours ?? []);
  });
  return problems;
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** The wall clock in `tz` at instant `ms`. */
function wallClock(ms: number, tz: string): WallClock & { second: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(new Date(ms)))
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour! % 24,
    minute: parts.minute!,
    second: parts.second!,
  };
}

/** Offset of `tz` from UTC at instant `ms` (local minus UTC), in ms. */
function offsetMs(ms: number, tz: string): number {
  const w = wallClock(ms, tz);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant a local wall-clock time occurs in `tz`. A time skipped by a DST jump maps to the same
 * distance past the jump (02:30 → 03:30); a repeated time maps to its first occurrence.
 */
export function zonedTimeToInstant(w: WallClock, tz: string): number {
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
  const before = offsetMs(asUtc - 86_400_000, tz);
  const after = offsetMs(asUtc + 86_400_000, tz);
  const matches = (t: number) => {
    const c = wallClock(t, tz);
    return (
      c.year === w.year &&
      c.month === w.month &&
      c.day === w.day &&
      c.hour === w.hour &&
      c.minute === w.minute
    );
  };
  const valid = [asUtc - before, asUtc - after].filter(matches);
  if (valid.length) return Math.min(...valid);
  return asUtc - before;
}

function addDays(d: { year: number; month: number; day: number }, n: number) {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + n));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

const pad = (n: number) => String(n).padStart(2, '0');
const isoDate = (d: { year: number; month: number; day: number }) =>
  `${d.year}-${pad(d.month)}-${pad(d.day)}`;
const weekdayOf = (d: { year: number; month: number; day: number }): Weekday =>
  WEEKDAYS[new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay()]!;
const titleCase = (s: string) => s[0]!.toUpperCase() + s.slice(1);

function holidayOn(d: { year: number; month: number; day: number }, holidays: readonly Holiday[]) {
  const full = isoDate(d);
  return holidays.find((h) => h.date === full) ?? holidays.find((h) => h.date === full.slice(5));
}

function parseTime(t: string): { hour: number; minute: number } {
  const [h, m] = t.split(':').map(Number);
  return { hour: h!, minute: m! };
}

/** Opening intervals (instants) of local day `d`. */
function intervalsOf(
  d: { year: number; month: number; day: number },
  hours: WeeklyHours,
  holidays: readonly Holiday[],
  tz: string,
): Array<[number, number]> {
  const holiday = holidayOn(d, holidays);
  const ranges = holiday ? (holiday.hours ?? []) : (hours[weekdayOf(d)] ?? []);
  return ranges.map((r) => {
    const o = parseTime(r.open);
    const c = parseTime(r.close);
    const start = zonedTimeToInstant({ ...d, ...o }, tz);
    const endDay =
      r.close === '24:00' || c.hour * 60 + c.minute <= o.hour * 60 + o.minute ? addDays(d, 1) : d;
    const end = zonedTimeToInstant({ ...endDay, hour: c.hour % 24, minute: c.minute }, tz);
    return [start, end] as [number, number];
  });
}

function localLabel(ms: number, tz: string): string {
  const w = wallClock(ms, tz);
  return `${titleCase(weekdayOf(w))} ${pad(w.hour)}:${pad(w.minute)}`;
}

/** Evaluates the schedule at `now` in `timezone`. */
export function evaluateBusinessHours(
  hours: WeeklyHours,
  holidays: readonly Holiday[],
  timezone: string,
  now: Date,
): HoursStatus {
  const nowMs = now.getTime();
  const today = wallClock(nowMs, timezone);
  const intervals: Array<[number, number]> = [];
  // Yesterday too: an opening that runs past midnight may still be going.
  for (let i = -1; i <= LOOKAHEAD_DAYS; i++)
    intervals.push(...intervalsOf(addDays(today, i), hours, holidays, timezone));
  intervals.sort((a, b) => a[0] - b[0]);

  const status: HoursStatus = {
    open: false,
    timezone,
    localTime: localLabel(nowMs, timezone),
    localDate: isoDate(today),
  };
  const holiday = holidayOn(today, holidays);
  if (holiday) status.holiday = holiday.name ?? 'holiday';

  const current = intervals.find(([s, e]) => s <= nowMs && nowMs < e);
  if (current) {
    status.open = true;
    // Back-to-back openings (e.g. 00:00-24:00 every day) read as one.
    let end = current[1];
    for (const [s, e] of intervals) if (s <= end && e > end) end = e;
    // Open for the whole look-ahead: around the clock, no closing to announce.
    if (end - nowMs < 7 * 86_400_000)
      status.closesAt = { at: new Date(end).toISOString(), local: localLabel(end, timezone) };
    return status;
  }
  const next = intervals.find(([s]) => s > nowMs);
  if (next)
    status.nextOpening = {
      at: new Date(next[0]).toISOString(),
      local: localLabel(next[0], timezone),
      inMinutes: Math.ceil((next[0] - nowMs) / MINUTE_MS),
    };
  return status;
}

/** One sentence for the system prompt. */
export function describeHours(s: HoursStatus): string {
  const where = `${s.localTime} ${s.timezone}`;
  if (s.open)
    return s.closesAt
      ? `Open now (${where}); closes ${s.closesAt.local}.`
      : `Open now (${where}), around the clock.`;
  const why = s.holiday ? ` for ${s.holiday}` : '';
  const next = s.nextOpening
    ? ` Next opening: ${s.nextOpening.local}.`
    : ' No opening in the next two weeks.';
  return `Closed now${why} (${where}).${next}`;
}

/** The weekly schedule as text, e.g. "Monday 09:00-17:00; Tuesday closed; ...". */
export function describeWeek(hours: WeeklyHours): string {
  const order: Weekday[] = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
  return order
    .map((d) => {
      const ranges = hours[d] ?? [];
      return `${titleCase(d)} ${ranges.length ? ranges.map((r) => `${r.open}-${r.close}`).join(', ') : 'closed'}`;
    })
    .join('; ');
}
