/**
 * Twilio Media Streams messages (bidirectional <Connect><Stream>): typed decode and encode. Decoding
 * never throws: a malformed, unknown or oversize frame comes back as a typed error naming the problem.
 */

export interface TwilioMediaFormat {
  encoding: string;
  sampleRate: number;
  channels: number;
}

export interface TwilioConnected {
  event: 'connected';
  protocol: string;
  version: string;
}

export interface TwilioStart {
  event: 'start';
  sequenceNumber: number;
  streamSid: string;
  start: {
    streamSid: string;
    accountSid: string;
    callSid: string;
    tracks: string[];
    customParameters: Record<string, string>;
    mediaFormat: TwilioMediaFormat;
  };
}

export interface TwilioInboundMedia {
  event: 'media';
  sequenceNumber: number;
  streamSid: string;
  media: { track: string; chunk: number; timestamp: number; payload: string };
}

export interface TwilioInboundMark {
  event: 'mark';
  sequenceNumber: number;
  streamSid: string;
  mark: { name: string };
}

export interface TwilioDtmf {
  event: 'dtmf';
  sequenceNumber: number;
  streamSid: string;
  dtmf: { track: string; digit: string };
}

export interface TwilioStop {
  event: 'stop';
  sequenceNumber: number;
  streamSid: string;
  stop: { accountSid: string; callSid: string };
}

/** Every message Twilio sends on a Media Stream. */
export type TwilioInbound =
  | TwilioConnected
  | TwilioStart
  | TwilioInboundMedia
  | TwilioInboundMark
  | TwilioDtmf
  | TwilioStop;

export interface TwilioOutboundMedia {
  event: 'media';
  streamSid: string;
  media: { payload: string };
}
export interface TwilioOutboundMark {
  event: 'mark';
  streamSid: string;
  mark: { name: string };
}
export interface TwilioClear {
  event: 'clear';
  streamSid: string;
}

/** Every message we send to Twilio on a Media Stream. */
export type TwilioOutbound = TwilioOutboundMedia | TwilioOutboundMark | TwilioClear;

export type DecodeErrorCode =
  | 'too_large'
  | 'not_json'
  | 'not_object'
  | 'unknown_event'
  | 'missing_field'
  | 'wrong_type'
  | 'bad_value';

export interface DecodeError {
  code: DecodeErrorCode;
  /** What is wrong, naming the field. */
  message: string;
  event?: string;
}

export type DecodeResult<T> = { ok: true; message: T } | { ok: false; error: DecodeError };

export interface DecodeOptions {
  /** Largest frame accepted, in bytes; default 64 KiB. */
  maxBytes?: number;
}

export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024;

/** Raw WebSocket data as ws hands it over. */
export type RawFrame = string | Buffer | ArrayBuffer | Buffer[] | Uint8Array;

