/**
 * When a callee may be called: between the window's opening and closing time in the callee's own time
 * zone. The zone is the one the request names, else the country's when the number's country code has
 * a single zone, else the profile's.
 */

/** Country codes (E.164, longest first when they share digits) of countries with one time zone. */
const SINGLE_ZONE: ReadonlyArray<readonly [string, string]> = [
  ['+353', 'Europe/Dublin'],
  ['+351', 'Europe/Lisbon'],
  ['+358', 'Europe/Helsinki'],
  ['+852', 'Asia/Hong_Kong'],
  ['+972', 'Asia/Jerusalem'],
  ['+971', 'Asia/Dubai'],
  ['+27', 'Africa/Johannesburg'],
  ['+30', 'Europe/Athens'],
  ['+31', 'Europe/Amsterdam'],
  ['+32', 'Europe/Brussels'],
  ['+33', 'Europe/Paris'],
  ['+34', 'Europe/Madrid'],
  ['+36', 'Europe/Budapest'],
  ['+39', 'Europe/Rome'],
  ['+40', 'Europe/Bucharest'],
  ['+41', 'Europe/Zurich'],
  ['+43', 'Europe/Vienna'],
  ['+44', 'Europe/London'],
  ['+45', 'Europe/Copenhagen'],
  ['+46', 'Europe/Stockholm'],
  ['+47', 'Europe/Oslo'],
  ['+48', 'Europe/Warsaw'],
  ['+49', 'Europe/Berlin'],
  ['+65', 'Asia/Singapore'],
  ['+81', 'Asia/Tokyo'],
  ['+82', 'Asia/Seoul'],
  ['+86', 'Asia/Shanghai'],
  ['+91', 'Asia/Kolkata'],
];

/** The callee's time zone and where it came from. */
export function calleeTimezone(
  number: string,
  given: string | undefined,
  profileTimezone: string,
): { timezone: string; source: 'request' | 'number' | 'profile' } {
  if (given) return { timezone: given, source: 'request' };
  const hit = SINGLE_ZONE.find(([prefix]) => number.startsWith(prefix));
  if (hit) return { timezone: hit[1], source: 'number' };
  return { timezone: profileTimezone, source: 'profile' };
}

/** A daily window, minutes after local midnight. */
export interface CallingWindow {
  openMin: number;
  closeMin: number;
}

/** Parses `HH:MM-HH:MM` (close after open, 24:00 allowed); throws naming the problem. */
export function parseCallingWindow(text: string): CallingWindow {
  const m = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(text.trim());
  if (!m) throw new Error('must look like 08:00-21:00');
  const [openMin, closeMin] = [Number(m[1]) * 60 + Number(m[2]), Number(m[3]) * 60 + Number(m[4])];
  if (Number(m[2]) > 59 || Number(m[4]) > 59 || openMin >= closeMin || closeMin > 24 * 60)
    throw new Error('must be an opening time before a closing time, at most 24:00');
  return { openMin, closeMin };
}

/** The local time (`HH:MM`) at `now` in `timezone`. */
export function localTime(now: Date, timezone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  return `${get('hour')}:${get('minute')}`;
}

/** True when `now` falls inside `window` in `timezone`. */
export function withinCallingHours(now: Date, timezone: string, window: CallingWindow): boolean {
  const [h, m] = localTime(now, timezone).split(':').map(Number) as [number, number];
  const minute = h * 60 + m;
  return minute >= window.openMin && minute < window.closeMin;
}

/** True for a time zone Intl knows. */
export function isKnownTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
