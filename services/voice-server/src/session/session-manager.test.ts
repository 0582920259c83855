import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  audio,
  delta,
  harness,
  responseDone,
  responseStart,
  settle,
  until,
} from '../testing/session-harness.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('TwilioSessionManager: set-up', () => {
  it('configures the Realtime session for a phone line and greets on session.updated', async () => {
    const h = harness();
    const rt = await h.rt();
    const update = rt.sentOfType('session.update')[0]!;
    expect(update.session).toMatchObject({
      type: 'realtime',
      instructions: 'You are the Acme phone agent. source=PHONE',
      audio: {
        input: {
          format: { type: 'audio/pcmu' },
          noise_reduction: { type: 'near_field' },
          turn_detection: { type: 'server_vad', threshold: 0.9 },
        },
        output: { format: { type: 'audio/pcmu' }, voice: 'marin', speed: 1.1 },
      },
    });
    expect(rt.sentOfType('response.create')).toHaveLength(0);
    rt.emit({ type: 'session.updated', event_id: 'e0', session: {} });
    await settle();
    const create = rt.sentOfType('response.create');
    expect(create).toHaveLength(1);
    expect(JSON.stringify(create[0])).toContain('Hi, thanks for calling Acme.');
    // A later session.updated (e.g. a config change) does not greet again.
    rt.emit({ type: 'session.updated', event_id: 'e1', session: {} });
    await settle();
    expect(rt.sentOfType('response.create')).toHaveLength(1);
  });

  it('uses the profile VAD threshold when it sets one', async () => {
    const h = harness({ profile: { vadThreshold: 0.7 } });
    const rt = await h.rt();
    const session = rt.sentOfType('session.update')[0]!.session as {
      audio: { input: { turn_detection: unknown } };
    };
    expect(session.audio.input.turn_detection).toMatchObject({ threshold: 0.7 });
  });

  it('with no credits, apologizes, ends the call and never opens a Realtime socket', async () => {
    const h = harness({ credits: false });
    expect(await h.done).toBe('no_credits');
    expect(h.connector.connections).toHaveLength(0);
    expect(h.twilioRest.updates).toHaveLength(1);
    expect(h.twilioRest.updates[0]!.twiml).toMatch(/<Say[^>]*>Sorry.*<\/Say><Hangup\/>/);
    expect(h.transport.isOpen).toBe(false);
  });

  it('when the Realtime socket fails to open, apologizes and ends the call', async () => {
    const h = harness({ connectFails: true });
    expect(await h.done).toBe('realtime_unavailable');
    expect(h.twilioRest.updates[0]!.twiml).toContain('<Hangup/>');
    expect(h.lines.join('')).toContain('Realtime socket failed to open');
  });

  it('when ai-server fails, apologizes and ends the call', async () => {
    const h = harness({ failProfile: true });
    expect(await h.done).toBe('profile_unavailable');
    expect(h.connector.connections).toHaveLength(0);
  });
});