class Invalid extends Error {
  constructor(
    readonly code: DecodeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

function toText(raw: RawFrame, maxBytes: number): string {
  if (typeof raw === 'string') {
    // A UTF-16 string is at least its length in UTF-8 bytes; exact check only when close.
    if (raw.length > maxBytes || (raw.length * 3 > maxBytes && Buffer.byteLength(raw) > maxBytes))
      throw new Invalid('too_large', `frame exceeds ${maxBytes} bytes`);
    return raw;
  }
  let buf: Buffer;
  if (Array.isArray(raw)) {
    // Size the fragments before joining them, so an oversize message is refused without a copy.
    let total = 0;
    for (const part of raw as unknown[]) {
      if (!(part instanceof Uint8Array)) throw new Invalid('wrong_type', 'frame is not text or bytes');
      total += part.length;
    }
    if (total > maxBytes) throw new Invalid('too_large', `frame exceeds ${maxBytes} bytes`);
    buf = Buffer.concat(raw, total);
  } else if (raw instanceof ArrayBuffer) buf = Buffer.from(raw);
  else if (Buffer.isBuffer(raw)) buf = raw;
  else if (raw instanceof Uint8Array) buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  else throw new Invalid('wrong_type', 'frame is not text or bytes');
  if (buf.length > maxBytes) throw new Invalid('too_large', `frame exceeds ${maxBytes} bytes`);
  return buf.toString('utf8');
}

function parseObject(raw: RawFrame, opts: DecodeOptions | undefined): Record<string, unknown> {
  const text = toText(raw, opts?.maxBytes ?? DEFAULT_MAX_FRAME_BYTES);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Invalid('not_json', 'frame is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Invalid('not_object', 'frame is not a JSON object');
  return value as Record<string, unknown>;
}

const hasOwn = (o: object, k: string) => Object.hasOwn(o, k);

function obj(parent: Record<string, unknown>, key: string, path: string): Record<string, unknown> {
  if (!hasOwn(parent, key)) throw new Invalid('missing_field', `${path} is missing`);
  const v = parent[key];
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new Invalid('wrong_type', `${path} must be an object`);
  return v as Record<string, unknown>;
}

function str(parent: Record<string, unknown>, key: string, path: string, maxLength = 256): string {
  if (!hasOwn(parent, key)) throw new Invalid('missing_field', `${path} is missing`);
  const v = parent[key];
  if (typeof v !== 'string') throw new Invalid('wrong_type', `${path} must be a string`);
  if (v.length > maxLength) throw new Invalid('bad_value', `${path} is longer than ${maxLength} characters`);
  return v;
}

/** Twilio sends counters as decimal strings; numbers are accepted too. */
function uint(parent: Record<string, unknown>, key: string, path: string): number {
  if (!hasOwn(parent, key)) throw new Invalid('missing_field', `${path} is missing`);
  const v = parent[key];
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v) && v >= 0) return v;
    throw new Invalid('bad_value', `${path} must be a non-negative integer`);
  }
  if (typeof v !== 'string') throw new Invalid('wrong_type', `${path} must be a decimal string`);
  const n = decimal(v);
  if (n < 0) throw new Invalid('bad_value', `${path} must be a non-negative integer`);
  return n;
}

/** The value of 1 to 15 decimal digits, or -1 for anything else (the full decoder; the compact reader reads them in place). */
function decimal(s: string): number {
  return decimalAt(s, 0, s.length);
}

/** Decoded bytes of the longest text {@link isBase64} checks natively: 64 KiB of base64. */
const CHECK_SCRATCH_BYTES = 48 * 1024;
/** Shared: a check decodes and compares in one synchronous step. */
const checkScratch = Buffer.allocUnsafe(CHECK_SCRATCH_BYTES);

/**
 * Standard base64 (A–Z, a–z, 0–9, `+`, `/`) in whole groups of four, `=` only as the last one or two
 * characters. This runs on every caller frame of every call, so the text is decoded natively
 * ({@link decodeStandardBase64}), about three times as fast as a compiled regex over it; longer text
 * than the scratch buffer holds takes the regex.
 */
export function isBase64(s: string): boolean {
  const n = s.length;
  if ((n & 3) !== 0) return false;
  if (n > (CHECK_SCRATCH_BYTES / 3) * 4) return BASE64.test(s);
  return decodeStandardBase64(s, checkScratch) >= 0;
}

/**
 * Decodes `s` into the start of `target` when it is standard base64 (as {@link isBase64} defines it)
 * whose bytes fit there: the number of bytes, else -1 (and `target` holds whatever was written).
 * Node's decoder does the work, but it is lenient (it also takes `-` and `_`, reads a character above
 * U+00FF by its low byte, skips anything else and stops at `=`); a skipped or stopping character
 * always leaves it short of the bytes the length and padding promise, so the text must be ASCII
 * without `-` or `_`, and the decoder must write exactly that many bytes.
 */
