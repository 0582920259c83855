import { html, type SafeHtml } from './html.ts';

/** "2026-11-21 14:03:05 UTC" in a <time> the page script rewrites to the reader's local time. */
export function timeEl(d: Date | null, style: 'datetime' | 'time' = 'datetime'): SafeHtml {
  if (!d) return html``;
  const iso = d.toISOString();
  const text = style === 'time' ? `${iso.slice(11, 19)} UTC` : `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
  return html`<time datetime="${iso}" data-local="${style}">${text}</time>`;
}

/** "4 min 05 s", "38 s". */
export function formatDuration(sec: number | null): string {
  if (sec === null) return '';
  const whole = Math.round(sec);
  const m = Math.floor(whole / 60);
  const s = whole % 60;
  return m ? `${m} min ${String(s).padStart(2, '0')} s` : `${s} s`;
}

/** A callback window in the caller's own time zone: "21 Nov 2026, 14:00 – 16:00 (Europe/Berlin)". */
export function formatWindow(start: Date | null, end: Date | null, timeZone: string): string {
  if (!start && !end) return `any time (${timeZone})`;
  const fmt = (d: Date, withDate: boolean) =>
    new Intl.DateTimeFormat('en-GB', {
      timeZone,
      ...(withDate ? { dateStyle: 'medium' as const } : {}),
      timeStyle: 'short',
    }).format(d);
  if (start && end) {
    const sameDay =
      new Intl.DateTimeFormat('en-CA', { timeZone }).format(start) ===
      new Intl.DateTimeFormat('en-CA', { timeZone }).format(end);
    return `${fmt(start, true)} – ${fmt(end, !sameDay)} (${timeZone})`;
  }
  return start ? `from ${fmt(start, true)} (${timeZone})` : `until ${fmt(end!, true)} (${timeZone})`;
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
