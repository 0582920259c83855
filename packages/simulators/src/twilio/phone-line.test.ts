/**
 * A phone line like a real one (issue 11 item 8): noise floor, echo of the agent's audio, jitter,
 * bursts and lost frames, all seeded. Twilio's Media Streams docs describe what the far end sees:
 * one ordered WebSocket of 20 ms mu-law media messages whose `timestamp` is the media time since the
 * stream started, so a late frame keeps its timestamp and nothing is reordered.
 */
import { MULAW_SILENCE_BYTE, mulawToPcm16, type TwilioInboundMedia } from '@switchboard/telephony';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { FRAME_BYTES, noiseBurstMulaw, toneMulaw } from './caller-script.ts';
import { createManualTicker, type ManualFrameTicker } from './frame-ticker.ts';
import { type LineImpairments, PhoneLine, validateLineImpairments } from './phone-line.ts';
import { placeCall, type SimulatedCall } from './simulated-call.ts';
import { startTestVoiceServer, type TestVoiceServer } from './test-voice-server.ts';

function dbfs(mulaw: Uint8Array): number {
  const pcm = mulawToPcm16(mulaw);
  let sum = 0;
  for (const s of pcm) sum += s * s;
  return 20 * Math.log10(Math.sqrt(sum / pcm.length) / 32768);
}

const SILENCE = new Uint8Array(FRAME_BYTES).fill(MULAW_SILENCE_BYTE);

describe('PhoneLine audio', () => {
  it('adds a noise floor at the level asked for', () => {
    const line = new PhoneLine({ noiseFloorDbfs: -50 });
    const frames = Array.from({ length: 50 }, (_, i) => line.shape(null, i * 20).slice());
    const level = dbfs(Uint8Array.from(frames.flatMap((f) => [...f])));
    expect(level).toBeGreaterThan(-53);
    expect(level).toBeLessThan(-47);
  });

  it('echoes what the caller heard, delayed and attenuated', () => {
    const line = new PhoneLine({ echo: { delayMs: 120, attenuationDb: 12 } });
    const reply = toneMulaw({ toneHz: 300, ms: 400, amplitude: 0.5 });
    line.heard(reply, 0);
    // before the delay the line is quiet; after it, the reply comes back 12 dB down
    expect(dbfs(line.shape(null, 60))).toBeLessThan(-70);
    const echoed = line.shape(null, 200).slice();
    expect(dbfs(echoed)).toBeCloseTo(dbfs(reply.subarray(640, 800)) - 12, 0);
    // the caller's own speech goes through with the echo on top
    expect(dbfs(line.shape(toneMulaw({ toneHz: 500, ms: 20, amplitude: 0.3 }), 200))).toBeGreaterThan(-20);
  });

  it('repeats exactly for one seed and differs for another', () => {
    const run = (seed: number) => {
      const line = new PhoneLine({ seed, noiseFloorDbfs: -40, lossRate: 0.2, jitter: { maxMs: 60 } });
      return Array.from({ length: 40 }, (_, i) => [line.shape(SILENCE, i * 20)[0], line.fate(i * 20 + 20)]);
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });
});

describe('PhoneLine timing', () => {
  it('loses about the share of frames asked for', () => {
    const line = new PhoneLine({ seed: 3, lossRate: 0.1 });
    const lost = Array.from({ length: 2000 }, (_, i) => line.fate(20 * (i + 1)).lost).filter(Boolean).length;
    expect(lost).toBeGreaterThan(150);
    expect(lost).toBeLessThan(250);
  });

  it('holds frames in bursts and releases them together', () => {
    const line = new PhoneLine({ bursts: { everyMs: 200, holdFrames: 3 } });
    const arrivals = Array.from({ length: 10 }, (_, i) => line.fate(20 * (i + 1)).arrivesAtMs);
    expect(arrivals).toEqual([80, 80, 80, 80, 100, 120, 140, 160, 180, 200]);
  });

  it('never sends a frame early or out of order, and never later than the jitter allows', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.option(
          fc.record({
            everyMs: fc.integer({ min: 20, max: 1000 }),
            holdFrames: fc.integer({ min: 1, max: 10 }),
          }),
          { nil: undefined },
        ),
        (maxMs, seed, bursts) => {
          const line = new PhoneLine({ seed, jitter: { maxMs }, ...(bursts ? { bursts } : {}) });
          let last = 0;
          for (let i = 1; i <= 100; i++) {
            const { arrivesAtMs } = line.fate(20 * i);
            expect(arrivesAtMs).toBeGreaterThanOrEqual(Math.max(last, 20 * i));
            if (!bursts) expect(arrivesAtMs - 20 * i).toBeLessThanOrEqual(maxMs + 20);
            last = arrivesAtMs;
          }
        },
      ),
    );
  });

  it('refuses impossible settings with a TypeError naming the field', () => {
    expect(() => validateLineImpairments({ lossRate: 1.5 })).toThrow('line.lossRate');
    expect(() => validateLineImpairments({ bursts: { everyMs: 100, holdFrames: 0 } })).toThrow('holdFrames');
    fc.assert(
      fc.property(fc.object(), (value) => {
        try {
          validateLineImpairments(value as LineImpairments);
        } catch (err) {
          expect(err).toBeInstanceOf(TypeError);
          expect((err as Error).message).toMatch(/^line\./);
        }
      }),
    );
  });
});

