// Each agent turn's latency waterfall (caller speech stopped → model's first audio delta → first frame
// sent to Twilio; with external TTS, first text delta → first synthesized chunk): on the call's trace,
// and on the agent's message for app-server.
import { describe, expect, it } from 'vitest';
import { InMemoryAppServer } from '../ports/in-memory-app-server.ts';
import type { ResponseQueue } from '../session/response-queue.ts';
import { Transcript } from '../session/transcript.ts';
import { TranscriptEvents } from '../session/transcript-events.ts';
import { RecordingCallTracer } from '../testing/recording-tracer.ts';
import { CALL, delta, harness, responseDone, responseStart, settle } from '../testing/session-harness.ts';
import type { TurnWaterfall } from './call-tracer.ts';

describe('turn latency waterfall', () => {
  it('records speech stopped → first audio delta → first frame sent, on the trace and the message', async () => {
    const tracer = new RecordingCallTracer();
    const h = harness({ tracer });
    const rt = await h.rt();
    // Sending a frame takes 3 ms of the session's clock: the frame comes after the delta. (The first
    // frame goes alone: a mark follows every second of audio.)
    const send = h.transport.sendMedia.bind(h.transport);
    h.transport.sendMedia = (payload) => {
      h.clock.ms += 3;
      return send(payload);
    };
    h.clock.ms = 1_000;
    const before = Date.now();
    rt.emit({ type: 'input_audio_buffer.speech_stopped', event_id: 'e1', audio_end_ms: 900, item_id: 'u1' });
    h.clock.ms = 1_640;
    responseStart(rt, 'r1', 'a1');
    delta(rt, 'r1', 'a1', 100);
    delta(rt, 'r1', 'a1', 100);
    rt.emit({
      type: 'response.output_audio_transcript.done',
      event_id: 'e2',
      response_id: 'r1',
      item_id: 'a1',
      output_index: 0,
      content_index: 0,
      transcript: 'Three to five days.',
    });
    responseDone(rt, 'r1');
    await settle();

    const turns = tracer.traces[0]!.turns;
    expect(turns).toEqual([
      { itemId: 'a1', speechStoppedAt: expect.any(Number), firstAudioMs: 640, firstFrameMs: 643 },
    ]);
    expect(turns[0]!.speechStoppedAt).toBeGreaterThanOrEqual(before);
    expect(turns[0]!.speechStoppedAt).toBeLessThanOrEqual(Date.now());
    const message = h.appServer.transcript(CALL.callSid).find((m) => m.itemId === 'a1');
    expect(message?.latency).toEqual({ responseMs: 640, firstAudioMs: 640, firstFrameMs: 643 });
    expect(await h.metrics.render()).toMatch(/^voice_turn_latency_seconds_count 1$/m);

    // A reply nobody spoke before (no speech stopped) is not a turn.
    responseStart(rt, 'r2', 'a2');
    delta(rt, 'r2', 'a2', 100);
    responseDone(rt, 'r2');
    await settle();
    expect(tracer.traces[0]!.turns).toHaveLength(1);
    h.transport.stop();
    await h.done;
  });

  it('with external TTS: text delta → first synthesized chunk → first frame, the reply latency at the chunk', () => {
    const clock = { ms: 0 };
    const app = new InMemoryAppServer();
    const transcript = new Transcript('CA1', app, () => {});
    const latencies: number[] = [];
    const turns: TurnWaterfall[] = [];
    const events = new TranscriptEvents(
      transcript,
      {} as ResponseQueue,
      () => clock.ms,
      undefined,
      () => {},
      (ms) => latencies.push(ms),
      (t) => turns.push(t),
    );
    transcript.open('a1', 'agent', new Date());
    events.onSpeechStopped('u1', 500);
    clock.ms = 300;
    events.onAgentText('a1');
    clock.ms = 310;
    events.onAgentText('a1');
    clock.ms = 520;
    events.onSynthesized('a1');
    events.onSynthesized('a1');
    clock.ms = 522;
    events.onAgentFrameSent('a1');
    events.onAgentFrameSent('a1');
    expect(turns).toEqual([
      {
        itemId: 'a1',
        speechStoppedAt: expect.any(Number),
        firstTextMs: 300,
        firstSynthMs: 520,
        firstFrameMs: 522,
      },
    ]);
    expect(latencies).toEqual([520]);
    expect(transcript.get('a1')?.latency).toEqual({ responseMs: 520, firstFrameMs: 522 });
  });

  it('a new caller turn before the first frame abandons the reply being timed', () => {
    const clock = { ms: 0 };
    const transcript = new Transcript('CA1', new InMemoryAppServer(), () => {});
    const turns: TurnWaterfall[] = [];
    const events = new TranscriptEvents(
      transcript,
      {} as ResponseQueue,
      () => clock.ms,
      undefined,
      () => {},
      () => {},
      (t) => turns.push(t),
    );
    events.onSpeechStopped();
    clock.ms = 100;
    expect(events.onAgentAudio('a1')).toBe(true);
    events.onSpeechStopped(); // the caller spoke again (barge-in) before a1's frame went out
    events.onAgentFrameSent('a1');
    expect(turns).toEqual([]);
    clock.ms = 400;
    expect(events.onAgentAudio('a2')).toBe(true);
    expect(events.onAgentAudio('a2')).toBe(false);
    events.onAgentFrameSent('a2');
    expect(turns.map((t) => [t.itemId, t.firstAudioMs, t.firstFrameMs])).toEqual([['a2', 300, 300]]);
  });
});
