// After hostile Realtime events, the conversation goes on: the next caller turn is answered (a
// response.create goes out), caller audio reaches the model and the answer reaches the caller. On a
// call in the model's own voice and on one in the brand's voice (a text-only session whose text goes
// to the TTS provider), where text deltas, text done, transcription deltas and session.created matter.
import type { ScriptedRealtimeConnection } from '@switchboard/realtime/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fakeTts } from '../testing/fake-tts.ts';
import { mutatedEvent } from '../testing/realtime-examples.ts';
import { audio, delta, harness, responseDone, settle } from '../testing/session-harness.ts';

const BRAND_VOICE = { provider: 'elevenlabs', voiceId: 'AcmeBrandVoice000001' };

type Frame = { e: Record<string, unknown> & { type: string } } | { raw: string };

const frames = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: mutatedEvent.map((e): Frame => ({ e })) },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((raw): Frame => ({ raw })) },
  ),
  { minLength: 1, maxLength: 20 },
);

/**
 * What the real server does with what is left open: every response it started is done, and every
 * response.create not yet answered gets its response.created (metadata echoed) and response.done.
 */
async function serverFinishesEverything(rt: ScriptedRealtimeConnection, sent: Frame[]): Promise<void> {
  for (const f of sent) {
    if (!('e' in f) || f.e.type !== 'response.created') continue;
    const id = (f.e.response as { id?: unknown } | null | undefined)?.id;
    if (typeof id === 'string') responseDone(rt, id);
  }
  let answered = 0;
  for (let round = 0; round < 6; round++) {
    await settle();
    const creates = rt.sentOfType('response.create');
    if (answered >= creates.length) return;
    for (; answered < creates.length; answered++) {
      const id = `r_srv_${answered}`;
      rt.emit({
        type: 'response.created',
        event_id: `ev_c${answered}`,
        response: {
          id,
          object: 'realtime.response',
          status: 'in_progress',
          output: [],
          metadata: creates[answered]!.response?.metadata ?? null,
        },
      });
      responseDone(rt, id);
    }
  }
}

/** The model answers the latest response.create with one item: audio, or text for the brand voice. */
function answer(rt: ScriptedRealtimeConnection, text: boolean): void {
  rt.emit({
    type: 'response.created',
    event_id: 'ev_after',
    response: {
      id: 'r_after',
      object: 'realtime.response',
      status: 'in_progress',
      output: [],
      metadata: rt.sentOfType('response.create').at(-1)?.response?.metadata ?? null,
    },
  });
  rt.emit({
    type: 'response.output_item.added',
    event_id: 'ev_item',
    response_id: 'r_after',
    output_index: 0,
    item: { id: 'i_after', type: 'message', role: 'assistant', status: 'in_progress', content: [] },
  });
  if (!text) {
    delta(rt, 'r_after', 'i_after', 100);
    return;
  }
  rt.emit({
    type: 'response.output_text.delta',
    event_id: 'ev_t',
    response_id: 'r_after',
    item_id: 'i_after',
    output_index: 0,
    content_index: 0,
    delta: 'It ships today.',
  });
  responseDone(rt, 'r_after');
}

describe.each([
  ['the model voice', false],
  ['a brand voice (text-only session, external TTS)', true],
])('after hostile Realtime events, on a call in %s', (_name, brandVoice) => {
  it('the next caller turn gets a response.create, and audio goes both ways', async () => {
    let dropped = 0;
    await fc.assert(
      fc.asyncProperty(frames, async (sent) => {
        const tts = fakeTts();
        const h = harness(
          brandVoice ? { profile: { voice: BRAND_VOICE }, speech: { tts: tts.factory } } : {},
        );
        const rt = await h.rt();
        if (brandVoice)
          expect(rt.sentOfType('session.update')[0]!.session).toMatchObject({ output_modalities: ['text'] });
        for (const f of sent) {
          if ('raw' in f) rt.emitRaw(f.raw);
          else rt.emit(f.e);
        }
        await serverFinishesEverything(rt, sent);
        dropped += h.metrics.realtimeEventsDropped.size;
        if (h.session.isEnded) return false;

        // The caller speaks: the audio reaches the model.
        const appends = rt.sentOfType('input_audio_buffer.append').length;
        h.transport.media(audio(20), 100_000);
        // The caller's turn (keyed in, so the product itself asks for the answer): a response.create.
        const creates = rt.sentOfType('response.create').length;
        h.transport.dtmf('4');
        h.transport.dtmf('#');
        await settle();
        if (rt.sentOfType('input_audio_buffer.append').length !== appends + 1) return false;
        if (rt.sentOfType('response.create').length !== creates + 1) return false;

        // The answer reaches the caller: model audio relayed, or text spoken by the TTS provider.
        const media = h.transport.frames('media').length;
        answer(rt, brandVoice);
        await settle();
        if (brandVoice) {
          const stream = tts.streams.at(-1)!;
          if (!stream.calls.includes('text:i_after:It ships today.')) return false;
          stream.audio('i_after', 'It ships today.');
          await settle();
        }
        const ok = !h.session.isEnded && h.transport.frames('media').length > media;
        h.transport.stop();
        await h.done;
        return ok;
      }),
      { numRuns: 80 },
    );
    expect(dropped).toBeGreaterThan(0);
  });
});
