import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_FRAME_BYTES,
  type DecodeResult,
  decodeTwilioInbound,
  decodeTwilioOutbound,
  encodeTwilioClear,
  encodeTwilioConnected,
  encodeTwilioDtmf,
  encodeTwilioInboundMark,
  encodeTwilioInboundMedia,
  encodeTwilioMark,
  encodeTwilioMedia,
  encodeTwilioStart,
  encodeTwilioStop,
  type TwilioInbound,
  type TwilioOutbound,
  twilioStreamEncoder,
} from './twilio-media.ts';

const fixtureLines = (name: string) =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')
    .trimEnd()
    .split('\n');

/** One call as Twilio sends it on a bidirectional stream: connected, start, media, dtmf, mark echo, stop. */
const INBOUND_FRAMES = fixtureLines('twilio-inbound-call.jsonl');
/** What the voice-server sends back on the same stream: media, marks, clear. */
const OUTBOUND_FRAMES = fixtureLines('twilio-outbound-call.jsonl');
/** The raw mu-law the media payloads carry (a sox tone). */
const TONE = readFileSync(new URL('./fixtures/sox-tone-mulaw.ulaw', import.meta.url));

const STREAM_SID = 'MZ3f1c2b9e8d7a6f5e4d3c2b1a0f9e8d7c';
const ACCOUNT_SID = 'AC5d6e7f8091a2b3c4d5e6f708192a3b4c';
const CALL_SID = 'CA0a1b2c3d4e5f60718293a4b5c6d7e8f9';

