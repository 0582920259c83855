import { html, type SafeHtml } from './html.ts';

/** The zone times are shown in when neither the call nor the brand has one. */
export const DEFAULT_ZONE = 'UTC';

const partsFormats = new Map<string, Intl.DateTimeFormat>();
function partsIn(timeZone: string): Intl.DateTimeFormat {
  let f = partsFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    partsFormats.set(timeZone, f);
  }
  return f;
}

/** A date's fields in a zone: year … second and the zone's short name ("EST", "GMT+1", "UTC"). */
function fieldsIn(d: Date, timeZone: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of partsIn(timeZone).formatToParts(d)) out[p.type] = p.value;
  return out;
}

/**
 * The one date-time format of the UI: "2026-11-21 09:03:05 EST", in the given IANA zone with the
 * zone's short name. `minutes` leaves the seconds out.
 */
export function formatDateTime(
  d: Date,
  timeZone: string,
  precision: 'seconds' | 'minutes' = 'seconds',
): string {
  const f = fieldsIn(d, timeZone);
  const time = precision === 'seconds' ? `${f.hour}:${f.minute}:${f.second}` : `${f.hour}:${f.minute}`;
  return `${f.year}-${f.month}-${f.day} ${time} ${f.timeZoneName}`;
}

/** A <time> in the UI's one format, in `timeZone`; its title names the zone and the UTC instant. */
export function timeEl(d: Date | null, timeZone: string): SafeHtml {
  if (!d) return html``;
  const iso = d.toISOString();
  return html`<time datetime="${iso}" title="${timeZone} · ${iso}">${formatDateTime(d, timeZone)}</time>`;
}

/** "4 min 05 s", "38 s". */
export function formatDuration(sec: number | null): string {
  if (sec === null) return '';
  const whole = Math.round(sec);
  const m = Math.floor(whole / 60);
  const s = whole % 60;
  return m ? `${m} min ${String(s).padStart(2, '0')} s` : `${s} s`;
}

/**
 * A callback window in the caller's own time zone, in the UI's format:
 * "2026-11-21 14:00 – 16:00 EST (America/New_York)".
 */
export function formatWindow(start: Date | null, end: Date | null, timeZone: string): string {
  if (!start && !end) return `any time (${timeZone})`;
  if (start && end) {
    const from = formatDateTime(start, timeZone, 'minutes');
    const to = formatDateTime(end, timeZone, 'minutes');
    // Same day and zone name: "2026-11-21 14:00 – 16:00 EST".
    const sameDay = from.slice(0, 11) === to.slice(0, 11) && from.slice(16) === to.slice(16);
    return `${sameDay ? `${from.slice(0, 16)} – ${to.slice(11)}` : `${from} – ${to}`} (${timeZone})`;
  }
  return start
    ? `from ${formatDateTime(start, timeZone, 'minutes')} (${timeZone})`
    : `until ${formatDateTime(end!, timeZone, 'minutes')} (${timeZone})`;
}

/** The Opik page of a trace: `{traceId}` in the configured URL is filled, else `?trace=<id>` is added. */
export function opikTraceUrl(base: string | undefined, traceId: string | null): string | undefined {
  if (!base || !traceId) return undefined;
  if (base.includes('{traceId}')) return base.replace('{traceId}', encodeURIComponent(traceId));
  const u = new URL(base);
  u.searchParams.set('trace', traceId);
  return u.toString();
}

/** Pretty JSON for tool arguments and results; strings that hold JSON are unpacked first. */
export function prettyJson(value: unknown): string {
  let v = value;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return v as string;
    }
  }
  return JSON.stringify(v, null, 2) ?? '';
}

/** True when `s` holds a C0 control character, DEL or a backslash. */
export function hasControlOrBackslash(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x5c) return true;
  }
  return false;
}

/** A stand-in origin to resolve paths against: only whether the result stays on it matters. */
const OWN_ORIGIN = 'https://app.invalid';

/**
 * A redirect target that stays on this site, or `fallback`. The value is resolved the way a browser
 * resolves a Location header (the WHATWG URL parser) against this site's origin, and kept only when
 * the origin is unchanged and the raw value has no control characters or backslashes (browsers drop
 * tabs and newlines, so `/\t/evil.example` would become `//evil.example`).
 */
export function safeLocalPath(path: unknown, fallback: string): string {
  if (typeof path !== 'string' || !path.startsWith('/') || path.length >= 2000) return fallback;
  if (hasControlOrBackslash(path)) return fallback;
  let url: URL;
  try {
    url = new URL(path, OWN_ORIGIN);
  } catch {
    return fallback;
  }
  if (url.origin !== OWN_ORIGIN) return fallback;
  const local = `${url.pathname}${url.search}${url.hash}`;
  // "/.//x" normalises to "//x", which a browser reads as another host: check the result too.
  return local.startsWith('//') ? fallback : local;
}
