/**
 * Seeded fuzzing of every decode path: Twilio frames both directions, WAV files and TwiML. The seeds are
 * fixed, so a failure names a case that replays exactly.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { mulawSilence } from './mulaw.ts';
import {
  type DecodeErrorCode,
  type DecodeResult,
  decodeTwilioInbound,
  decodeTwilioOutbound,
  type TwilioInbound,
  type TwilioOutbound,
} from './twilio-media.ts';
import { connectStreamTwiml, dialTwiml, hangupTwiml, sayAndHangupTwiml } from './twiml.ts';
import { parseTwiml, TwimlParseError, type TwimlVerb } from './twiml-parse.ts';
import { pcm16Audio, readWav, type WavAudio, WavError, writeWav } from './wav.ts';

/** mulberry32: small, fast and good enough to spread cases; deterministic per seed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return {
    next,
    int,
    pick: <T>(items: readonly T[]): T => items[int(items.length)]!,
    bytes: (n: number) => Uint8Array.from({ length: n }, () => int(256)),
  };
}

const fixtureText = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const fixtureBytes = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const INBOUND_FRAMES = fixtureText('twilio-inbound-call.jsonl').trimEnd().split('\n');
const OUTBOUND_FRAMES = fixtureText('twilio-outbound-call.jsonl').trimEnd().split('\n');

const DECODE_CODES: DecodeErrorCode[] = [
  'too_large',
  'not_json',
  'not_object',
  'unknown_event',
  'missing_field',
  'wrong_type',
  'bad_value',
];

afterAll(() => {
  // Nothing any decoder saw may have reached a prototype.
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
  expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined();
});

// --- checks on what a decoder returns -------------------------------------------------------------

const isCount = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isStr = (v: unknown) => typeof v === 'string';

/** Problems with a decoded inbound message's runtime shape (empty when it matches its type). */
function inboundProblems(m: TwilioInbound): string[] {
  const p: string[] = [];
  const need = (cond: boolean, what: string) => cond || p.push(what);
  switch (m.event) {
    case 'connected':
      need(isStr(m.protocol) && isStr(m.version), 'connected fields');
      break;
    case 'start':
      need(isCount(m.sequenceNumber) && isStr(m.streamSid), 'start header');
      need(isStr(m.start.streamSid) && isStr(m.start.accountSid) && isStr(m.start.callSid), 'start sids');
      need(Array.isArray(m.start.tracks) && m.start.tracks.every(isStr), 'start.tracks');
      need(
        Object.getPrototypeOf(m.start.customParameters) === Object.prototype,
        'customParameters prototype',
      );
      need(Object.values(m.start.customParameters).every(isStr), 'customParameters values');
      need(isStr(m.start.mediaFormat.encoding), 'mediaFormat.encoding');
      need(
        isCount(m.start.mediaFormat.sampleRate) && isCount(m.start.mediaFormat.channels),
        'mediaFormat numbers',
      );
      break;
    case 'media':
      need(isCount(m.sequenceNumber) && isStr(m.streamSid), 'media header');
      need(isCount(m.media.chunk) && isCount(m.media.timestamp), 'media counters');
      need(isStr(m.media.track) && isStr(m.media.payload), 'media strings');
      need(
        /^[A-Za-z0-9+/]*={0,2}$/.test(m.media.payload) && m.media.payload.length % 4 === 0,
        'payload base64',
      );
      break;
    case 'mark':
      need(isCount(m.sequenceNumber) && isStr(m.streamSid) && isStr(m.mark.name), 'mark');
      break;
    case 'dtmf':
      need(isCount(m.sequenceNumber) && isStr(m.streamSid) && /^[0-9*#A-Da-d]$/.test(m.dtmf.digit), 'dtmf');
      break;
    case 'stop':
      need(isCount(m.sequenceNumber) && isStr(m.stop.accountSid) && isStr(m.stop.callSid), 'stop');
      break;
    default:
      p.push(`unexpected event ${(m as { event: unknown }).event}`);
  }
  return p;
}

function outboundProblems(m: TwilioOutbound): string[] {
  if (!isStr(m.streamSid)) return ['streamSid'];
  if (m.event === 'media') return isStr(m.media.payload) ? [] : ['media.payload'];
  if (m.event === 'mark') return isStr(m.mark.name) ? [] : ['mark.name'];
  if (m.event === 'clear') return [];
  return ['event'];
}

/** Calls a decoder and reports anything wrong with how it behaved, as text (empty: all fine). */
function decodeProblems(
  direction: 'in' | 'out',
  raw: unknown,
  opts?: { maxBytes?: number },
): { problems: string[]; result?: DecodeResult<TwilioInbound | TwilioOutbound> } {
  let result: DecodeResult<TwilioInbound | TwilioOutbound>;
  try {
    result =
      direction === 'in'
        ? decodeTwilioInbound(raw as string, opts)
        : decodeTwilioOutbound(raw as string, opts);
  } catch (err) {
    return { problems: [`threw ${String(err)}`] };
  }
  if (result.ok) {
    const problems =
      direction === 'in'
        ? inboundProblems(result.message as TwilioInbound)
        : outboundProblems(result.message as TwilioOutbound);
    return { problems, result };
  }
  const { code, message } = result.error;
  const problems: string[] = [];
  if (!DECODE_CODES.includes(code)) problems.push(`unknown code ${code}`);
  if (typeof message !== 'string' || message.length === 0) problems.push('empty message');
  // A message names the problem, and never echoes unbounded input into logs.
  if (message === 'frame could not be decoded') problems.push('generic error message');
  if (message.length > 200) problems.push(`message of ${message.length} characters`);
  return { problems, result };
}

// --- Twilio frames --------------------------------------------------------------------------------

/** One valid object per message type and direction, in Twilio's wire shape. */
const SAMPLE_MESSAGES: { direction: 'in' | 'out'; value: Record<string, unknown> }[] = [
  ...INBOUND_FRAMES.map((f) => ({ direction: 'in' as const, value: JSON.parse(f) })),
  ...OUTBOUND_FRAMES.map((f) => ({ direction: 'out' as const, value: JSON.parse(f) })),
];

/** Every path in a JSON object (objects and leaves), as key lists. */
function paths(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  const out: string[][] = [];
  for (const [k, v] of Object.entries(value)) {
    out.push([...prefix, k]);
    out.push(...paths(v, [...prefix, k]));
  }
  return out;
}

function withReplaced(value: unknown, path: string[], replacement: unknown, remove = false): unknown {
  const copy = structuredClone(value) as Record<string, unknown>;
  let node = copy;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string, unknown>;
  if (remove) delete node[path.at(-1)!];
  else node[path.at(-1)!] = replacement;
  return copy;
}

const WRONG_VALUES: [string, unknown][] = [
  ['null', null],
  ['zero', 0],
  ['negative', -1],
  ['fraction', 1.5],
  ['huge number', 1e300],
  ['true', true],
  ['empty array', []],
  ['array', ['inbound', 1]],
  ['empty object', {}],
  ['object', { polluted: 'yes' }],
  ['empty string', ''],
  ['emoji', '🎧📞🙂'],
  ['long string', 'x'.repeat(2000)],
  ['long digits', '9'.repeat(400)],
  ['huge string', 'y'.repeat(70_000)],
  ['proto string', '__proto__'],
  ['lone surrogate', '\ud800'],
];

describe('fuzz: Twilio frame decoders', () => {
  it('random bytes, as Buffer and as text, never throw and get a typed error', () => {
    const r = rng(0x7a11);
    const failures: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const bytes = r.bytes(r.int(i < 2000 ? 64 : 600));
      // Sometimes start like JSON so the parser goes deeper than the first byte.
      if (i % 3 === 0 && bytes.length > 0) bytes[0] = 0x7b;
      for (const raw of [Buffer.from(bytes), Buffer.from(bytes).toString('latin1')])
        for (const direction of ['in', 'out'] as const) {
          const { problems } = decodeProblems(direction, raw);
          if (problems.length) failures.push(`case ${i} ${direction}: ${problems.join(', ')}`);
        }
    }
    expect(failures).toEqual([]);
  });

  it('every message type truncated at every cut point is not_json', () => {
    const failures: string[] = [];
    let cases = 0;
    for (const { direction, value } of SAMPLE_MESSAGES) {
      const frame = JSON.stringify(value);
      for (let cut = 0; cut < frame.length; cut++) {
        cases++;
        const { problems, result } = decodeProblems(direction, frame.slice(0, cut));
        if (problems.length) failures.push(`${value.event}@${cut}: ${problems.join(', ')}`);
        else if (result?.ok !== false || result.error.code !== 'not_json')
          failures.push(`${value.event}@${cut}: ${JSON.stringify(result)}`);
      }
    }
    expect(cases).toBeGreaterThan(2500);
    expect(failures).toEqual([]);
  });

  it('each field replaced by a wrong type or removed: no throw, and any error names that field', () => {
    const failures: string[] = [];
    let cases = 0;
    let rejected = 0;
    for (const { direction, value } of SAMPLE_MESSAGES) {
      for (const path of paths(value)) {
        const name = path.join('.');
        const variants: [string, unknown][] = [
          ...WRONG_VALUES.map(([label, v]): [string, unknown] => [label, withReplaced(value, path, v)]),
          ['removed', withReplaced(value, path, undefined, true)],
        ];
        for (const [label, variant] of variants) {
          cases++;
          const { problems, result } = decodeProblems(direction, JSON.stringify(variant));
          if (problems.length) failures.push(`${value.event} ${name}=${label}: ${problems.join(', ')}`);
          if (!result || result.ok) continue;
          rejected++;
          const { code, message } = result.error;
          if (code === 'too_large') continue;
          const namesField =
            name === 'event'
              ? /^(event |unknown event )/.test(message)
              : message.startsWith(`${name} `) || message.startsWith(`${name}.`);
          if (!namesField)
            failures.push(`${value.event} ${name}=${label}: "${message}" does not name ${name}`);
        }
      }
    }
    expect(cases).toBeGreaterThan(1500);
    expect(rejected).toBeGreaterThan(cases / 2);
    expect(failures).toEqual([]);
  });

  it('a string field replaced by null, a number, an array or an object is always rejected', () => {
    const failures: string[] = [];
    for (const { direction, value } of SAMPLE_MESSAGES)
      for (const path of paths(value)) {
        const original = path.reduce<unknown>((n, k) => (n as Record<string, unknown>)[k], value);
        // Counters are decimal strings that may also come as numbers; everything else is strictly typed.
        if (typeof original !== 'string' || /^\d+$/.test(original)) continue;
        for (const wrong of [null, 7, [], { a: 'b' }, false]) {
          const { result } = decodeProblems(direction, JSON.stringify(withReplaced(value, path, wrong)));
          if (result?.ok !== false)
            failures.push(`${value.event} ${path.join('.')}=${JSON.stringify(wrong)} accepted`);
        }
      }
    expect(failures).toEqual([]);
  });

  it('__proto__ and constructor keys anywhere never pollute prototypes', () => {
    const failures: string[] = [];
    const injections = [
      '"__proto__":{"polluted":"yes"}',
      '"__proto__":"yes"',
      '"constructor":{"prototype":{"polluted":"yes"}}',
    ];
    for (const { direction, value } of SAMPLE_MESSAGES) {
      const frame = JSON.stringify(value);
      // Inject after every '{' (the start of each object, customParameters included).
      for (let at = frame.indexOf('{'); at >= 0; at = frame.indexOf('{', at + 1))
        for (const injection of injections) {
          const tail = frame[at + 1] === '}' ? '' : ',';
          const raw = `${frame.slice(0, at + 1)}${injection}${tail}${frame.slice(at + 1)}`;
          const { problems, result } = decodeProblems(direction, raw);
          if (problems.length) failures.push(`${raw.slice(0, 80)}: ${problems.join(', ')}`);
          if (result?.ok) {
            const decoded = result.message as unknown as Record<string, unknown>;
            if (Object.getPrototypeOf(decoded) !== Object.prototype)
              failures.push('decoded prototype changed');
          }
        }
    }
    const start = decodeTwilioInbound(
      INBOUND_FRAMES[1]!.replace(
        '"customParameters":{',
        '"customParameters":{"__proto__":"x","constructor":"y",',
      ),
    );
    expect(start.ok).toBe(true);
    if (start.ok && start.message.event === 'start') {
      const params = start.message.start.customParameters;
      expect(Object.getOwnPropertyDescriptor(params, '__proto__')?.value).toBe('x');
      expect(Object.getOwnPropertyDescriptor(params, 'constructor')?.value).toBe('y');
      expect(Object.getPrototypeOf(params)).toBe(Object.prototype);
    }
    expect(failures).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('random mutations of real frames never throw and stay well typed', () => {
    const r = rng(0xfa11);
    const failures: string[] = [];
    const alphabet = '{}[]":,0123456789-.eE\\u tfnrl"abcdefMZ_+/= 🎧\u0000';
    for (let i = 0; i < 4000; i++) {
      const { direction, value } = r.pick(SAMPLE_MESSAGES);
      let frame = JSON.stringify(value);
      for (let k = 1 + r.int(4); k > 0; k--) {
        const at = r.int(frame.length + 1);
        const op = r.int(3);
        const ch = r.pick([...alphabet]);
        if (op === 0) frame = frame.slice(0, at) + ch + frame.slice(at);
        else if (op === 1) frame = frame.slice(0, at) + frame.slice(at + 1 + r.int(8));
        else frame = frame.slice(0, at) + ch + frame.slice(at + 1);
      }
      const { problems } = decodeProblems(direction, frame);
      if (problems.length) failures.push(`case ${i}: ${problems.join(', ')} in ${frame.slice(0, 120)}`);
    }
    expect(failures).toEqual([]);
  });

  it('random JSON built from the protocol’s own vocabulary never throws and stays well typed', () => {
    const r = rng(0x150);
    const keys = [
      'event',
      'streamSid',
      'sequenceNumber',
      'media',
      'mark',
      'start',
      'stop',
      'dtmf',
      'payload',
      'name',
      'track',
      'chunk',
      'timestamp',
      'digit',
      'accountSid',
      'callSid',
      'tracks',
      'customParameters',
      'mediaFormat',
      'encoding',
      'sampleRate',
      'channels',
      'protocol',
      'version',
      '__proto__',
    ];
    const strings = [
      'connected',
      'start',
      'media',
      'mark',
      'dtmf',
      'stop',
      'clear',
      'inbound',
      '1',
      '0',
      '#',
      '',
      INBOUND_FRAMES.length.toString(),
      'MZ3f1c2b9e8d7a6f5e4d3c2b1a0f9e8d7c',
      'AC5d6e7f8091a2b3c4d5e6f708192a3b4c',
      'CA0a1b2c3d4e5f60718293a4b5c6d7e8f9',
      '/w==',
      'not base64!',
    ];
    const gen = (depth: number): unknown => {
      const kind = r.int(depth > 3 ? 4 : 7);
      if (kind === 0) return r.pick(strings);
      if (kind === 1) return r.pick([0, 1, -1, 8000, 2.5, 1e21, Number.MAX_SAFE_INTEGER]);
      if (kind === 2) return r.pick([null, true, false]);
      if (kind === 3) return r.pick(strings) + r.pick(strings);
      if (kind === 4) return Array.from({ length: r.int(4) }, () => gen(depth + 1));
      const o: Record<string, unknown> = {};
      for (let n = r.int(6); n > 0; n--) o[r.pick(keys)] = gen(depth + 1);
      return o;
    };
    const failures: string[] = [];
    for (let i = 0; i < 4000; i++) {
      const value = gen(0);
      const o =
        typeof value === 'object' && value && !Array.isArray(value)
          ? (value as Record<string, unknown>)
          : null;
      if (o && r.int(2) === 0) o.event = r.pick(strings);
      const frame = JSON.stringify(value) ?? 'undefined';
      for (const direction of ['in', 'out'] as const) {
        const { problems } = decodeProblems(direction, frame);
        if (problems.length)
          failures.push(`case ${i} ${direction}: ${problems.join(', ')} in ${frame.slice(0, 160)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('too_large exactly when the UTF-8 size exceeds maxBytes, for text and bytes', () => {
    const r = rng(0x51e);
    const failures: string[] = [];
    const fillers = ['a', 'é', '€', '🎧', '"', '\u0000'];
    for (let i = 0; i < 3000; i++) {
      const { direction, value } = r.pick(SAMPLE_MESSAGES);
      const filler = r.pick(fillers).repeat(r.int(300));
      const frame = JSON.stringify({ ...value, extra: filler });
      const bytes = Buffer.byteLength(frame);
      const maxBytes = r.int(bytes * 2 + 2);
      for (const raw of [
        frame,
        Buffer.from(frame),
        [Buffer.from(frame).subarray(0, 7), Buffer.from(frame).subarray(7)],
      ]) {
        const { problems, result } = decodeProblems(direction, raw, { maxBytes });
        if (problems.length) failures.push(`case ${i}: ${problems.join(', ')}`);
        const tooLarge = result?.ok === false && result.error.code === 'too_large';
        if (tooLarge !== bytes > maxBytes)
          failures.push(`case ${i}: ${bytes} bytes, max ${maxBytes}, got ${tooLarge}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('very long keys and values are refused with short messages that name the field', () => {
    const start = JSON.parse(INBOUND_FRAMES[1]!);
    const longKey = 'k'.repeat(10_000);
    start.start.customParameters = { [longKey]: 'v' };
    const { problems, result } = decodeProblems('in', JSON.stringify(start));
    expect(problems).toEqual([]);
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'bad_value', message: 'start.customParameters has a key longer than 256 characters' },
    });
    start.start.customParameters = { k: 'v'.repeat(5000) };
    expect(decodeTwilioInbound(JSON.stringify(start))).toMatchObject({
      ok: false,
      error: { code: 'bad_value', message: 'start.customParameters.k is longer than 1024 characters' },
    });
    const mark = JSON.parse(OUTBOUND_FRAMES[1]!);
    mark.mark.name = 'm'.repeat(257);
    expect(decodeTwilioOutbound(JSON.stringify(mark))).toMatchObject({
      ok: false,
      error: { code: 'bad_value', message: 'mark.name is longer than 256 characters' },
    });
  });

  it('values that are not frames at all get wrong_type', () => {
    const odd: unknown[] = [
      undefined,
      null,
      0,
      42,
      true,
      {},
      { length: 3 },
      [1, 2],
      ['text'],
      Symbol('x'),
      () => 1,
    ];
    for (const raw of odd)
      for (const direction of ['in', 'out'] as const) {
        const { problems, result } = decodeProblems(direction, raw);
        expect(problems).toEqual([]);
        expect(result).toMatchObject({ ok: false, error: { code: 'wrong_type' } });
      }
  });
});

// --- WAV ------------------------------------------------------------------------------------------

const WAV_CODES = new Set([
  'bad_input',
  'too_short',
  'not_riff',
  'not_wave',
  'truncated',
  'duplicate_chunk',
  'missing_fmt',
  'missing_data',
  'bad_fmt',
  'unsupported_format',
  'partial_frame',
]);

/** Runs readWav; returns a problem description, or '' when it returned sound audio or threw a WavError. */
function readWavProblem(input: unknown): string {
  let audio: WavAudio;
  try {
    audio = readWav(input as Uint8Array);
  } catch (err) {
    if (!(err instanceof WavError)) return `threw ${String(err)}`;
    if (!WAV_CODES.has(err.code)) return `unknown code ${err.code}`;
    if (!err.message || err.message.length > 200) return `bad message "${err.message.slice(0, 50)}"`;
    return '';
  }
  const frame = audio.channels * (audio.format === 'pcm16' ? 2 : 1);
  if (audio.format !== 'pcm16' && audio.format !== 'mulaw') return 'bad format';
  if (!(audio.sampleRate >= 1) || !(audio.channels >= 1)) return 'bad rate or channels';
  if (audio.data.length % frame !== 0) return 'partial frame returned';
  if (input instanceof Uint8Array && audio.data.length > input.length) return 'data longer than input';
  // Whatever was accepted must survive a write and a re-read unchanged.
  const again = readWav(writeWav(audio));
  if (Buffer.compare(Buffer.from(again.data), Buffer.from(audio.data)) !== 0) return 'rewrite changed data';
  return '';
}

const SAMPLE_WAVS: Buffer[] = [
  fixtureBytes('sox-tone-mulaw.wav'),
  fixtureBytes('sox-tone-pcm16.wav'),
  fixtureBytes('sox-tone-pcm16-stereo.wav'),
  writeWav({ format: 'mulaw', sampleRate: 8000, channels: 1, data: mulawSilence(3).subarray(0, 23) }),
  writeWav(pcm16Audio(Int16Array.of(1, -1, 300), 16000)),
];

function chunk(id: string, body: Uint8Array, size = body.length): Buffer {
  const head = Buffer.alloc(8);
  head.write(id, 0, 'latin1');
  head.writeUInt32LE(size >>> 0, 4);
  return Buffer.concat([head, body, body.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

describe('fuzz: readWav', () => {
  it('random bytes throw only WavError', () => {
    const r = rng(0x3a7);
    const failures: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const bytes = r.bytes(r.int(200));
      // Give most cases a real header so the chunk walk is exercised, not just the magic check.
      if (i % 4 !== 0 && bytes.length >= 12)
        Buffer.from('RIFF\0\0\0\0WAVE', 'latin1').copy(bytes, 0, 0, i % 4 === 1 ? 4 : 12);
      const problem = readWavProblem(bytes);
      if (problem) failures.push(`case ${i}: ${problem}`);
    }
    expect(failures).toEqual([]);
  });

  it('random chunk soups (real ids, lying sizes, odd lengths) throw only WavError or read soundly', () => {
    const r = rng(0xc4a);
    const failures: string[] = [];
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const chunks: Buffer[] = [];
      for (let n = r.int(5); n >= 0; n--) {
        // Usually one well-formed fmt then data among the junk, so accepting paths are reached too.
        const id =
          n === 1 && r.int(2)
            ? 'fmt '
            : n === 0 && r.int(2)
              ? 'data'
              : r.pick(['fmt ', 'data', 'LIST', 'fact', 'JUNK', '\0\0\0\0']);
        let body: Uint8Array;
        if (id === 'fmt ' && r.int(2)) {
          const mulaw = r.int(2) === 1;
          const channels = 1 + r.int(2);
          const b = Buffer.alloc(mulaw ? 18 : 16);
          b.writeUInt16LE(mulaw ? 7 : 1, 0);
          b.writeUInt16LE(channels, 2);
          b.writeUInt32LE(8000, 4);
          b.writeUInt16LE(channels * (mulaw ? 1 : 2), 12);
          b.writeUInt16LE(mulaw ? 8 : 16, 14);
          body = b;
        } else if (id === 'fmt ' && r.int(3) > 0) {
          const b = Buffer.alloc(r.pick([14, 16, 18, 40]));
          const channels = r.pick([0, 1, 1, 2, 3]);
          const tag = r.pick([1, 1, 7, 7, 3, 6, 0xfffe, 0x55]);
          const bits = r.int(4) ? (tag === 1 ? 16 : 8) : r.pick([8, 16, 24, 32]);
          if (b.length >= 16) {
            b.writeUInt16LE(tag, 0);
            b.writeUInt16LE(channels, 2);
            b.writeUInt32LE(r.pick([0, 8000, 8000, 16000, 44100, 0xffffffff]), 4);
            b.writeUInt16LE(r.int(3) ? (channels * bits) / 8 : r.int(9), 12);
            b.writeUInt16LE(bits, 14);
          }
          if (b.length >= 18) b.writeUInt16LE(r.pick([0, 22]), 16);
          body = b;
        } else body = r.bytes(id === 'data' && r.int(3) ? 12 * r.int(4) : r.int(40));
        const lie = r.int(6) === 0 ? r.pick([0, 1, body.length + 1, 0x7fffffff, 0xffffffff]) : body.length;
        chunks.push(chunk(id, body, lie));
      }
      const bodyBytes = Buffer.concat([Buffer.from('WAVE', 'latin1'), ...chunks]);
      const head = Buffer.alloc(8);
      head.write('RIFF', 0, 'latin1');
      head.writeUInt32LE(r.pick([bodyBytes.length, 0, 0xffffffff, r.int(bodyBytes.length + 1)]), 4);
      const wav = Buffer.concat([head, bodyBytes]);
      const problem = readWavProblem(wav);
      if (problem) failures.push(`case ${i}: ${problem}`);
      try {
        readWav(wav);
        accepted++;
      } catch {}
    }
    expect(failures).toEqual([]);
    // The generator must reach the accepting paths too, or this proves little.
    expect(accepted).toBeGreaterThan(50);
  });

  it('real files cut at every length throw only WavError', () => {
    const failures: string[] = [];
    let cases = 0;
    for (const [n, wav] of SAMPLE_WAVS.entries())
      for (let cut = 0; cut < wav.length; cut++) {
        cases++;
        const problem = readWavProblem(wav.subarray(0, cut));
        if (problem) failures.push(`file ${n} cut ${cut}: ${problem}`);
      }
    expect(cases).toBeGreaterThan(2000);
    expect(failures).toEqual([]);
  });

  it('every byte of the headers set to edge values throws only WavError or reads soundly', () => {
    const failures: string[] = [];
    for (const [n, wav] of SAMPLE_WAVS.entries())
      for (let at = 0; at < Math.min(wav.length, 64); at++)
        for (const v of [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff]) {
          const copy = Buffer.from(wav);
          copy[at] = v;
          const problem = readWavProblem(copy);
          if (problem) failures.push(`file ${n} byte ${at}=${v}: ${problem}`);
        }
    expect(failures).toEqual([]);
  });

  it('values that are not byte arrays get bad_input', () => {
    for (const input of [
      undefined,
      null,
      'RIFF',
      12,
      [82, 73, 70, 70],
      new ArrayBuffer(44),
      { length: 44 },
    ]) {
      expect(readWavProblem(input)).toBe('');
      expect(() => readWav(input as Uint8Array)).toThrow(expect.objectContaining({ code: 'bad_input' }));
    }
  });
});

// --- TwiML ----------------------------------------------------------------------------------------

const TWIML_CODES = new Set([
  'bad_input',
  'too_large',
  'malformed_xml',
  'too_deep',
  'no_response',
  'unknown_verb',
  'invalid_verb',
]);
const VERBS = new Set(['Connect', 'Say', 'Dial', 'Hangup', 'Pause', 'Redirect', 'Other']);

function verbProblems(v: TwimlVerb): string {
  if (!VERBS.has(v.verb)) return `unknown verb ${v.verb}`;
  if (v.verb === 'Connect') {
    if (!isStr(v.stream.url) || !v.stream.url) return 'stream url';
    if (Object.getPrototypeOf(v.stream.parameters) !== Object.prototype) return 'parameters prototype';
    if (!Object.values(v.stream.parameters).every(isStr)) return 'parameter values';
  }
  if (v.verb === 'Say' && !isStr(v.text)) return 'say text';
  if (v.verb === 'Pause' && v.length !== undefined && !isCount(v.length)) return 'pause length';
  if (v.verb === 'Dial' && v.timeout !== undefined && !isCount(v.timeout)) return 'dial timeout';
  if (v.verb === 'Other' && Object.getPrototypeOf(v.attributes) !== Object.prototype)
    return 'attributes prototype';
  return '';
}

function parseProblem(input: unknown): string {
  let verbs: TwimlVerb[];
  try {
    verbs = parseTwiml(input as string);
  } catch (err) {
    if (!(err instanceof TwimlParseError)) return `threw ${String(err)}`;
    if (!TWIML_CODES.has(err.code)) return `unknown code ${err.code}`;
    if (!err.message || err.message.length > 200) return `bad message "${err.message.slice(0, 50)}"`;
    return '';
  }
  if (!Array.isArray(verbs)) return 'not an array';
  for (const v of verbs) {
    const p = verbProblems(v);
    if (p) return p;
  }
  return '';
}

const SAMPLE_TWIML = [
  connectStreamTwiml({
    url: 'wss://voice.example/twilio-stream?x=1&y=<2>',
    parameters: { brandId: 'acme', quote: `"it's" & <ok>` },
    statusCallback: 'https://voice.example/status',
  }),
  sayAndHangupTwiml('Sorry, we are closed. Goodbye & take care.', {
    voice: 'Polly.Joanna',
    language: 'en-US',
  }),
  dialTwiml({ number: '+15550100', callerId: '+15550199', timeoutSec: 20, say: 'Transferring you now.' }),
  dialTwiml({ sipUri: 'sip:agent@pbx.example', callerId: '+15550199' }),
  hangupTwiml(),
  '<?xml version="1.0"?><!-- c --><Response><Pause length="1"/><Redirect method="POST">https://a/b</Redirect><Play>x</Play></Response>',
];

describe('fuzz: parseTwiml', () => {
  it('valid documents cut at every length throw TwimlParseError', () => {
    const failures: string[] = [];
    let cases = 0;
    for (const [n, doc] of SAMPLE_TWIML.entries()) {
      expect(parseProblem(doc)).toBe('');
      for (let cut = 0; cut < doc.length; cut++) {
        cases++;
        const prefix = doc.slice(0, cut);
        try {
          parseTwiml(prefix);
          failures.push(`doc ${n} cut ${cut} parsed`);
        } catch (err) {
          if (!(err instanceof TwimlParseError)) failures.push(`doc ${n} cut ${cut}: ${String(err)}`);
        }
      }
    }
    expect(cases).toBeGreaterThan(900);
    expect(failures).toEqual([]);
  });

  it('random mutations of valid documents throw only TwimlParseError or parse to well-typed verbs', () => {
    const r = rng(0x7e1);
    const failures: string[] = [];
    const alphabet = [...'<>/="\'&;!?[]-# aZ'].concat([
      '&amp;',
      '&#x0;',
      '&#65;',
      '<![CDATA[',
      ']]>',
      '<!--',
      '-->',
      '<Say>',
      '</Say>',
      '<Hangup/>',
      '<Parameter name="__proto__" value="p"/>',
      '🎧',
      '\u0000',
    ]);
    for (let i = 0; i < 4000; i++) {
      let doc = r.pick(SAMPLE_TWIML);
      for (let k = 1 + r.int(4); k > 0; k--) {
        const at = r.int(doc.length + 1);
        const op = r.int(3);
        const piece = r.pick(alphabet);
        if (op === 0) doc = doc.slice(0, at) + piece + doc.slice(at);
        else if (op === 1) doc = doc.slice(0, at) + doc.slice(at + 1 + r.int(10));
        else doc = doc.slice(0, at) + piece + doc.slice(at + 1);
      }
      const problem = parseProblem(doc);
      if (problem) failures.push(`case ${i}: ${problem} in ${doc.slice(0, 160)}`);
    }
    expect(failures).toEqual([]);
  });

  it('random XML-ish text throws only TwimlParseError', () => {
    const r = rng(0xb1b);
    const failures: string[] = [];
    const tokens = [
      '<',
      '>',
      '/',
      '=',
      '"',
      "'",
      '&',
      ';',
      '!',
      '?',
      'Response',
      'Say',
      'Dial',
      'Connect',
      'Stream',
      ' ',
      '\n',
      'x',
      '__proto__',
      'url',
      '<!DOCTYPE',
      '&#x1F600;',
    ];
    for (let i = 0; i < 4000; i++) {
      const doc =
        (i % 2 ? '<Response>' : '') + Array.from({ length: r.int(40) }, () => r.pick(tokens)).join('');
      const problem = parseProblem(doc);
      if (problem) failures.push(`case ${i}: ${problem} in ${doc.slice(0, 160)}`);
    }
    expect(failures).toEqual([]);
  });

  it('wrong-typed attributes, huge and odd values, and __proto__ names never escape as anything but TwimlParseError', () => {
    const failures: string[] = [];
    const values = [
      '',
      '-1',
      '1.5',
      'NaN',
      '9'.repeat(400),
      'x'.repeat(100_000),
      '🎧',
      '__proto__',
      '&lt;&gt;',
      '\ud800',
    ];
    const templates = [
      (v: string) => `<Response><Pause length="${v}"/></Response>`,
      (v: string) => `<Response><Dial timeout="${v}" callerId="${v}">${v}</Dial></Response>`,
      (v: string) => `<Response><Say voice="${v}" language="${v}">${v}</Say></Response>`,
      (v: string) =>
        `<Response><Connect><Stream url="${v}"><Parameter name="${v}" value="${v}"/></Stream></Connect></Response>`,
      (v: string) => `<Response><Redirect>${v}</Redirect></Response>`,
      (v: string) => `<Response><${v || 'x'}/></Response>`,
      (v: string) =>
        `<Response ${v || 'a'}="1"><Play ${v || 'b'}="2" __proto__="p" constructor="c"/></Response>`,
    ];
    for (const t of templates)
      for (const v of values) {
        const problem = parseProblem(t(v));
        if (problem) failures.push(`${t(v).slice(0, 80)}: ${problem}`);
      }
    for (const input of [undefined, null, 1, {}, [], Buffer.from('<Response/>')]) {
      const problem = parseProblem(input);
      if (problem) failures.push(`${String(input)}: ${problem}`);
      expect(() => parseTwiml(input as string)).toThrow(expect.objectContaining({ code: 'bad_input' }));
    }
    expect(failures).toEqual([]);
  });

  it('deep and wide documents fail cleanly with too_deep or too_large', () => {
    const r = rng(0xdee9);
    for (let i = 0; i < 50; i++) {
      const depth = 60 + r.int(5000);
      const doc = `<Response><Say>${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}</Say></Response>`;
      expect(parseProblem(doc)).toBe('');
    }
    expect(parseProblem(`<Response>${'<Hangup/>'.repeat(200_000)}</Response>`)).toBe('');
  });
});
