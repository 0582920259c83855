// Loop 1 alone: caller frames into the Realtime input buffer, with gap filling at its thresholds.
import { ScriptedRealtimeConnection } from '@switchboard/realtime/testing';
import { describe, expect, it } from 'vitest';
import { VoiceMetrics } from '../metrics.ts';
import { FakeTwilioRest } from '../testing/fakes.ts';
import { InMemoryCallTransport } from '../testing/in-memory-transport.ts';
import { mediaFrame, memoryLogger, mulaw } from '../testing/parts.ts';
import { CallerInput } from './caller-input.ts';
import { DtmfCollector } from './dtmf.ts';
import { CallLifecycle } from './lifecycle.ts';
import { PlaybackTracker } from './playback-tracker.ts';
import { Transcript } from './transcript.ts';

function input(opts: { session?: boolean } = {}) {
  const { log } = memoryLogger();
  const transport = new InMemoryCallTransport();
  const rt = new ScriptedRealtimeConnection();
  const lifecycle = new CallLifecycle({ twilioRest: new FakeTwilioRest(), callSid: 'CA1', log });
  const metrics = new VoiceMetrics();
  const transcript = new Transcript('CA1', { appendMessages: async () => {} } as never, () => {});
  let played = 0;
  const dtmf = new DtmfCollector({ lifecycle, transcript, send: () => false, requestResponse: () => {} });
  const caller = new CallerInput({
    transport,
    realtime: { current: opts.session === false ? undefined : rt },
    lifecycle,
    playback: new PlaybackTracker(),
    dtmf,
    onPlayed: () => played++,
    metrics,
    log,
  });
  const frame = (ts: number, ms = 20) => caller.onFrame(mediaFrame(ts, mulaw(ms)));
  const appended = () =>
    rt.sentOfType('input_audio_buffer.append').map((e) => Buffer.from(e.audio, 'base64'));
  return { caller, rt, frame, appended, metrics, lifecycle, played: () => played };
}

describe('CallerInput gap filling', () => {
  it('fills nothing for a gap under one 20 ms frame (jitter)', () => {
    const c = input();
    c.frame(0);
    c.frame(39); // 19 ms late
    expect(c.appended().map((b) => b.length)).toEqual([160, 160]);
    expect(c.metrics.silenceFilledMs).toBe(0);
  });

  it('fills a gap of exactly one frame with 20 ms of mu-law silence, before the late frame', () => {
    const c = input();
    c.frame(0);
    c.frame(40);
    const sizes = c.appended().map((b) => b.length);
    expect(sizes).toEqual([160, 160, 160]);
    expect(c.appended()[1]!.every((b) => b === 0xff)).toBe(true);
    expect(c.metrics.silenceFilledMs).toBe(20);
  });

  it('fills at most 5 s, however long the line was silent', () => {
    const c = input();
    c.frame(0);
    c.frame(60_020);
    expect(c.appended()[1]!.length).toBe(5_000 * 8);
    expect(c.metrics.silenceFilledMs).toBe(5_000);
  });

  it('measures the gap from the end of the previous frame, whatever its length', () => {
    const c = input();
    c.frame(0, 100); // 100 ms frame: ends at 100
    c.frame(100);
    c.frame(130); // 10 ms late: no fill
    expect(c.metrics.silenceFilledMs).toBe(0);
  });

  it('fills no gap before the first frame, nor across a time without a session', () => {
    const c = input({ session: false });
    c.frame(1_000);
    c.frame(5_000);
    expect(c.metrics.silenceFilledMs).toBe(0);
    expect(c.appended()).toHaveLength(0);
  });

  it('a stop ends the call as the caller hanging up; a mark counts as activity', () => {
    const c = input();
    c.caller.onFrame({
      ok: true,
      message: { event: 'mark', sequenceNumber: '2', streamSid: 'MZ1', mark: { name: 'x' } } as never,
    });
    expect(c.played()).toBe(1);
    const more = c.caller.onFrame({
      ok: true,
      message: { event: 'stop', sequenceNumber: '3', streamSid: 'MZ1', stop: {} } as never,
    });
    expect(more).toBe(false);
    expect(c.lifecycle.endReason).toBe('caller_hangup');
  });
});