describe('TwilioSessionManager: the two loops', () => {
  it('appends caller audio byte-for-byte and tracks the latest media timestamp', async () => {
    const h = harness();
    const rt = await h.rt();
    const payloads = [audio(20, 0x11), audio(20, 0x22), audio(20, 0x33)];
    for (const [i, p] of payloads.entries()) h.transport.media(p, i * 20);
    await settle();
    expect(rt.sentOfType('input_audio_buffer.append').map((e) => e.audio)).toEqual(payloads);
    expect(h.session.latestMediaTs).toBe(40);
    expect(h.metrics.framesIn).toBe(3);
  });

  it('fills a gap in inbound timestamps with mu-law silence so VAD sees the end of speech', async () => {
    const h = harness();
    const rt = await h.rt();
    h.transport.media(audio(20), 0);
    h.transport.media(audio(20), 20);
    h.transport.media(audio(20), 140); // 100 ms missing
    await settle();
    const appends = rt.sentOfType('input_audio_buffer.append').map((e) => Buffer.from(e.audio, 'base64'));
    expect(appends.map((b) => b.length)).toEqual([160, 160, 800, 160]);
    expect(appends[2]!.every((b) => b === 0xff)).toBe(true);
    expect(h.metrics.silenceFilledMs).toBe(100);
  });

  it("writes each audio delta as a media frame, unchanged, the call's first mark after 200 ms and one at the end of the audio", async () => {
    const h = harness();
    const rt = await h.rt();
    responseStart(rt, 'r1', 'i1');
    delta(rt, 'r1', 'i1', 40);
    delta(rt, 'r1', 'i1', 60);
    delta(rt, 'r1', 'i1', 100);
    delta(rt, 'r1', 'i1', 60);
    await settle();
    expect(h.transport.sent.map((f) => f.event)).toEqual(['media', 'media', 'media', 'mark', 'media']);
    expect(h.transport.frames('media')[0]!.payload).toBe(audio(40));
    responseDone(rt, 'r1');
    await settle();
    expect(h.transport.sent.map((f) => f.event)).toEqual([
      'media',
      'media',
      'media',
      'mark',
      'media',
      'mark',
    ]);
  });

  it('drops malformed frames and goes on', async () => {
    const h = harness();
    const rt = await h.rt();
    h.transport.malformed();
    h.transport.malformed('too_large');
    h.transport.media(audio(20), 0);
    await settle();
    expect(h.metrics.framesMalformed).toBe(2);
    expect(rt.sentOfType('input_audio_buffer.append')).toHaveLength(1);
    expect(h.session.isEnded).toBe(false);
  });

  it('logs a recoverable Realtime error and goes on', async () => {
    const h = harness();
    const rt = await h.rt();
    rt.emit({
      type: 'error',
      event_id: 'e',
      error: { type: 'invalid_request_error', code: 'invalid_value', message: 'bad thing' },
    });
    h.transport.media(audio(20), 0);
    await settle();
    expect(h.session.isEnded).toBe(false);
    expect(rt.sentOfType('input_audio_buffer.append')).toHaveLength(1);
    expect(h.lines.join('')).toContain('invalid_value');
  });

  it('sends keypad digits to the model as a conversation item, then asks for a response', async () => {
    const h = harness();
    const rt = await h.rt();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    h.transport.dtmf('4');
    h.transport.dtmf('2');
    await settle();
    expect(rt.sentOfType('conversation.item.create')).toHaveLength(0);
    vi.advanceTimersByTime(1500);
    await settle();
    const items = rt.sentOfType('conversation.item.create');
    expect(items).toHaveLength(1);
    expect(JSON.stringify(items[0])).toContain('42');
    expect(rt.sentOfType('response.create')).toHaveLength(1);
    h.transport.dtmf('9');
    h.transport.dtmf('#');
    await settle();
    expect(JSON.stringify(rt.sentOfType('conversation.item.create')[1])).toContain('9#');
    expect(h.appServer.transcript(h.session.call.callSid).map((m) => m.text)).toEqual([
      '[keypad] 42',
      '[keypad] 9#',
    ]);
  });
});

describe('TwilioSessionManager: hang-up', () => {
  it('a stop frame closes the Realtime socket, ends both loops and leaves nothing behind', async () => {
    const h = harness();
    const rt = await h.rt();
    h.transport.dtmf('1'); // arms a timer
    await settle();
    h.transport.stop();
    expect(await h.done).toBe('caller_hangup');
    expect(rt.closedNow).toBe(true);
    expect(h.session.liveTimers).toBe(0);
    expect(h.metrics.activeCalls).toBe(0);
    await until(() => h.appServer.conversations.get(h.session.call.callSid)?.end !== undefined);
    expect(h.appServer.conversations.get(h.session.call.callSid)?.end?.endReason).toBe('caller_hangup');
  });

  it('the Twilio socket closing ends the call too', async () => {
    const h = harness();
    const rt = await h.rt();
    h.transport.hangUpSocket();
    expect(await h.done).toBe('stream_closed');
    expect(rt.closedNow).toBe(true);
  });

  it('the Realtime socket closing for good ends the call and the Twilio stream', async () => {
    const h = harness();
    const rt = await h.rt();
    h.connector.options.fail = new Error('ECONNREFUSED');
    rt.drop(1006);
    expect(await h.done).toBe('realtime_unavailable');
    expect(h.transport.isOpen).toBe(false);
  });

  it('a hang-up during set-up never opens the Realtime socket', async () => {
    const h = harness();
    h.transport.stop();
    expect(await h.done).toBe('caller_hangup');
    await settle();
    expect(h.connector.attempts).toBe(0);
  });
});

