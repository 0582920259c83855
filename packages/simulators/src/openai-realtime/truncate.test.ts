/**
 * `conversation.item.truncate` refusals (issue 11.6), as the real API words them: past the audio
 * produced, "Audio content of 9250ms is already shorter than 57340ms" (quoted in
 * twilio-samples/speech-assistant-openai-realtime-api-python#45); an item without model audio (a
 * user item, a text item, or an assistant item before its first audio delta), "Only model output
 * audio messages can be truncated" with code `unsupported_content_type` (livekit/agents#6157). Both
 * are `invalid_request_error` with the client's `event_id`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FaultPlan } from './faults.ts';
import { simHarness, telephonySession } from './test-harness.ts';
import { mulawTone, type RawRealtimeClient, type ServerEvent } from './test-support.ts';

const LINE = 'Thanks for calling, your order ships on Monday morning.';

const h = simHarness({ scenario: { default: LINE }, pacing: 'burst' });

async function connect(faults: FaultPlan = {}, pacing: 'burst' | 'realtime' = 'burst') {
  await h.start({ pacing, faults });
  return h.connect(telephonySession());
}

const truncate = (c: RawRealtimeClient, itemId: string, audioEndMs: number) =>
  c.request(
    {
      type: 'conversation.item.truncate',
      event_id: 'evt_trunc',
      item_id: itemId,
      content_index: 0,
      audio_end_ms: audioEndMs,
    },
    (e) => e.type === 'conversation.item.truncated' || e.type === 'error',
  );

const NO_AUDIO = {
  type: 'invalid_request_error',
  code: 'unsupported_content_type',
  message: 'Only model output audio messages can be truncated',
  param: null,
  event_id: 'evt_trunc',
};

describe('truncate refusals', () => {
  it('refuses an assistant item whose audio has not started (barge-in before the first delta)', async () => {
    const c = await connect({ firstDeltaLatencyMs: 10_000 });
    c.send({ type: 'response.create' });
    const part = await c.next('response.content_part.added');
    const err = await truncate(c, part.item_id as string, 0);
    expect(err.error).toEqual(NO_AUDIO);
    // cancelling is what works: the item ends with no audio and an empty transcript
    const done = await c.request({ type: 'response.cancel' }, 'response.done');
    expect(done.response).toMatchObject({ status: 'cancelled', output: [{ status: 'incomplete' }] });
    expect(c.types()).not.toContain('response.output_audio.delta');
    expect((await truncate(c, part.item_id as string, 0)).error).toEqual(NO_AUDIO);
  });

  it('refuses past the audio produced so far, with the real message, and accepts up to it', async () => {
    const c = await connect({}, 'realtime');
    c.send({ type: 'response.create' });
    const first = await c.next('response.output_audio.delta');
    await c.next((e) => e.type === 'response.output_audio.delta' && e !== first);
    const itemId = first.item_id as string;
    const producedMs = h.sim.sessions[0]!.items.find((i) => i.id === itemId)!.audioMs;
    const over = await truncate(c, itemId, 5000);
    expect(over.error).toEqual({
      type: 'invalid_request_error',
      code: 'invalid_value',
      message: `Audio content of ${Math.floor(producedMs)}ms is already shorter than 5000ms`,
      param: null,
      event_id: 'evt_trunc',
    });
    const ok = await truncate(c, itemId, 150);
    expect(ok).toMatchObject({ type: 'conversation.item.truncated', item_id: itemId, audio_end_ms: 150 });
  });

  it('refuses user audio, assistant text and function call items', async () => {
    const c = await connect();
    c.appendAudio(mulawTone(300));
    const user = await c.request({ type: 'input_audio_buffer.commit' }, 'input_audio_buffer.committed');
    expect((await truncate(c, user.item_id as string, 10)).error).toEqual(NO_AUDIO);
    const text = await c.request(
      {
        type: 'conversation.item.create',
        item: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Earlier.' }] },
      },
      'conversation.item.added',
    );
    expect((await truncate(c, (text.item as { id: string }).id, 0)).error).toEqual(NO_AUDIO);
    const call = await c.request(
      {
        type: 'conversation.item.create',
        item: { type: 'function_call', name: 'f', call_id: 'call_1', arguments: '{}' },
      },
      'conversation.item.added',
    );
    expect((await truncate(c, (call.item as { id: string }).id, 0)).error).toEqual(NO_AUDIO);
  });

  it('accepts audio_end_ms exactly when it is within the audio produced (property)', async () => {
    const c = await connect();
    const done = await c.request({ type: 'response.create' }, 'response.done');
    const itemId = (done.response as { output: Array<{ id: string }> }).output[0]!.id;
    const totalMs = LINE.length * 70;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: totalMs * 2 }), async (endMs) => {
        // runs truncate the same item: each one is judged against the audio left by the one before
        const item = h.sim.sessions[0]!.items.find((i) => i.id === itemId)!;
        const reply: ServerEvent = await truncate(c, itemId, endMs);
        if (item.audioMs === 0) expect(reply.error).toEqual(NO_AUDIO);
        else if (endMs <= item.audioMs) {
          expect(reply.type).toBe('conversation.item.truncated');
          expect(h.sim.sessions[0]!.items.find((i) => i.id === itemId)!.audioMs).toBe(endMs);
        } else {
          expect(reply.error).toMatchObject({ code: 'invalid_value', param: null });
        }
      }),
      { numRuns: 40 },
    );
  });
});
