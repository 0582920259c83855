/**
 * Wall-clock times in a brand's time zone, with nothing but Intl: which day it is there, the instant
 * of "tomorrow 14:00" there (as ISO 8601 with that day's offset), and how an instant reads there.
 */

/** True when `zone` is an IANA time zone Intl knows. */
export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsIn(zone: string, at: Date): LocalParts {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, f);
  }
  const get = (type: string) => Number(f.formatToParts(at).find((p) => p.type === type)?.value ?? 0);
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
  };
}

/** The zone's offset from UTC at `at`, in minutes (e.g. -300 for New York in winter). */
export function offsetMinutes(zone: string, at: Date): number {
  const p = partsIn(zone, at);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return Math.round((asUtc - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}

/** `YYYY-MM-DD` of `at` in `zone`. */
export function localDate(zone: string, at: Date): string {
  const p = partsIn(zone, at);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

/** Resolves `today`, `tomorrow` or `YYYY-MM-DD` to a date in `zone`, relative to `now`. */
export function resolveDay(day: string, zone: string, now: Date): string {
  if (day === 'today') return localDate(zone, now);
  if (day === 'tomorrow') {
    const [y, m, d] = localDate(zone, now).split('-').map(Number) as [number, number, number];
    return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
  }
  return day;
}

/** The instant of local `date` `HH:MM` in `zone`. */
export function zonedInstant(date: string, hhmm: string, zone: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const [hh, mm] = hhmm.split(':').map(Number) as [number, number];
  const guess = Date.UTC(y, m - 1, d, hh, mm);
  // two passes settle the offset, also next to a daylight-saving change
  let at = guess - offsetMinutes(zone, new Date(guess)) * 60_000;
  at = guess - offsetMinutes(zone, new Date(at)) * 60_000;
  return new Date(at);
}

/** ISO 8601 with the zone's offset, e.g. `2026-12-07T14:00:00-05:00`. */
export function zonedIso(at: Date, zone: string): string {
  const offset = offsetMinutes(zone, at);
  const p = partsIn(zone, at);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return (
    `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

/** How `at` reads in `zone`: its date and `HH:MM`. */
export function localDateTime(at: Date, zone: string): { date: string; time: string } {
  const p = partsIn(zone, at);
  return { date: `${p.year}-${pad(p.month)}-${pad(p.day)}`, time: `${pad(p.hour)}:${pad(p.minute)}` };
}

/** A window as people say it: `Mon 7 Dec, 2:00–4:00 pm EST`. */
export function describeWindow(start: Date, end: Date | null, zone: string): string {
  const day = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
  }).format(start);
  const time = (at: Date) =>
    new Intl.DateTimeFormat('en-US', { timeZone: zone, hour: 'numeric', minute: '2-digit' })
      .format(at)
      .toLowerCase()
      .replace(/\s/g, ' ');
  const zoneName =
    new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'short' })
      .formatToParts(end ?? start)
      .find((p) => p.type === 'timeZoneName')?.value ?? zone;
  if (!end) return `${day}, from ${time(start)} ${zoneName}`;
  const from = time(start);
  const to = time(end);
  const sameHalf = from.slice(-2) === to.slice(-2);
  return `${day}, ${sameHalf ? from.slice(0, -3) : from}–${to} ${zoneName}`;
}

/**
 * Fills `{{day HH:MM}}` placeholders (day: today, tomorrow or YYYY-MM-DD) with the ISO instant in
 * `zone`; scripts use them so a simulated model books the window it says.
 */
export function fillTimePlaceholders(text: string, zone: string, now: Date): string {
  return text.replace(
    /\{\{\s*(today|tomorrow|\d{4}-\d{2}-\d{2})\s+([01]\d|2[0-3]):([0-5]\d)\s*\}\}/g,
    (_m, day: string, hh: string, mm: string) =>
      zonedIso(zonedInstant(resolveDay(day, zone, now), `${hh}:${mm}`, zone), zone),
  );
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
