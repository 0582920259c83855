// Barge-in alone, with no session and no sockets: every effect in the order the design requires
// (external TTS, the model's response, Twilio's buffer, then the truncate at what was heard).
import { describe, expect, it } from 'vitest';
import { audioPath, bargeInPath, mulaw } from '../testing/parts.ts';
import { BargeIn } from './barge-in.ts';
import { THINKING_ITEM } from './call-types.ts';

const bargeInOn = (opts: { tts?: boolean } = {}) => bargeInPath(opts.tts === false ? { tts: false } : {});

describe('BargeIn (a part alone)', () => {
  it('cancels TTS, the response and Twilio playback, then truncates at what was heard, in that order', () => {
    const b = bargeInOn();
    b.speak('resp_1', 'item_a', 3);
    // The call's first mark follows its first 200 ms of audio.
    b.playback.onMarkEchoed(b.marks()[0]!);
    b.order.length = 0;
    b.bargeIn.onSpeechStarted();
    expect(b.order).toEqual([
      'caller.activity',
      'tts.cancel',
      'interrupted',
      'rt.response.cancel',
      'twilio.clear',
      'rt.conversation.item.truncate',
    ]);
    expect(b.rt.sentOfType('conversation.item.truncate')[0]).toMatchObject({
      item_id: 'item_a',
      audio_end_ms: 200,
    });
    expect(b.responses.isCancelled('resp_1')).toBe(true);
    expect(b.playback.heardPosition()).toBeUndefined();
    expect(b.transcript.get('item_a')?.interrupted).toBe(true);
    expect(b.metrics.bargeIns).toBe(1);
    expect(b.bargeIn.callerSpeaking).toBe(true);
    b.bargeIn.onSpeechStopped();
    expect(b.bargeIn.callerSpeaking).toBe(false);
  });

  it('does nothing to the agent when nothing plays and no response is active', () => {
    const b = bargeInOn();
    b.bargeIn.onSpeechStarted();
    expect(b.order).toEqual(['caller.activity']);
    expect(b.metrics.bargeIns).toBe(0);
  });

  it('cancels a response whose audio has not reached Twilio yet, with no clear and no truncate', () => {
    const b = bargeInOn({ tts: false });
    b.responses.request();
    b.responses.onCreated('resp_1');
    b.order.length = 0;
    b.bargeIn.onSpeechStarted();
    expect(b.order).toEqual(['caller.activity', 'interrupted', 'rt.response.cancel']);
  });

  it('after the response is done: clear and truncate, no response.cancel', () => {
    const b = bargeInOn();
    b.speak('resp_1', 'item_a', 15);
    b.responses.onDone('resp_1');
    b.audioOut.endMark(); // as response.done does: marks at 200, 1,200 and 1,500 ms
    b.playback.onMarkEchoed(b.marks()[1]!);
    b.order.length = 0;
    b.bargeIn.onSpeechStarted();
    expect(b.order).toEqual([
      'caller.activity',
      'tts.cancel',
      'interrupted',
      'twilio.clear',
      'rt.conversation.item.truncate',
    ]);
    expect(b.rt.sentOfType('conversation.item.truncate')[0]?.audio_end_ms).toBe(1200);
  });

  it('deletes items the caller never heard, truncates the one heard, and leaves the thinking sound alone', () => {
    const b = bargeInOn();
    b.speak('resp_1', 'item_a', 3);
    b.responses.onDone('resp_1');
    b.audioOut.local(THINKING_ITEM, [mulaw(60)]);
    b.speak('resp_2', 'item_b', 1);
    b.playback.onMarkEchoed(b.marks()[0]!);
    b.bargeIn.onSpeechStarted();
    expect(b.rt.sentOfType('conversation.item.truncate')).toEqual([
      { type: 'conversation.item.truncate', item_id: 'item_a', content_index: 0, audio_end_ms: 200 },
    ]);
    expect(b.rt.sentOfType('conversation.item.delete')).toEqual([
      { type: 'conversation.item.delete', item_id: 'item_b' },
    ]);
  });

  it('only clears when the caller interrupts the thinking sound: it is never truncated', () => {
    const b = bargeInOn();
    b.audioOut.local(THINKING_ITEM, [mulaw(60), mulaw(60)]);
    b.playback.onMarkEchoed(b.marks()[0]!);
    b.order.length = 0;
    b.bargeIn.onSpeechStarted();
    expect(b.order).toEqual(['caller.activity', 'tts.cancel', 'interrupted', 'twilio.clear']);
  });
});

describe('AudioOut with an oversized delta', () => {
  it('sends a 2 MB delta as ~100 ms pieces, each with its mark, and barge-in truncates inside it', () => {
    const p = audioPath();
    const huge = Buffer.alloc(2 * 1024 * 1024, 0x55).toString('base64');
    p.responses.request();
    p.responses.onCreated('resp_1');
    p.audioOut.agent('item_big', huge);
    const media = p.transport.frames('media');
    const marks = p.transport.frames('mark');
    expect(media.length).toBe(Math.ceil(huge.length / 1064));
    expect(marks.length).toBe(media.length);
    expect(media.map((m) => m.payload).join('')).toBe(huge);
    expect(Math.max(...media.map((m) => Buffer.from(m.payload, 'base64').length))).toBe(798);
    expect(p.metrics.oversizedDeltas).toBe(1);
    // The caller heard 37 pieces when they spoke: the truncate lands there, not at 0 or the end.
    p.playback.onMarkEchoed(marks[36]!.name);
    const rt = p.rt;
    const bargeIn = new BargeIn({
      realtime: { current: rt },
      playback: p.playback,
      responses: p.responses,
      audioOut: p.audioOut,
      transcript: p.transcript,
      onInterrupted: () => {},
      onCallerActivity: () => {},
      metrics: p.metrics,
      log: p.log,
    });
    bargeIn.onSpeechStarted();
    expect(rt.sentOfType('conversation.item.truncate')[0]?.audio_end_ms).toBe(Math.floor((37 * 798) / 8));
  });

  it('sends a delta of 200 ms or less as it came', () => {
    const p = audioPath();
    p.audioOut.agent('i', mulaw(200));
    expect(p.transport.frames('media').map((m) => m.payload)).toEqual([mulaw(200)]);
  });
});