function ok<T>(result: DecodeResult<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.code}: ${result.error.message}`);
  return result.message;
}

/** Re-encodes a decoded inbound message with the matching hand-built encoder. */
function reencodeInbound(m: TwilioInbound): string {
  switch (m.event) {
    case 'connected':
      return encodeTwilioConnected();
    case 'start':
      return encodeTwilioStart({
        sequenceNumber: m.sequenceNumber,
        streamSid: m.streamSid,
        accountSid: m.start.accountSid,
        callSid: m.start.callSid,
        customParameters: m.start.customParameters,
        tracks: m.start.tracks,
      });
    case 'media':
      return encodeTwilioInboundMedia({
        sequenceNumber: m.sequenceNumber,
        streamSid: m.streamSid,
        chunk: m.media.chunk,
        timestamp: m.media.timestamp,
        payload: m.media.payload,
        track: m.media.track,
      });
    case 'mark':
      return encodeTwilioInboundMark({
        sequenceNumber: m.sequenceNumber,
        streamSid: m.streamSid,
        name: m.mark.name,
      });
    case 'dtmf':
      return encodeTwilioDtmf({
        sequenceNumber: m.sequenceNumber,
        streamSid: m.streamSid,
        digit: m.dtmf.digit,
      });
    case 'stop':
      return encodeTwilioStop({
        sequenceNumber: m.sequenceNumber,
        streamSid: m.streamSid,
        accountSid: m.stop.accountSid,
        callSid: m.stop.callSid,
      });
  }
}

function reencodeOutbound(m: TwilioOutbound): string {
  switch (m.event) {
    case 'media':
      return encodeTwilioMedia(m.streamSid, m.media.payload);
    case 'mark':
      return encodeTwilioMark(m.streamSid, m.mark.name);
    case 'clear':
      return encodeTwilioClear(m.streamSid);
  }
}

describe('recorded Twilio frames', () => {
  const decoded = INBOUND_FRAMES.map((frame) => ok(decodeTwilioInbound(frame)));

  it('decodes the connected and start messages, counters as numbers and parameters intact', () => {
    expect(decoded[0]).toEqual({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    expect(decoded[1]).toEqual({
      event: 'start',
      sequenceNumber: 1,
      streamSid: STREAM_SID,
      start: {
        streamSid: STREAM_SID,
        accountSid: ACCOUNT_SID,
        callSid: CALL_SID,
        tracks: ['inbound'],
        customParameters: {
          brandId: 'acme-support',
          direction: 'inbound',
          greeting: 'Hi "there" & <welcome>',
        },
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
    });
  });

  it('decodes media frames: 20 ms of mu-law each, in chunk and timestamp order', () => {
    const media = decoded.filter((m) => m.event === 'media');
    expect(media.map((m) => [m.sequenceNumber, m.media.chunk, m.media.timestamp, m.media.track])).toEqual([
      [2, 1, 62, 'inbound'],
      [3, 2, 82, 'inbound'],
      [4, 3, 102, 'inbound'],
      [7, 4, 122, 'inbound'],
    ]);
    for (const m of media) expect(m.streamSid).toBe(STREAM_SID);
    const audio = media.map((m) => Buffer.from(m.media.payload, 'base64'));
    expect(audio.map((a) => a.length)).toEqual([160, 160, 160, 160]);
    expect(audio[0]!.equals(TONE.subarray(0, 160))).toBe(true);
    expect(audio[2]!.every((b) => b === 0xff)).toBe(true);
  });

  it('decodes dtmf, the echoed mark and stop', () => {
    expect(decoded[5]).toEqual({
      event: 'dtmf',
      sequenceNumber: 5,
      streamSid: STREAM_SID,
      dtmf: { track: 'inbound_track', digit: '#' },
    });
    expect(decoded[6]).toEqual({
      event: 'mark',
      sequenceNumber: 6,
      streamSid: STREAM_SID,
      mark: { name: 'resp_7f3a:item_2:0' },
    });
    expect(decoded[8]).toEqual({
      event: 'stop',
      sequenceNumber: 8,
      streamSid: STREAM_SID,
      stop: { accountSid: ACCOUNT_SID, callSid: CALL_SID },
    });
  });

  it('re-encodes every recorded inbound frame byte for byte (the simulator speaks Twilio’s exact layout)', () => {
    expect(decoded.map(reencodeInbound)).toEqual(INBOUND_FRAMES);
  });

  it('decodes and re-encodes the recorded outbound frames byte for byte', () => {
    const out = OUTBOUND_FRAMES.map((frame) => ok(decodeTwilioOutbound(frame)));
    expect(out.map((m) => m.event)).toEqual(['media', 'mark', 'media', 'mark', 'clear']);
    expect(out[1]).toEqual({ event: 'mark', streamSid: STREAM_SID, mark: { name: 'resp_7f3a:item_2:0' } });
    expect(out[4]).toEqual({ event: 'clear', streamSid: STREAM_SID });
    expect(out.map(reencodeOutbound)).toEqual(OUTBOUND_FRAMES);
  });

  it('decodes the same frame from every shape ws hands over: string, Buffer, fragments, ArrayBuffer, view', () => {
    for (const frame of INBOUND_FRAMES) {
      const want = decodeTwilioInbound(frame);
      const buf = Buffer.from(frame, 'utf8');
      const cut = Math.floor(buf.length / 3);
      const arrayBuffer = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length);
      const padded = new Uint8Array(buf.length + 5);
      padded.set(buf, 5);
      expect(decodeTwilioInbound(buf)).toEqual(want);
      expect(decodeTwilioInbound([buf.subarray(0, cut), buf.subarray(cut)])).toEqual(want);
      expect(decodeTwilioInbound(arrayBuffer)).toEqual(want);
      expect(decodeTwilioInbound(padded.subarray(5))).toEqual(want);
    }
  });
});

const SPECIAL_NAMES = [
  'plain',
  '',
  'quote " inside',
  'back\\slash',
  'line\nbreak\ttab\r',
  'nul \u0000 and bell \u0007',
  'line separator \u2028 and paragraph \u2029',
  'emoji 🎧 and accents éà',
  'lone surrogate \ud800 end',
  '</script><b>&amp;',
];

describe('round trips', () => {
  it('inbound: every encoder decodes back to the values it was given', () => {
    const cases: [string, TwilioInbound][] = [
      [encodeTwilioConnected(), { event: 'connected', protocol: 'Call', version: '1.0.0' }],
      [
        encodeTwilioStart({
          sequenceNumber: 1,
          streamSid: STREAM_SID,
          accountSid: ACCOUNT_SID,
          callSid: CALL_SID,
          customParameters: { a: 'x"y', 'k e y': '\n', emoji: '📞' },
          tracks: ['inbound', 'outbound'],
        }),
        {
          event: 'start',
          sequenceNumber: 1,
          streamSid: STREAM_SID,
          start: {
            streamSid: STREAM_SID,
            accountSid: ACCOUNT_SID,
            callSid: CALL_SID,
            tracks: ['inbound', 'outbound'],
            customParameters: { a: 'x"y', 'k e y': '\n', emoji: '📞' },
            mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
          },
        },
      ],
      [
        encodeTwilioStart({
          sequenceNumber: 1,
          streamSid: STREAM_SID,
          accountSid: ACCOUNT_SID,
          callSid: CALL_SID,
        }),
        {
          event: 'start',
          sequenceNumber: 1,
          streamSid: STREAM_SID,
          start: {
            streamSid: STREAM_SID,
            accountSid: ACCOUNT_SID,
            callSid: CALL_SID,
            tracks: ['inbound'],
            customParameters: {},
            mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
          },
        },
      ],
      [
        encodeTwilioInboundMedia({
          sequenceNumber: 123456789,
          streamSid: STREAM_SID,
          chunk: 99999,
          timestamp: 1_999_980,
          payload: TONE.subarray(0, 160).toString('base64'),
        }),
        {
          event: 'media',
          sequenceNumber: 123456789,
          streamSid: STREAM_SID,
          media: {
            track: 'inbound',
            chunk: 99999,
            timestamp: 1_999_980,
            payload: TONE.subarray(0, 160).toString('base64'),
          },
        },
      ],
      [
        encodeTwilioInboundMedia({
          sequenceNumber: 0,
          streamSid: STREAM_SID,
          chunk: 0,
          timestamp: 0,
          payload: '',
          track: 'outbound',
        }),
        {
          event: 'media',
          sequenceNumber: 0,
          streamSid: STREAM_SID,
          media: { track: 'outbound', chunk: 0, timestamp: 0, payload: '' },
        },
      ],
      [
        encodeTwilioDtmf({ sequenceNumber: 9, streamSid: STREAM_SID, digit: '*' }),
        {
          event: 'dtmf',
          sequenceNumber: 9,
          streamSid: STREAM_SID,
          dtmf: { track: 'inbound_track', digit: '*' },
        },
      ],
      [
        encodeTwilioStop({
          sequenceNumber: 10,
          streamSid: STREAM_SID,
          accountSid: ACCOUNT_SID,
          callSid: CALL_SID,
        }),
        {
          event: 'stop',
          sequenceNumber: 10,
          streamSid: STREAM_SID,
          stop: { accountSid: ACCOUNT_SID, callSid: CALL_SID },
        },
      ],
      ...SPECIAL_NAMES.map((name, i): [string, TwilioInbound] => [
        encodeTwilioInboundMark({ sequenceNumber: i + 2, streamSid: STREAM_SID, name }),
        { event: 'mark', sequenceNumber: i + 2, streamSid: STREAM_SID, mark: { name } },
      ]),
    ];
    for (const [frame, want] of cases) expect(ok(decodeTwilioInbound(frame)), frame).toEqual(want);
  });

  it('outbound: media, mark (with names needing escapes) and clear decode back to their values', () => {
    const payload = TONE.subarray(0, 400).toString('base64');
    expect(ok(decodeTwilioOutbound(encodeTwilioMedia(STREAM_SID, payload)))).toEqual({
      event: 'media',
      streamSid: STREAM_SID,
      media: { payload },
    });
    for (const name of SPECIAL_NAMES)
      expect(ok(decodeTwilioOutbound(encodeTwilioMark(STREAM_SID, name)))).toEqual({
        event: 'mark',
        streamSid: STREAM_SID,
        mark: { name },
      });
    expect(ok(decodeTwilioOutbound(encodeTwilioClear(STREAM_SID)))).toEqual({
      event: 'clear',
      streamSid: STREAM_SID,
    });
  });

  it('every dtmf key survives the round trip', () => {
    for (const digit of '0123456789*#')
      expect(
        ok(decodeTwilioInbound(encodeTwilioDtmf({ sequenceNumber: 1, streamSid: STREAM_SID, digit }))),
      ).toMatchObject({
        dtmf: { digit },
      });
  });
});

describe('hand-built encoders equal JSON.stringify', () => {
  const ODD_SIDS = [STREAM_SID, 'not-a-sid "quoted"', 'MZ\n', ''];

  it('media, mark and clear, for Twilio SIDs and for strings that need escaping', () => {
    const payload = TONE.subarray(0, 160).toString('base64');
    for (const sid of ODD_SIDS) {
      expect(encodeTwilioMedia(sid, payload)).toBe(
        JSON.stringify({ event: 'media', streamSid: sid, media: { payload } }),
      );
      expect(encodeTwilioClear(sid)).toBe(JSON.stringify({ event: 'clear', streamSid: sid }));
      for (const name of SPECIAL_NAMES)
        expect(encodeTwilioMark(sid, name)).toBe(
          JSON.stringify({ event: 'mark', streamSid: sid, mark: { name } }),
        );
    }
  });

  it('inbound media, with the counters as decimal strings the way Twilio sends them', () => {
    const payload = TONE.subarray(160, 320).toString('base64');
    for (const sid of ODD_SIDS)
      for (const track of ['inbound', 'outbound', 'we"ird\\'])
        expect(
          encodeTwilioInboundMedia({
            sequenceNumber: 42,
            streamSid: sid,
            chunk: 41,
            timestamp: 820,
            payload,
            track,
          }),
        ).toBe(
          JSON.stringify({
            event: 'media',
            sequenceNumber: '42',
            media: { track, chunk: '41', timestamp: '820', payload },
            streamSid: sid,
          }),
        );
  });

  it('output parses to the same value JSON.parse(JSON.stringify(x)) gives', () => {
    for (const name of SPECIAL_NAMES) {
      const value = { event: 'mark', streamSid: STREAM_SID, mark: { name } };
      expect(JSON.parse(encodeTwilioMark(STREAM_SID, name))).toEqual(JSON.parse(JSON.stringify(value)));
    }
  });

  it('stop uses Twilio’s key order (stop before streamSid)', () => {
    expect(
      Object.keys(
        JSON.parse(
          encodeTwilioStop({
            sequenceNumber: 1,
            streamSid: STREAM_SID,
            accountSid: ACCOUNT_SID,
            callSid: CALL_SID,
          }),
        ),
      ),
    ).toEqual(['event', 'sequenceNumber', 'stop', 'streamSid']);
  });
});

describe('decode leniency and limits', () => {
  it('accepts counters as JSON numbers as well as decimal strings', () => {
    const frame = JSON.stringify({
      event: 'media',
      sequenceNumber: 3,
      media: { track: 'inbound', chunk: 2, timestamp: 40, payload: '' },
      streamSid: STREAM_SID,
    });
    expect(ok(decodeTwilioInbound(frame))).toMatchObject({
      sequenceNumber: 3,
      media: { chunk: 2, timestamp: 40 },
    });
  });

  it('fills Twilio’s defaults when optional parts are absent', () => {
    const start = ok(
      decodeTwilioInbound(
        JSON.stringify({
          event: 'start',
          start: { streamSid: STREAM_SID, accountSid: ACCOUNT_SID, callSid: CALL_SID },
        }),
      ),
    );
    expect(start).toEqual({
      event: 'start',
      sequenceNumber: 0,
      streamSid: STREAM_SID,
      start: {
        streamSid: STREAM_SID,
        accountSid: ACCOUNT_SID,
        callSid: CALL_SID,
        tracks: ['inbound'],
        customParameters: {},
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
    });
    expect(ok(decodeTwilioInbound(JSON.stringify({ event: 'stop', streamSid: STREAM_SID })))).toEqual({
      event: 'stop',
      sequenceNumber: 0,
      streamSid: STREAM_SID,
      stop: { accountSid: '', callSid: '' },
    });
    expect(ok(decodeTwilioInbound(JSON.stringify({ event: 'connected' })))).toEqual({
      event: 'connected',
      protocol: '',
      version: '',
    });
  });

  it('rejects frames over maxBytes with too_large, counting UTF-8 bytes not characters', () => {
    const big = encodeTwilioMark(STREAM_SID, 'x'.repeat(DEFAULT_MAX_FRAME_BYTES));
    expect(decodeTwilioOutbound(big)).toEqual({
      ok: false,
      error: { code: 'too_large', message: `frame exceeds ${DEFAULT_MAX_FRAME_BYTES} bytes` },
    });
    expect(decodeTwilioOutbound(Buffer.from(big))).toMatchObject({ ok: false, error: { code: 'too_large' } });
    const frame = encodeTwilioMark(STREAM_SID, 'é'.repeat(40));
    expect(decodeTwilioOutbound(frame, { maxBytes: frame.length + 10 })).toMatchObject({
      ok: false,
      error: { code: 'too_large' },
    });
    expect(decodeTwilioOutbound(frame, { maxBytes: Buffer.byteLength(frame) }).ok).toBe(true);
  });

  it.each<[string, string, string, string]>([
    [
      'missing payload',
      '{"event":"media","streamSid":"MZ","media":{}}',
      'missing_field',
      'media.payload is missing',
    ],
    [
      'payload not base64',
      '{"event":"media","streamSid":"MZ","media":{"payload":"@@@"}}',
      'bad_value',
      'media.payload is not base64',
    ],
    [
      'mark name a number',
      '{"event":"mark","streamSid":"MZ","mark":{"name":7}}',
      'wrong_type',
      'mark.name must be a string',
    ],
    [
      'mark not an object',
      '{"event":"mark","streamSid":"MZ","mark":[]}',
      'wrong_type',
      'mark must be an object',
    ],
    ['no streamSid', '{"event":"clear"}', 'missing_field', 'streamSid is missing'],
    ['unknown event', '{"event":"play","streamSid":"MZ"}', 'unknown_event', 'unknown event "play"'],
  ])('outbound %s → %s naming the field', (_label, frame, code, message) => {
    const result = decodeTwilioOutbound(frame);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatchObject({ code, message });
  });

  it.each<[string, unknown, string, string]>([
    ['not JSON', '{"event":', 'not_json', 'frame is not valid JSON'],
    ['JSON array', '[1,2]', 'not_object', 'frame is not a JSON object'],
    ['JSON null', 'null', 'not_object', 'frame is not a JSON object'],
    ['no event', '{}', 'missing_field', 'event is missing'],
    [
      'bad SID',
      `{"event":"start","start":{"streamSid":"MZ1","accountSid":"${ACCOUNT_SID}","callSid":"${CALL_SID}"}}`,
      'bad_value',
      'start.streamSid is not a Twilio SID',
    ],
    [
      'negative chunk',
      `{"event":"media","sequenceNumber":"1","streamSid":"MZ","media":{"chunk":"-1","timestamp":"0","payload":""}}`,
      'bad_value',
      'media.chunk must be a non-negative integer',
    ],
    [
      'fractional timestamp',
      `{"event":"media","sequenceNumber":"1","streamSid":"MZ","media":{"chunk":"1","timestamp":1.5,"payload":""}}`,
      'bad_value',
      'media.timestamp must be a non-negative integer',
    ],
    [
      'dtmf letter',
      `{"event":"dtmf","sequenceNumber":"1","streamSid":"MZ","dtmf":{"digit":"x"}}`,
      'bad_value',
      'dtmf.digit is not a keypad digit',
    ],
    [
      'parameter not a string',
      `{"event":"start","start":{"streamSid":"${STREAM_SID}","accountSid":"${ACCOUNT_SID}","callSid":"${CALL_SID}","customParameters":{"k":1}}}`,
      'wrong_type',
      'start.customParameters.k must be a string',
    ],
    ['not text or bytes', 42, 'wrong_type', 'frame is not text or bytes'],
  ])('inbound %s → %s', (_label, frame, code, message) => {
    const result = decodeTwilioInbound(frame as string);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatchObject({ code, message });
  });

  it('reports the event of a frame that failed after its event was known', () => {
    const result = decodeTwilioInbound('{"event":"media","streamSid":"MZ"}');
    expect(result).toEqual({
      ok: false,
      error: { code: 'missing_field', message: 'media is missing', event: 'media' },
    });
  });
});

describe('isBase64', () => {
  it('accepts every encoding Buffer produces and refuses broken ones', async () => {
    const { isBase64 } = await import('./twilio-media.ts');
    for (let n = 0; n < 40; n++) expect(isBase64(Buffer.alloc(n, n * 7).toString('base64'))).toBe(true);
    for (const bad of ['abc', 'ab=c', 'a===', 'ab c', 'abc-', 'ab_d', '====', '//8=x', 'ÿÿÿÿ'])
      expect(isBase64(bad)).toBe(false);
  });
});

describe('twilioStreamEncoder', () => {
  it('encodes exactly what the per-frame encoders encode, for Twilio SIDs and odd ones', () => {
    for (const sid of ['MZ00000000000000000000000000000001', 'odd "sid"\n', '']) {
      const enc = twilioStreamEncoder(sid);
      const payload = Buffer.from('abc').toString('base64');
      expect(enc.media(payload)).toBe(encodeTwilioMedia(sid, payload));
      expect(enc.mark('0.12')).toBe(encodeTwilioMark(sid, '0.12'));
      expect(enc.mark('a "quoted" mark')).toBe(encodeTwilioMark(sid, 'a "quoted" mark'));
      expect(enc.clear()).toBe(encodeTwilioClear(sid));
      expect(JSON.parse(enc.media(payload))).toEqual({ event: 'media', streamSid: sid, media: { payload } });
    }
  });
});
