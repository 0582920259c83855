import { describe, expect, it } from 'vitest';
import { delta, harness, responseDone, responseStart, settle } from '../testing/session-harness.ts';

/** Starts a call and plays the greeting's first `frames` deltas of 100 ms each. */
async function speaking(frames: number) {
  const h = harness();
  const rt = await h.rt();
  rt.emit({ type: 'session.updated', event_id: 'e0', session: {} });
  responseStart(rt, 'resp_1', 'item_a');
  for (let i = 0; i < frames; i++) delta(rt, 'resp_1', 'item_a', 100);
  await settle();
  return { ...h, rt };
}

const marks = (h: Awaited<ReturnType<typeof speaking>>) => h.transport.frames('mark').map((m) => m.name);

describe('barge-in', () => {
  it('cancels TTS, the response and Twilio playback in one tick, then truncates at what was heard', async () => {
    const h = await speaking(5);
    // The call's first mark follows its first 200 ms of audio: echoed, 200 ms were heard.
    h.transport.echo(marks(h)[0]!);
    await settle();
    h.rt.emit({
      type: 'input_audio_buffer.speech_started',
      event_id: 'e1',
      audio_start_ms: 900,
      item_id: 'item_u',
    });
    await settle();
    const afterAttach = h.order
      .slice(h.order.indexOf('attached') + 1)
      .filter((o) => o !== 'rt.response.create');
    expect(afterAttach).toEqual([
      'tts.cancel',
      'rt.response.cancel',
      'twilio.clear',
      'rt.conversation.item.truncate',
    ]);
    expect(h.rt.sentOfType('conversation.item.truncate')).toEqual([
      { type: 'conversation.item.truncate', item_id: 'item_a', content_index: 0, audio_end_ms: 200 },
    ]);
    expect(h.metrics.bargeIns).toBe(1);
    const rendered = await h.metrics.render();
    expect(rendered).toMatch(/^voice_barge_in_latency_seconds_count 1$/m);
    // Observed in seconds: the barge-in ran in one tick, well under a second.
    const sum = Number(/^voice_barge_in_latency_seconds_sum (\S+)$/m.exec(rendered)?.[1]);
    expect(sum).toBeGreaterThanOrEqual(0);
    expect(sum).toBeLessThan(1);
  });

  it('drops late deltas of the cancelled response and ignores marks Twilio echoes after the clear', async () => {
    const h = await speaking(3);
    h.transport.echo(marks(h)[0]!);
    await settle();
    h.rt.emit({
      type: 'input_audio_buffer.speech_started',
      event_id: 'e1',
      audio_start_ms: 10,
      item_id: 'u1',
    });
    await settle();
    const mediaBefore = h.transport.frames('media').length;
    delta(h.rt, 'resp_1', 'item_a', 100); // in flight when we cancelled
    h.transport.echoAllMarks(); // Twilio echoes pending marks at once on clear
    responseDone(h.rt, 'resp_1', 'cancelled');
    await settle();
    expect(h.transport.frames('media').length).toBe(mediaBefore);
    expect(h.metrics.lateDeltasDropped).toBe(1);
    expect(h.session.playback.heardPosition()).toBeUndefined();
    // A second interruption now finds nothing playing: no clear, no truncate, no cancel.
    h.rt.emit({
      type: 'input_audio_buffer.speech_started',
      event_id: 'e2',
      audio_start_ms: 20,
      item_id: 'u2',
    });
    await settle();
    expect(h.transport.frames('clear')).toHaveLength(1);
    expect(h.rt.sentOfType('conversation.item.truncate')).toHaveLength(1);
    expect(h.rt.sentOfType('response.cancel')).toHaveLength(1);
  });

  it('after all audio was sent: no response.cancel, but clear and truncate at what was heard', async () => {
    const h = await speaking(15);
    responseDone(h.rt, 'resp_1');
    // Marks at 200 ms (the call's first) and 1,200 ms (a second later), and at 1,500 (the end).
    expect(marks(h)).toHaveLength(3);
    h.transport.echo(marks(h)[1]!);
    await settle();
    h.rt.emit({
      type: 'input_audio_buffer.speech_started',
      event_id: 'e1',
      audio_start_ms: 300,
      item_id: 'u1',
    });
    await settle();
    expect(h.rt.sentOfType('response.cancel')).toHaveLength(0);
    expect(h.transport.frames('clear')).toHaveLength(1);
    expect(h.rt.sentOfType('conversation.item.truncate')[0]?.audio_end_ms).toBe(1200);
  });

  it('with two overlapping assistant items, truncates the one being heard and deletes the unheard one', async () => {
    const h = await speaking(3);
    responseDone(h.rt, 'resp_1');
    responseStart(h.rt, 'resp_2', 'item_b');
    delta(h.rt, 'resp_2', 'item_b', 100);
    await settle();
    h.transport.echo(marks(h)[0]!);
    await settle();
    h.rt.emit({
      type: 'input_audio_buffer.speech_started',
      event_id: 'e1',
      audio_start_ms: 300,
      item_id: 'u1',
    });
    await settle();
    expect(h.rt.sentOfType('response.cancel')).toHaveLength(1);
    expect(h.rt.sentOfType('conversation.item.truncate')).toEqual([
      { type: 'conversation.item.truncate', item_id: 'item_a', content_index: 0, audio_end_ms: 200 },
    ]);
    expect(h.rt.sentOfType('conversation.item.delete')).toEqual([
      { type: 'conversation.item.delete', item_id: 'item_b' },
    ]);
  });

  it('truncates at the last echoed mark when the odd-sized chunk after it has not been heard', async () => {
    const h = await speaking(2);
    delta(h.rt, 'resp_1', 'item_a', 37); // an odd-sized last chunk
    await settle();
    // The mark at 200 ms; the odd chunk after it waits for the next mark (none yet).
    const all = marks(h);
    expect(all).toHaveLength(1);
    h.transport.echo(all[0]!);
    await settle();
    h.rt.emit({
      type: 'input_audio_buffer.speech_started',
      event_id: 'e1',
      audio_start_ms: 5,
      item_id: 'u1',
    });
    await settle();
    const t = h.rt.sentOfType('conversation.item.truncate')[0]!;
    expect(t.audio_end_ms).toBe(200);
    expect(t.audio_end_ms).toBeLessThanOrEqual(h.session.playback.sentMs('item_a'));
  });

  it('skips the truncate when the caller heard nothing yet, but still cancels and clears', async () => {
    const h = await speaking(2);
    h.rt.emit({
      type: 'input_audio_buffer.speech_started',
      event_id: 'e1',
      audio_start_ms: 5,
      item_id: 'u1',
    });
    await settle();
    expect(h.rt.sentOfType('response.cancel')).toHaveLength(1);
    expect(h.transport.frames('clear')).toHaveLength(1);
    expect(h.rt.sentOfType('conversation.item.truncate')).toHaveLength(0);
  });

  it('does nothing when the caller speaks while the agent is silent', async () => {
    const h = harness();
    const rt = await h.rt();
    rt.emit({ type: 'input_audio_buffer.speech_started', event_id: 'e1', audio_start_ms: 5, item_id: 'u1' });
    await settle();
    expect(h.order.filter((o) => o !== 'attached')).toEqual([]);
    expect(h.metrics.bargeIns).toBe(0);
  });

  it('never answers twice when the server refuses a create because its own response is active', async () => {
    const h = harness();
    const rt = await h.rt();
    rt.emit({ type: 'session.updated', event_id: 'e0', session: {} });
    await settle();
    expect(rt.sentOfType('response.create')).toHaveLength(1);
    // Server VAD started a response of its own first (the caller spoke); our greeting is refused.
    const refuse = () =>
      rt.emit({
        type: 'error',
        event_id: 'e2',
        error: {
          type: 'invalid_request_error',
          code: 'conversation_already_has_active_response',
          message: 'Conversation already has an active response in progress',
        },
      });
    responseStart(rt, 'resp_vad', 'item_v', { fromServer: true });
    refuse();
    await settle();
    expect(h.session.isEnded).toBe(false);
    responseDone(rt, 'resp_vad');
    await settle();
    // The caller was answered: the greeting is not said after it.
    expect(rt.sentOfType('response.create')).toHaveLength(1);
    // A platform line refused the same way is said once the server's response is done.
    h.session.requestResponse({ instructions: 'Say goodbye.' });
    responseStart(rt, 'resp_vad2', 'item_v2', { fromServer: true });
    refuse();
    await settle();
    responseDone(rt, 'resp_vad2');
    await settle();
    const creates = rt.sentOfType('response.create');
    expect(creates).toHaveLength(3);
    expect(creates[2]!.response?.instructions).toContain('Say goodbye.');
  });
});

describe('barge-in before the response exists', () => {
  it('speech between response.create and response.created cancels that response on creation; none of it plays', async () => {
    const h = harness();
    const rt = await h.rt();
    rt.emit({ type: 'session.updated', event_id: 'e0', session: {} });
    await settle();
    expect(rt.sentOfType('response.create')).toHaveLength(1); // the greeting is on its way
    rt.emit({ type: 'input_audio_buffer.speech_started', event_id: 'e1', audio_start_ms: 5, item_id: 'u1' });
    await settle();
    expect(h.metrics.bargeIns).toBe(1);
    responseStart(rt, 'resp_greet', 'item_greet'); // the greeting now exists
    delta(rt, 'resp_greet', 'item_greet', 100);
    await settle();
    expect(rt.sentOfType('response.cancel')).toEqual([
      { type: 'response.cancel', response_id: 'resp_greet' },
    ]);
    expect(h.transport.frames('media')).toHaveLength(0);
    expect(h.metrics.lateDeltasDropped).toBe(1);
    responseDone(rt, 'resp_greet', 'cancelled');
    await settle();
    // The greeting is not asked for again after the caller was answered.
    expect(rt.sentOfType('response.create')).toHaveLength(1);
  });
});
