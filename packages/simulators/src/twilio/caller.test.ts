import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulawRms, readWav, sayAndHangupTwiml, type TwilioInboundMedia } from '@switchboard/telephony';
import { afterEach, describe, expect, it } from 'vitest';
import { toneMulaw } from './caller-script.ts';
import { createManualTicker, type ManualFrameTicker } from './frame-ticker.ts';
import { type PlaceCallOptions, placeCall, type SimulatedCall } from './simulated-call.ts';
import { startTestVoiceServer, type TestVoiceServer } from './test-voice-server.ts';

const AUTH_TOKEN = 'test-auth-token-0123456789abcdef';
const ACCOUNT_SID = `AC${'1'.repeat(32)}`;

let server: TestVoiceServer | undefined;
let ticker: ManualFrameTicker;
const calls: SimulatedCall[] = [];

afterEach(async () => {
  await Promise.all(calls.splice(0).map((c) => c.hangup()));
  await server?.close();
  server = undefined;
});

async function setup(serverOpts: Partial<Parameters<typeof startTestVoiceServer>[0]> = {}) {
  server = await startTestVoiceServer({ authToken: AUTH_TOKEN, ...serverOpts });
  ticker = createManualTicker();
  return server;
}

async function call(opts: Partial<PlaceCallOptions> = {}): Promise<SimulatedCall> {
  const c = await placeCall({
    voiceServerUrl: server!.url,
    authToken: AUTH_TOKEN,
    accountSid: ACCOUNT_SID,
    from: '+15551230001',
    to: '+15559870002',
    ticker,
    ...opts,
  });
  calls.push(c);
  return c;
}

const media = (frames: { event: string }[]) =>
  frames.filter((f) => f.event === 'media') as TwilioInboundMedia[];
const tone = (ms: number) => toneMulaw({ toneHz: 440, ms });