describe('a call on an impaired line', () => {
  const AUTH_TOKEN = 'test-auth-token-0123456789abcdef';
  let server: TestVoiceServer | undefined;
  let ticker: ManualFrameTicker;
  const calls: SimulatedCall[] = [];

  afterEach(async () => {
    await Promise.all(calls.splice(0).map((c) => c.hangup()));
    await server?.close();
  });

  async function call(line: LineImpairments, source: Parameters<typeof placeCall>[0]['source']) {
    server = await startTestVoiceServer({ authToken: AUTH_TOKEN });
    ticker = createManualTicker();
    const c = await placeCall({
      voiceServerUrl: server.url,
      authToken: AUTH_TOKEN,
      accountSid: `AC${'1'.repeat(32)}`,
      from: '+15551230001',
      to: '+15559870002',
      ticker,
      line,
      ...(source ? { source } : {}),
    });
    calls.push(c);
    return { c, stream: await server.stream() };
  }

  const media = (frames: { event: string }[]) =>
    frames.filter((f) => f.event === 'media') as TwilioInboundMedia[];

  it('keeps Twilio numbering and media timestamps through jitter and loss', async () => {
    const { c, stream } = await call({ seed: 5, jitter: { maxMs: 80 }, lossRate: 0.15 }, 'silence');
    ticker.advance(2000);
    await stream.until((f) => media(f).length >= c.framesSent && c.framesSent > 0);
    const frames = media(stream.frames);
    expect(frames.length).toBe(c.framesSent);
    expect(frames.length).toBeLessThan(100);
    expect(frames.length).toBeGreaterThan(70);
    expect(frames.map((f) => f.media.chunk)).toEqual(frames.map((_, i) => i + 1));
    const stamps = frames.map((f) => f.media.timestamp);
    // timestamps are capture times: increasing, with gaps where frames were lost
    expect(stamps.slice(1).every((t, i) => t > stamps[i]!)).toBe(true);
    expect(stamps.slice(1).some((t, i) => t - stamps[i]! >= 40)).toBe(true);
  });

  it('sends a cough as a loud, short burst and a noise floor under the silence', async () => {
    const { stream } = await call({ noiseFloorDbfs: -55 }, [
      { pauseMs: 100 },
      { audio: { noiseMs: 200 }, label: 'cough' },
    ]);
    ticker.advance(600);
    await stream.until((f) => media(f).length >= 30);
    const levels = media(stream.frames).map((f) => dbfs(Buffer.from(f.media.payload, 'base64')));
    expect(Math.max(...levels.slice(5, 10))).toBeGreaterThan(-25);
    expect(levels.slice(0, 4).every((l) => l > -60 && l < -50)).toBe(true);
    expect(levels.slice(20).every((l) => l < -50)).toBe(true);
    expect(noiseBurstMulaw({ noiseMs: 200 })).toHaveLength(1600);
  });
});
