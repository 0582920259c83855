// Loop 1 alone: caller audio held while no session is ready (the latest 1.5 s), appended in order
// once one is; malformed frames; keypad digits; repeated stream messages; what is counted.
import { ScriptedRealtimeConnection } from '@switchboard/realtime/testing';
import { describe, expect, it } from 'vitest';
import { VoiceMetrics } from '../metrics.ts';
import { FakeTwilioRest } from '../testing/fakes.ts';
import { InMemoryCallTransport } from '../testing/in-memory-transport.ts';
import { mediaFrame, memoryLogger, mulaw } from '../testing/parts.ts';
import { CallerInput, RELAY_SAMPLE_EVERY } from './caller-input.ts';
import type { DtmfCollector } from './dtmf.ts';
import { CallLifecycle } from './lifecycle.ts';
import { PlaybackTracker } from './playback-tracker.ts';

function input() {
  const { log, lines } = memoryLogger();
  const transport = new InMemoryCallTransport();
  const rt = new ScriptedRealtimeConnection();
  let live = false;
  const lifecycle = new CallLifecycle({ twilioRest: new FakeTwilioRest(), callSid: 'CA1', log });
  const metrics = new VoiceMetrics();
  const digits: string[] = [];
  const dtmf = { onDigit: (d: string) => digits.push(d) } as unknown as DtmfCollector;
  const appendedTo: string[] = [];
  const heardFrames: string[] = [];
  const playback = new PlaybackTracker();
  const caller = new CallerInput({
    transport,
    realtime: {
      get current() {
        return live ? rt : undefined;
      },
    },
    lifecycle,
    playback,
    dtmf,
    onPlayed: () => {},
    appended: { onAudio: (p) => appendedTo.push(p) },
    onCallerAudio: (p) => heardFrames.push(p),
    metrics,
    log,
  });
  /** A caller frame of `ms` of audio filled with `byte`, at `ts`. */
  const frame = (ts: number, byte: number, ms = 20) => caller.onFrame(mediaFrame(ts, mulaw(ms, byte)));
  const appendedBytes = () =>
    rt.sentOfType('input_audio_buffer.append').map((e) => Buffer.from(e.audio, 'base64')[0]);
  return {
    caller,
    transport,
    rt,
    frame,
    appendedBytes,
    appendedTo,
    heardFrames,
    metrics,
    lifecycle,
    digits,
    lines,
    playback,
    goLive: () => {
      live = true;
    },
  };
}

describe('caller audio before a session is ready', () => {
  it('is held, the latest 1.5 s of it, and appended in order right after the session is configured', () => {
    const c = input();
    // 80 frames of 20 ms = 1.6 s: the first 5 go (1.5 s kept), counted as lost before the session.
    for (let i = 0; i < 80; i++) c.frame(i * 20, i);
    expect(c.rt.sentOfType('input_audio_buffer.append')).toEqual([]);
    expect(c.metrics.framesBeforeSession).toBe(5);
    c.caller.flushHeld(c.rt);
    expect(c.appendedBytes()).toEqual(Array.from({ length: 75 }, (_, i) => i + 5));
    expect(c.appendedTo).toHaveLength(75);
    expect(c.metrics.framesIn).toBe(75);
    // Once flushed, nothing is held: a second flush appends nothing.
    c.caller.flushHeld(c.rt);
    expect(c.appendedBytes()).toHaveLength(75);
  });

  it('keeps one frame longer than the limit rather than nothing', () => {
    const c = input();
    c.frame(0, 9, 2_000);
    c.caller.flushHeld(c.rt);
    expect(c.appendedBytes()).toEqual([9]);
    expect(c.metrics.framesBeforeSession).toBe(0);
  });

  it('held audio dropped (the session never came back) is not appended later', () => {
    const c = input();
    c.frame(0, 1);
    c.caller.dropHeld();
    c.caller.flushHeld(c.rt);
    expect(c.appendedBytes()).toEqual([]);
  });

  it('with a session, each frame is appended at once and counted; every frame reaches the level meter', () => {
    const c = input();
    c.frame(0, 1);
    c.goLive();
    c.frame(20, 2);
    c.frame(40, 3);
    expect(c.appendedBytes()).toEqual([2, 3]);
    expect(c.appendedTo).toHaveLength(2);
    expect(c.metrics.framesIn).toBe(2);
    expect(c.heardFrames).toHaveLength(3);
    expect(c.caller.latestMediaTs).toBe(40);
  });
});

describe('the other stream messages', () => {
  it('a malformed frame is counted and logged by its code, and the loop goes on', () => {
    const c = input();
    const more = c.caller.onFrame({ ok: false, error: { code: 'not_json', message: 'not JSON' } } as never);
    expect(more).toBe(true);
    expect(c.metrics.framesMalformed).toBe(1);
    expect(c.lines.join('\n')).toContain('not_json');
  });

  it('a keypad digit goes to the collector; a repeated start is ignored; nothing goes on after the call ended', () => {
    const c = input();
    expect(
      c.caller.onFrame({
        ok: true,
        message: { event: 'dtmf', streamSid: 'MZ1', dtmf: { digit: '5', track: 'inbound_track' } } as never,
      }),
    ).toBe(true);
    expect(c.digits).toEqual(['5']);
    expect(
      c.caller.onFrame({ ok: true, message: { event: 'start', streamSid: 'MZ1', start: {} } as never }),
    ).toBe(true);
    c.lifecycle.onStop();
    expect(
      c.caller.onFrame({
        ok: true,
        message: { event: 'dtmf', streamSid: 'MZ1', dtmf: { digit: '6' } } as never,
      }),
    ).toBe(false);
    expect(c.caller.onFrame({ ok: false, error: { code: 'not_json', message: 'x' } } as never)).toBe(false);
  });

  it('a mark moves the playback position', () => {
    const c = input();
    const name = c.playback.onAudioSent('a1', 800);
    c.caller.onFrame({ ok: true, message: { event: 'mark', streamSid: 'MZ1', mark: { name } } as never });
    expect(c.playback.hasPendingAudio).toBe(false);
  });
});

describe('the loop itself', () => {
  it('ends the call as a closed stream when the socket goes, and keeps an end already decided', async () => {
    const c = input();
    const running = c.caller.run();
    c.transport.hangUpSocket();
    await running;
    expect(c.lifecycle.endReason).toBe('stream_closed');
    const d = input();
    const again = d.caller.run();
    d.lifecycle.onStop();
    d.transport.hangUpSocket();
    await again;
    expect(d.lifecycle.endReason).toBe('caller_hangup');
  });

  it('times one relayed frame in RELAY_SAMPLE_EVERY, in seconds, labelled caller_to_model', async () => {
    const c = input();
    c.goLive();
    // The first frame and the one RELAY_SAMPLE_EVERY after it.
    for (let i = 0; i < RELAY_SAMPLE_EVERY + 1; i++) c.frame(i * 20, 1);
    const values = (await c.metrics.relayLatency.get()).values;
    const of = (name: string) =>
      values.find((v) => v.metricName === name && v.labels.direction === 'caller_to_model')?.value;
    expect(of('voice_relay_latency_seconds_count')).toBe(2);
    expect(of('voice_relay_latency_seconds_sum')).toBeGreaterThanOrEqual(0);
    expect(of('voice_relay_latency_seconds_sum')).toBeLessThan(0.5);
  });
});