export function decodeStandardBase64(s: string, target: Buffer): number {
  const n = s.length;
  if ((n & 3) !== 0 || (n / 4) * 3 > target.length) return -1;
  // UTF-8 takes one byte per character only when every character is ASCII.
  if (Buffer.byteLength(s) !== n || s.indexOf('-') >= 0 || s.indexOf('_') >= 0) return -1;
  const padding = s.charCodeAt(n - 1) === 61 ? (s.charCodeAt(n - 2) === 61 ? 2 : 1) : 0;
  const bytes = (n / 4) * 3 - padding;
  return target.write(s, 0, 'base64') === bytes ? bytes : -1;
}
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const SID = /^[A-Za-z]{2}[0-9a-fA-F]{32}$/;
const DTMF_DIGIT = /^[0-9*#A-Da-d]$/;

function payload(parent: Record<string, unknown>, path: string): string {
  const p = str(parent, 'payload', path, 64 * 1024);
  if (!isBase64(p)) throw new Invalid('bad_value', `${path} is not base64`);
  return p;
}

function sid(parent: Record<string, unknown>, key: string, path: string): string {
  const v = str(parent, key, path, 64);
  if (!SID.test(v)) throw new Invalid('bad_value', `${path} is not a Twilio SID`);
  return v;
}

function stringMap(parent: Record<string, unknown>, key: string, path: string): Record<string, string> {
  if (!hasOwn(parent, key)) return {};
  const m = obj(parent, key, path);
  const out: Record<string, string> = Object.create(null);
  const keys = Object.keys(m);
  if (keys.length > 64) throw new Invalid('bad_value', `${path} has more than 64 entries`);
  for (const k of keys) {
    // The key goes into error messages (and from there into logs), so bound it first.
    if (k.length > 256) throw new Invalid('bad_value', `${path} has a key longer than 256 characters`);
    out[k] = str(m, k, `${path}.${k}`, 1024);
  }
  return { ...out };
}

function decodeInboundObject(o: Record<string, unknown>): TwilioInbound {
  const event = str(o, 'event', 'event', 32);
  switch (event) {
    case 'connected':
      return {
        event,
        protocol: hasOwn(o, 'protocol') ? str(o, 'protocol', 'protocol') : '',
        version: hasOwn(o, 'version') ? str(o, 'version', 'version') : '',
      };
    case 'start': {
      const s = obj(o, 'start', 'start');
      const streamSid = sid(s, 'streamSid', 'start.streamSid');
      const fmt = hasOwn(s, 'mediaFormat') ? obj(s, 'mediaFormat', 'start.mediaFormat') : undefined;
      const tracksRaw = hasOwn(s, 'tracks') ? s.tracks : ['inbound'];
      if (!Array.isArray(tracksRaw) || tracksRaw.some((t) => typeof t !== 'string'))
        throw new Invalid('wrong_type', 'start.tracks must be an array of strings');
      return {
        event,
        sequenceNumber: hasOwn(o, 'sequenceNumber') ? uint(o, 'sequenceNumber', 'sequenceNumber') : 0,
        streamSid: hasOwn(o, 'streamSid') ? sid(o, 'streamSid', 'streamSid') : streamSid,
        start: {
          streamSid,
          accountSid: sid(s, 'accountSid', 'start.accountSid'),
          callSid: sid(s, 'callSid', 'start.callSid'),
          tracks: tracksRaw as string[],
          customParameters: stringMap(s, 'customParameters', 'start.customParameters'),
          mediaFormat: fmt
            ? {
                encoding: str(fmt, 'encoding', 'start.mediaFormat.encoding'),
                sampleRate: uint(fmt, 'sampleRate', 'start.mediaFormat.sampleRate'),
                channels: uint(fmt, 'channels', 'start.mediaFormat.channels'),
              }
            : { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
        },
      };
    }
    case 'media': {
      const m = obj(o, 'media', 'media');
      return {
        event,
        sequenceNumber: uint(o, 'sequenceNumber', 'sequenceNumber'),
        streamSid: str(o, 'streamSid', 'streamSid', 64),
        media: {
          track: hasOwn(m, 'track') ? str(m, 'track', 'media.track', 32) : 'inbound',
          chunk: uint(m, 'chunk', 'media.chunk'),
          timestamp: uint(m, 'timestamp', 'media.timestamp'),
          payload: payload(m, 'media.payload'),
        },
      };
    }
    case 'mark':
      return {
        event,
        sequenceNumber: uint(o, 'sequenceNumber', 'sequenceNumber'),
        streamSid: str(o, 'streamSid', 'streamSid', 64),
        mark: { name: str(obj(o, 'mark', 'mark'), 'name', 'mark.name', 256) },
      };
    case 'dtmf': {
      const d = obj(o, 'dtmf', 'dtmf');
      const digit = str(d, 'digit', 'dtmf.digit', 1);
      if (!DTMF_DIGIT.test(digit)) throw new Invalid('bad_value', 'dtmf.digit is not a keypad digit');
      return {
        event,
        sequenceNumber: uint(o, 'sequenceNumber', 'sequenceNumber'),
        streamSid: str(o, 'streamSid', 'streamSid', 64),
        dtmf: { track: hasOwn(d, 'track') ? str(d, 'track', 'dtmf.track', 32) : 'inbound_track', digit },
      };
    }
    case 'stop': {
      const s = hasOwn(o, 'stop') ? obj(o, 'stop', 'stop') : {};
      return {
        event,
        sequenceNumber: hasOwn(o, 'sequenceNumber') ? uint(o, 'sequenceNumber', 'sequenceNumber') : 0,
        streamSid: str(o, 'streamSid', 'streamSid', 64),
        stop: {
          accountSid: hasOwn(s, 'accountSid') ? str(s, 'accountSid', 'stop.accountSid', 64) : '',
          callSid: hasOwn(s, 'callSid') ? str(s, 'callSid', 'stop.callSid', 64) : '',
        },
      };
    }
    default:
      throw new Invalid('unknown_event', `unknown event ${JSON.stringify(event.slice(0, 32))}`);
  }
}

function decodeOutboundObject(o: Record<string, unknown>): TwilioOutbound {
  const event = str(o, 'event', 'event', 32);
  const streamSid = str(o, 'streamSid', 'streamSid', 64);
  switch (event) {
    case 'media':
      return { event, streamSid, media: { payload: payload(obj(o, 'media', 'media'), 'media.payload') } };
    case 'mark':
      return { event, streamSid, mark: { name: str(obj(o, 'mark', 'mark'), 'name', 'mark.name', 256) } };
    case 'clear':
      return { event, streamSid };
    default:
      throw new Invalid('unknown_event', `unknown event ${JSON.stringify(event.slice(0, 32))}`);
  }
}

const MEDIA_HEAD = '{"event":"media","sequenceNumber":"';

/**
 * The caller's media frame in the exact compact layout Twilio sends, read without JSON.parse: the hot
 * path, 50 frames a second per call. Anything else (other key order, white space, escapes, extra keys,
 * a value the full decoder would refuse) returns undefined, and the full decoder decides; on the
 * frames this accepts, both give the same message.
 */
export function readCompactMedia(text: string): TwilioInboundMedia | undefined {
  // Straight-line on purpose: no closures (tsx keeps function names, so each closure made per frame
  // costs a defineProperty call) and no intermediate strings for the counters.
  if (!textAt(text, MEDIA_HEAD, 0)) return undefined;
  let at = MEDIA_HEAD.length;
  let end = text.indexOf('"', at);
  const sequenceNumber = decimalAt(text, at, end);
  if (sequenceNumber < 0 || !textAt(text, TRACK_FIELD, end + 1)) return undefined;
  at = end + 1 + TRACK_FIELD.length;
  end = plainEnd(text, at, 32);
  if (end < 0 || !textAt(text, CHUNK_FIELD, end + 1)) return undefined;
  const track = text.slice(at, end);
  at = end + 1 + CHUNK_FIELD.length;
  end = text.indexOf('"', at);
  const chunk = decimalAt(text, at, end);
  if (chunk < 0 || !textAt(text, TIMESTAMP_FIELD, end + 1)) return undefined;
  at = end + 1 + TIMESTAMP_FIELD.length;
  end = text.indexOf('"', at);
  const timestamp = decimalAt(text, at, end);
  if (timestamp < 0 || !textAt(text, PAYLOAD_FIELD, end + 1)) return undefined;
  at = end + 1 + PAYLOAD_FIELD.length;
  end = text.indexOf('"', at);
  if (end < 0 || end - at > 64 * 1024) return undefined;
  const payload = text.slice(at, end);
  if (!isBase64(payload) || !textAt(text, STREAM_SID_FIELD, end + 1)) return undefined;
  at = end + 1 + STREAM_SID_FIELD.length;
  end = plainEnd(text, at, 64);
  // The string's closing quote, then the object's closing brace, and nothing after it.
  if (end < 0 || end + 2 !== text.length || text.charCodeAt(end + 1) !== 0x7d) return undefined;
  const streamSid = text.slice(at, end);
  return { event: 'media', sequenceNumber, streamSid, media: { track, chunk, timestamp, payload } };
}

/**
 * Whether `field` is written in `text` at `at`. `indexOf` from there finds a match in place several
 * times faster than `startsWith` (V8 compares that one character at a time); a frame that does not match
 * is not compact and goes to the full decoder, so the scan past `at` happens only then.
 */
function textAt(text: string, field: string, at: number): boolean {
  return text.indexOf(field, at) === at;
}

const TRACK_FIELD = ',"media":{"track":"';
const CHUNK_FIELD = ',"chunk":"';
const TIMESTAMP_FIELD = ',"timestamp":"';
const PAYLOAD_FIELD = ',"payload":"';
const STREAM_SID_FIELD = '},"streamSid":"';

/** The decimal written in `text` from `from` up to `to` (1 to 15 digits), else -1. */
function decimalAt(text: string, from: number, to: number): number {
  const len = to - from;
  if (to < 0 || len <= 0 || len > 15) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * Where the JSON string whose content starts at `from` closes, when its content needs no unescaping
 * and is at most `maxLength` long; else -1.
 */
function plainEnd(text: string, from: number, maxLength: number): number {
  const end = text.indexOf('"', from);
  if (end < 0 || end - from > maxLength) return -1;
  for (let i = from; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x5c) return -1;
  }
  return end;
}

function guard<T>(
  raw: RawFrame,
  opts: DecodeOptions | undefined,
  f: (o: Record<string, unknown>) => T,
): DecodeResult<T> {
  let o: Record<string, unknown> | undefined;
  try {
    o = parseObject(raw, opts);
    return { ok: true, message: f(o) };
  } catch (err) {
    const event = o && typeof o.event === 'string' ? o.event.slice(0, 32) : undefined;
    if (err instanceof Invalid)
      return { ok: false, error: { code: err.code, message: err.message, ...(event ? { event } : {}) } };
    return { ok: false, error: { code: 'bad_value', message: 'frame could not be decoded' } };
  }
}

/** Decodes a message Twilio sent us. Never throws. */
export function decodeTwilioInbound(raw: RawFrame, opts?: DecodeOptions): DecodeResult<TwilioInbound> {
  let text: string;
  try {
    text = toText(raw, opts?.maxBytes ?? DEFAULT_MAX_FRAME_BYTES);
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, error: { code: err.code, message: err.message } };
    return { ok: false, error: { code: 'bad_value', message: 'frame could not be decoded' } };
  }
  const media = readCompactMedia(text);
  if (media) return { ok: true, message: media };
  return guard(text, opts, decodeInboundObject);
}

/** Decodes a message sent to Twilio (what the simulator receives). Never throws. */
export function decodeTwilioOutbound(raw: RawFrame, opts?: DecodeOptions): DecodeResult<TwilioOutbound> {
  return guard(raw, opts, decodeOutboundObject);
}

// --- encoders: the media/mark ones run for every frame of every call, so they build strings directly.

/** Escapes a string for a JSON string literal. */
const q = (s: string) => JSON.stringify(s);

/** A stream SID needs no escaping when it has the Twilio shape; anything else is escaped. */
function sidLiteral(streamSid: string): string {
  return SID.test(streamSid) ? `"${streamSid}"` : q(streamSid);
}

/** Outbound media frame; `payloadBase64` must be base64 (it is not escaped). */
export function encodeTwilioMedia(streamSid: string, payloadBase64: string): string {
  return `{"event":"media","streamSid":${sidLiteral(streamSid)},"media":{"payload":"${payloadBase64}"}}`;
}

export function encodeTwilioMark(streamSid: string, name: string): string {
  return `{"event":"mark","streamSid":${sidLiteral(streamSid)},"mark":{"name":${q(name)}}}`;
}

export function encodeTwilioClear(streamSid: string): string {
  return `{"event":"clear","streamSid":${sidLiteral(streamSid)}}`;
}

/** Outbound encoders bound to one stream: its SID is checked and escaped once, not per frame. */
export interface TwilioStreamEncoder {
  /** A media frame; `payloadBase64` must be base64 (it is not escaped). */
  media(payloadBase64: string): string;
  mark(name: string): string;
  clear(): string;
}

export function twilioStreamEncoder(streamSid: string): TwilioStreamEncoder {
  const sid = sidLiteral(streamSid);
  const mediaHead = `{"event":"media","streamSid":${sid},"media":{"payload":"`;
  const markHead = `{"event":"mark","streamSid":${sid},"mark":{"name":`;
  const clear = `{"event":"clear","streamSid":${sid}}`;
  return {
    media: (payloadBase64) => `${mediaHead}${payloadBase64}"}}`,
    mark: (name) => `${markHead}${q(name)}}}`,
    clear: () => clear,
  };
}

export function encodeTwilioConnected(): string {
  return JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' });
}

export function encodeTwilioStart(opts: {
  sequenceNumber: number;
  streamSid: string;
  accountSid: string;
  callSid: string;
  customParameters?: Record<string, string>;
  tracks?: string[];
}): string {
  return JSON.stringify({
    event: 'start',
    sequenceNumber: String(opts.sequenceNumber),
    start: {
      accountSid: opts.accountSid,
      streamSid: opts.streamSid,
      callSid: opts.callSid,
      tracks: opts.tracks ?? ['inbound'],
      mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      customParameters: opts.customParameters ?? {},
    },
    streamSid: opts.streamSid,
  });
}

export function encodeTwilioInboundMedia(opts: {
  sequenceNumber: number;
  streamSid: string;
  chunk: number;
  timestamp: number;
  payload: string;
  track?: string;
}): string {
  return `{"event":"media","sequenceNumber":"${opts.sequenceNumber}","media":{"track":${q(opts.track ?? 'inbound')},"chunk":"${opts.chunk}","timestamp":"${opts.timestamp}","payload":"${opts.payload}"},"streamSid":${sidLiteral(opts.streamSid)}}`;
}

export function encodeTwilioInboundMark(opts: {
  sequenceNumber: number;
  streamSid: string;
  name: string;
}): string {
  return JSON.stringify({
    event: 'mark',
    sequenceNumber: String(opts.sequenceNumber),
    streamSid: opts.streamSid,
    mark: { name: opts.name },
  });
}

export function encodeTwilioDtmf(opts: { sequenceNumber: number; streamSid: string; digit: string }): string {
  return JSON.stringify({
    event: 'dtmf',
    streamSid: opts.streamSid,
    sequenceNumber: String(opts.sequenceNumber),
    dtmf: { track: 'inbound_track', digit: opts.digit },
  });
}

export function encodeTwilioStop(opts: {
  sequenceNumber: number;
  streamSid: string;
  accountSid: string;
  callSid: string;
}): string {
  // Key order as Twilio sends it: the stop object before streamSid.
  return JSON.stringify({
    event: 'stop',
    sequenceNumber: String(opts.sequenceNumber),
    stop: { accountSid: opts.accountSid, callSid: opts.callSid },
    streamSid: opts.streamSid,
  });
}