describe('TwilioSessionManager: transcript', () => {
  it('records caller and agent turns in conversation order with item ids', async () => {
    const h = harness();
    const rt = await h.rt();
    rt.emit({ type: 'session.updated', event_id: 'e0', session: {} });
    responseStart(rt, 'r1', 'item_greet');
    delta(rt, 'r1', 'item_greet', 100);
    rt.emit({
      type: 'response.output_audio_transcript.done',
      event_id: 'e',
      response_id: 'r1',
      item_id: 'item_greet',
      output_index: 0,
      content_index: 0,
      transcript: 'Hi, thanks for calling Acme.',
    });
    responseDone(rt, 'r1');
    rt.emit({
      type: 'input_audio_buffer.committed',
      event_id: 'e',
      item_id: 'item_user1',
      previous_item_id: 'item_greet',
    });
    responseStart(rt, 'r2', 'item_reply');
    rt.emit({
      type: 'response.output_audio_transcript.done',
      event_id: 'e',
      response_id: 'r2',
      item_id: 'item_reply',
      output_index: 0,
      content_index: 0,
      transcript: 'Sure, I can help.',
    });
    // The caller's transcript arrives after the reply started.
    rt.emit({
      type: 'conversation.item.input_audio_transcription.completed',
      event_id: 'e',
      item_id: 'item_user1',
      content_index: 0,
      transcript: 'Where is my order?',
    });
    await settle();
    h.transport.stop();
    await h.done;
    const t = h.appServer.transcript(h.session.call.callSid);
    expect(t.map((m) => [m.role, m.itemId, m.text])).toEqual([
      ['agent', 'item_greet', 'Hi, thanks for calling Acme.'],
      ['caller', 'item_user1', 'Where is my order?'],
      ['agent', 'item_reply', 'Sure, I can help.'],
    ]);
    expect(t.every((m) => !Number.isNaN(Date.parse(m.startedAt)))).toBe(true);
  });
});

describe('TwilioSessionManager: caller turns the transcription could not make out', () => {
  it('keeps the turn in its place, marked, and the turns after it', async () => {
    const h = harness();
    const rt = await h.rt();
    rt.emit({ type: 'input_audio_buffer.committed', event_id: 'e', item_id: 'u1', previous_item_id: null });
    responseStart(rt, 'r1', 'a1');
    rt.emit({
      type: 'conversation.item.input_audio_transcription.failed',
      event_id: 'e',
      item_id: 'u1',
      content_index: 0,
      error: {
        type: 'transcription_error',
        code: 'audio_unintelligible',
        message: 'Audio could not be transcribed.',
      },
    });
    rt.emit({
      type: 'response.output_audio_transcript.done',
      event_id: 'e',
      response_id: 'r1',
      item_id: 'a1',
      output_index: 0,
      content_index: 0,
      transcript: 'Sorry, could you say that again?',
    });
    await settle();
    h.transport.stop();
    await h.done;
    const t = h.appServer.transcript(h.session.call.callSid);
    expect(t.map((m) => [m.role, m.text, m.transcription])).toEqual([
      ['caller', null, 'failed'],
      ['agent', 'Sorry, could you say that again?', undefined],
    ]);
  });
});