describe('webhook', () => {
  it('posts the PSTN form fields, signed as Twilio signs them, and follows the TwiML', async () => {
    await setup({ parameters: { bot_profile_key: 'acme', is_sip_call: 'false' } });
    const c = await call({
      applicationSid: `AP${'2'.repeat(32)}`,
      extraFields: { FreshcallerCallId: '777' },
    });
    const hit = server!.webhooks[0]!;
    expect(hit.signatureValid).toBe(true);
    expect(hit.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(hit.form).toMatchObject({
      CallSid: c.callSid,
      AccountSid: ACCOUNT_SID,
      From: '+15551230001',
      To: '+15559870002',
      Caller: '+15551230001',
      Called: '+15559870002',
      CallStatus: 'ringing',
      Direction: 'inbound',
      ApiVersion: '2010-04-01',
      ApplicationSid: `AP${'2'.repeat(32)}`,
      FreshcallerCallId: '777',
      FromCountry: 'US',
    });
    expect(hit.form.SipDomain).toBeUndefined();
    expect(c.callSid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(c.twiml?.verbs[0]).toMatchObject({
      verb: 'Connect',
      stream: { parameters: { bot_profile_key: 'acme' } },
    });
    expect(c.twiml?.raw).toContain('<Connect>');
    expect(c.status).toBe('in-progress');

    const stream = await server!.stream();
    await stream.until((f) => f.length >= 2);
    expect(JSON.parse(stream.texts[0]!)).toEqual({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    const start = stream.frames[1]!;
    expect(start.event).toBe('start');
    if (start.event !== 'start') return;
    expect(start.sequenceNumber).toBe(1);
    expect(start.streamSid).toMatch(/^MZ[0-9a-f]{32}$/);
    expect(start.streamSid).toBe(c.streamSid);
    expect(start.start).toMatchObject({
      callSid: c.callSid,
      accountSid: ACCOUNT_SID,
      tracks: ['inbound'],
      customParameters: { bot_profile_key: 'acme', is_sip_call: 'false' },
      mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
    });
    expect(stream.decodeErrors).toEqual([]);
  });

  it('sends SIP From/To and SipDomain for a SIP call', async () => {
    await setup();
    const c = await call({ sip: { domain: 'acme.sip.twilio.com' } });
    const form = server!.webhooks[0]!.form;
    expect(form).toMatchObject({
      From: 'sip:+15551230001@acme.sip.twilio.com',
      To: 'sip:+15559870002@acme.sip.twilio.com',
      Caller: 'sip:+15551230001@acme.sip.twilio.com',
      SipDomain: 'acme.sip.twilio.com',
    });
    expect(form.SipCallId).toBeTruthy();
    expect(form.FromCountry).toBeUndefined();
    expect(c.from).toBe('sip:+15551230001@acme.sip.twilio.com');
  });

  it('signs over the public URL behind a TLS-terminating proxy and maps the wss Stream url back', async () => {
    await setup({ publicBaseUrl: 'https://voice.example.com' });
    const c = await call({ publicBaseUrl: 'https://voice.example.com' });
    expect(c.webhook.signedUrl).toBe('https://voice.example.com/twilio-voice-webhook');
    expect(c.webhook.postedTo).toBe(`${server!.url}/twilio-voice-webhook`);
    expect(server!.webhooks[0]!.signatureValid).toBe(true);
    const stream = await server!.stream();
    expect(stream.url).toBe('wss://voice.example.com/twilio-stream');
    expect(c.isStreaming).toBe(true);
  });

  it('ends with webhook_failed when the server refuses a tampered signature', async () => {
    await setup();
    const c = await call({ faults: { tamperWebhookSignature: true } });
    expect(server!.webhooks[0]!.signatureValid).toBe(false);
    expect(c.endedWith).toMatchObject({ reason: 'webhook_failed', httpStatus: 403 });
  });

  it('ends with stream_failed when the stream upgrade is refused', async () => {
    await setup();
    const c = await call({ faults: { tamperStreamSignature: true } });
    const end = await c.ended;
    expect(end).toMatchObject({ reason: 'stream_failed', httpStatus: 403 });
    expect(server!.refusedStreams).toBe(1);
  });

  it('records the text of a Say answer and ends on Hangup without a stream', async () => {
    await setup({ twiml: () => sayAndHangupTwiml('Sorry, this number is not in service.') });
    // The <Say> takes its time on the call's clock before the hang-up.
    const c = await ticker.runUntil(call());
    expect(c.said).toEqual(['Sorry, this number is not in service.']);
    expect((await c.ended).reason).toBe('twiml_hangup');
    expect(server!.streams).toHaveLength(0);
  });
});

describe('media frames', () => {
  it('sends 160-byte frames every 20 ms with Twilio numbering, script audio then line silence', async () => {
    await setup();
    const c = await call({ source: [{ audio: tone(100), label: 'hi' }, { pauseMs: 40 }, { dtmf: '5' }] });
    const stream = await server!.stream();
    ticker.advance(200);
    await stream.until((f) => media(f).length >= 10 && f.some((x) => x.event === 'dtmf'));
    const frames = media(stream.frames);
    expect(frames.map((f) => f.media.chunk)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const stamps = frames.map((f) => f.media.timestamp);
    expect(stamps.slice(1).map((t, i) => t - stamps[i]!)).toEqual(Array(9).fill(20));
    for (const f of frames) expect(Buffer.from(f.media.payload, 'base64')).toHaveLength(160);
    const levels = frames.map((f) => mulawRms(Buffer.from(f.media.payload, 'base64')));
    expect(levels.slice(0, 5).every((l) => l > 1000)).toBe(true);
    expect(levels.slice(5).every((l) => l === 0)).toBe(true);
    // sequenceNumber counts every message after connected: start=1, then media and dtmf in order.
    const seqs = stream.frames.slice(1).map((f) => ('sequenceNumber' in f ? f.sequenceNumber : -1));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    const dtmfAt = stream.frames.findIndex((f) => f.event === 'dtmf');
    const dtmf = stream.frames[dtmfAt]!;
    expect(dtmf.event === 'dtmf' && dtmf.dtmf).toEqual({ track: 'inbound_track', digit: '5' });
    // The digit goes out on the 8th frame (5 audio + 2 pause).
    expect(media(stream.frames.slice(0, dtmfAt))).toHaveLength(8);
    expect(c.turns).toEqual([{ index: 0, label: 'hi', startMs: 0, endMs: 100 }]);
  });

  it('sends dtmf on request and hangs up from a script step', async () => {
    await setup();
    const c = await call({ source: [{ pauseMs: 40 }, { hangup: true }] });
    const stream = await server!.stream();
    c.sendDtmf('1#');
    ticker.advance(100);
    const end = await c.ended;
    expect(end.reason).toBe('caller_hangup');
    await stream.closed;
    const digits = stream.frames.flatMap((f) => (f.event === 'dtmf' ? [f.dtmf.digit] : []));
    expect(digits).toEqual(['1', '#']);
    expect(media(stream.frames)).toHaveLength(2);
    expect(stream.frames.at(-1)?.event).toBe('stop');
  });

  it('holds a script until a condition on the call holds', async () => {
    await setup();
    const c = await call({
      source: [{ until: (call) => call.heardMs >= 100 }, { audio: tone(40), label: 'after greeting' }],
    });
    const stream = await server!.stream();
    stream.sendAudio(tone(100));
    await c.waitFor((x) => x.bufferedMs > 0);
    ticker.advance(60);
    expect(c.turns).toHaveLength(0);
    ticker.advance(100);
    expect(c.turns[0]).toMatchObject({ label: 'after greeting' });
  });
});

describe('media tap', () => {
  it('lets a tap rewrite each outbound frame and reports media, sends and clears', async () => {
    await setup();
    const events: string[] = [];
    const c = await call({
      source: [{ audio: tone(40), label: 'hi' }],
      mediaTap: {
        beforeMediaSent: (frame, chunk, audible) => {
          events.push(`frame ${chunk} ${audible}`);
          frame[0] = chunk;
        },
        mediaSent: (chunk) => events.push(`sent ${chunk}`),
        mediaReceived: (audio) => events.push(`media ${audio.length} ${audio[0]}`),
        clearReceived: () => events.push('clear'),
      },
    });
    const stream = await server!.stream();
    ticker.advance(60);
    await stream.until((f) => media(f).length === 3);
    const payloads = media(stream.frames).map((f) => Buffer.from(f.media.payload, 'base64'));
    expect(payloads.map((p) => p[0])).toEqual([1, 2, 3]);
    // The rest of each frame is untouched: the tone, then line silence.
    expect(payloads[0]!.subarray(1)).toEqual(Buffer.from(tone(40).subarray(1, 160)));
    expect(payloads[2]!.subarray(1).every((b) => b === 0xff)).toBe(true);
    expect(events).toEqual(['frame 1 true', 'sent 1', 'frame 2 true', 'sent 2', 'frame 3 false', 'sent 3']);
    events.length = 0;
    stream.sendAudio(new Uint8Array(80).fill(7));
    stream.sendClear();
    await c.waitFor((x) => x.clears.length === 1);
    expect(events).toEqual(['media 80 7', 'clear']);
  });

  it('leaves the shared tone untouched', async () => {
    await setup();
    const before = Buffer.from(tone(40));
    await call({ source: [{ audio: tone(40) }], mediaTap: { beforeMediaSent: (frame) => frame.fill(0) } });
    const stream = await server!.stream();
    ticker.advance(40);
    await stream.until((f) => media(f).length === 2);
    expect(Buffer.from(tone(40))).toEqual(before);
    expect(Buffer.from(media(stream.frames)[0]!.media.payload, 'base64').every((b) => b === 0)).toBe(true);
  });
});

describe('playback', () => {
  it('echoes each mark, in Twilio format, only after the audio before it has played', async () => {
    await setup();
    const c = await call();
    const stream = await server!.stream();
    for (let i = 1; i <= 4; i++) {
      stream.sendAudio(tone(100));
      stream.sendMark(`m${i}`);
    }
    await c.waitFor((x) => x.received.length === 8);
    ticker.advance(90);
    expect(c.marksEchoed).toEqual([]);
    ticker.advance(20);
    expect(c.marksEchoed.map((m) => m.mark)).toEqual(['m1']);
    ticker.advance(290);
    expect(c.marksEchoed.map((m) => [m.mark, m.atMs])).toEqual([
      ['m1', 100],
      ['m2', 200],
      ['m3', 300],
      ['m4', 400],
    ]);
    await stream.until((f) => f.filter((x) => x.event === 'mark').length === 4);
    const echo = stream.texts.find((t) => t.includes('"mark"'))!;
    const sent = c.marksEchoed[0]!;
    expect(echo).toBe(
      `{"event":"mark","sequenceNumber":"${sent.sequenceNumber}","streamSid":"${c.streamSid}","mark":{"name":"m1"}}`,
    );
    // A mark with nothing buffered comes straight back.
    stream.sendMark('idle');
    await c.waitFor((x) => x.marksEchoed.some((m) => m.mark === 'idle'));
    expect(c.heardMs).toBe(400);
  });

  it('clear drops buffered audio and echoes pending marks at once', async () => {
    await setup();
    const c = await call();
    const stream = await server!.stream();
    stream.sendAudio(tone(500));
    stream.sendMark('a');
    stream.sendAudio(tone(500));
    stream.sendMark('b');
    await c.waitFor((x) => x.received.length === 4);
    ticker.advance(200);
    expect(c.marksEchoed).toEqual([]);
    stream.sendClear();
    await c.waitFor((x) => x.clears.length === 1);
    expect(c.marksEchoed.map((m) => [m.mark, m.cleared])).toEqual([
      ['a', true],
      ['b', true],
    ]);
    expect(c.clears[0]).toMatchObject({ atMs: 200, droppedMs: 800, marks: ['a', 'b'] });
    expect(c.isHearingAudio).toBe(false);
    ticker.advance(500);
    expect(c.heardMs).toBe(200);
    await stream.until((f) => f.filter((x) => x.event === 'mark').length === 2);
  });

  it('ignores messages for another stream and reports malformed ones', async () => {
    await setup();
    const c = await call();
    const stream = await server!.stream();
    stream.socket.send(
      '{"event":"media","streamSid":"MZ00000000000000000000000000000000","media":{"payload":"AA=="}}',
    );
    stream.socket.send('not json');
    await c.waitFor((x) => x.protocolErrors.length === 2);
    expect(c.protocolErrors.map((e) => e.code)).toEqual(['wrong_stream_sid', 'not_json']);
    expect(c.bufferedMs).toBe(0);
    expect(c.isStreaming).toBe(true);
  });

  it('records what the caller heard as a mu-law WAV, silence where nothing played', async () => {
    await setup();
    const c = await call();
    const stream = await server!.stream();
    ticker.advance(100);
    stream.sendAudio(tone(200));
    await c.waitFor((x) => x.bufferedMs === 200);
    ticker.advance(400);
    const path = join(tmpdir(), `heard-${c.callSid}.wav`);
    await c.writeHeardWav(path);
    const wav = readWav(await readFile(path));
    expect(wav).toMatchObject({ format: 'mulaw', sampleRate: 8000, channels: 1 });
    expect(wav.data.length).toBe(500 * 8);
    expect(mulawRms(wav.data.subarray(0, 100 * 8))).toBe(0);
    expect(Buffer.from(wav.data.subarray(100 * 8, 300 * 8)).equals(Buffer.from(tone(200)))).toBe(true);
    expect(mulawRms(wav.data.subarray(300 * 8))).toBe(0);
  });
});

describe('latency reports', () => {
  it('measures reply latency and barge-in latency on the caller clock', async () => {
    await setup();
    const c = await call({ source: [{ audio: tone(200), label: 'question' }] });
    const stream = await server!.stream();
    ticker.advance(200); // the utterance: 10 frames, audio 0..200 ms
    await stream.until((f) => media(f).length === 10);
    ticker.advance(300); // the "server" thinks for 300 ms
    stream.sendAudio(tone(2000));
    await c.waitFor((x) => x.bufferedMs > 0);
    ticker.advance(500);
    expect(c.turns[0]).toMatchObject({ label: 'question', startMs: 0, endMs: 200, responseLatencyMs: 300 });

    c.speak(tone(300), 'interruption'); // starts on the next frame, while the reply is playing
    ticker.advance(200);
    expect(c.turns[1]).toMatchObject({ label: 'interruption', startMs: 1000 });
    expect(c.turns[1]!.bargeIn).toEqual({ stoppedBy: 'not_stopped', heardAfterStartMs: 200 });
    stream.sendClear();
    await c.waitFor((x) => x.clears.length === 1);
    ticker.advance(100);
    expect(c.turns[1]!.bargeIn).toEqual({ stoppedBy: 'clear', latencyMs: 200, heardAfterStartMs: 200 });
    const report = c.report();
    expect(report.responseLatenciesMs).toEqual([300]);
    expect(report.bargeInLatenciesMs).toEqual([200]);
    expect(report.heardAfterBargeInMs).toEqual([200]);
    expect(report.heardMs).toBe(700);
  });

  it('reports a barge-in the server never stopped', async () => {
    await setup();
    const c = await call();
    const stream = await server!.stream();
    stream.sendAudio(tone(300));
    await c.waitFor((x) => x.bufferedMs > 0);
    ticker.advance(100);
    c.speak(tone(100), 'talk over');
    ticker.advance(400);
    expect(c.turns[0]!.bargeIn).toEqual({ stoppedBy: 'not_stopped', heardAfterStartMs: 200 });
  });
});

describe('hang-up', () => {
  it('caller hang-up sends stop then closes', async () => {
    await setup();
    const c = await call();
    const stream = await server!.stream();
    ticker.advance(60);
    const end = await c.hangup();
    expect(end.reason).toBe('caller_hangup');
    await stream.closed;
    const stop = stream.frames.at(-1)!;
    expect(stop.event).toBe('stop');
    if (stop.event === 'stop') {
      expect(stop.stop).toEqual({ accountSid: ACCOUNT_SID, callSid: c.callSid });
      expect(stop.sequenceNumber).toBe(5);
    }
  });

  it('the server closing the socket ends the call', async () => {
    await setup();
    const c = await call();
    const stream = await server!.stream();
    stream.socket.close(1000, 'bye');
    const end = await c.ended;
    expect(end).toMatchObject({ reason: 'stream_closed', closeCode: 1000, detail: 'bye' });
    expect(c.isStreaming).toBe(false);
    await expect(c.waitFor(() => false, 1000)).rejects.toThrow(/call ended \(stream_closed\)/);
  });

  it('runs the TwiML after <Connect> once the server closes the stream', async () => {
    await setup({
      twiml: (_form, url) =>
        `<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="${url}"/></Connect><Say>Goodbye</Say></Response>`,
    });
    const c = await call();
    const stream = await server!.stream();
    stream.socket.close();
    const end = await ticker.runUntil(c.ended);
    expect(c.said).toEqual(['Goodbye']);
    expect(end.reason).toBe('twiml_finished');
  });

  it('a stream that never starts is closed by the server', async () => {
    await setup();
    const c = await call({ faults: { omitStart: true } });
    const stream = await server!.stream(0, false);
    await stream.until((f) => f.length === 1);
    expect(stream.frames[0]!.event).toBe('connected');
    ticker.advance(100);
    expect(c.framesSent).toBe(0);
    stream.socket.close(1008, 'no start message');
    expect((await c.ended).closeCode).toBe(1008);
  });
});

describe('pacing', () => {
  it('runs on its own sped-up real-time ticker when given speed', async () => {
    server = await startTestVoiceServer({ authToken: AUTH_TOKEN });
    const c = await placeCall({
      voiceServerUrl: server.url,
      authToken: AUTH_TOKEN,
      accountSid: ACCOUNT_SID,
      from: '+15551230001',
      to: '+15559870002',
      speed: 20,
      source: [
        { audio: tone(200), label: 'fast' },
        { until: (call) => call.marksEchoed.length > 0, timeoutMs: 600_000 },
        { pauseMs: 100 },
        { hangup: true },
      ],
    });
    calls.push(c);
    const stream = await server.stream();
    stream.sendAudio(tone(100));
    stream.sendMark('played');
    const end = await c.ended;
    expect(end.reason).toBe('caller_hangup');
    await stream.closed;
    const frames = media(stream.frames);
    expect(frames.length).toBeGreaterThanOrEqual(15);
    expect(c.scriptErrors).toEqual([]);
    expect(frames.map((f) => f.media.chunk)).toEqual(frames.map((_, i) => i + 1));
    expect(c.marksEchoed.map((m) => m.mark)).toEqual(['played']);
    expect(c.turns[0]).toMatchObject({ label: 'fast', endMs: expect.any(Number) });
  });
});
