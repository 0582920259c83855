// The voice and the agents across a language switch: the Realtime voice is kept (the API refuses a
// voice change once the session produced audio, `cannot_update_voice`); a language's own OpenAI voice
// is used only when the call starts in it; with ElevenLabs the next answer opens a new stream with the
// language's voice id; a hand-off after the switch keeps the Spanish rule. And random caller turns fed
// through the call loop never end the call or switch to a language the profile does not serve.
import type { RealtimeSessionCreateRequest } from '@switchboard/realtime';
import type { ScriptedRealtimeConnection } from '@switchboard/realtime/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fakeTts } from '../testing/fake-tts.ts';
import {
  BILINGUAL,
  callerSays,
  callTool,
  harness,
  responseDone,
  SPANISH,
  settle,
} from '../testing/language.ts';

const sessions = (rt: ScriptedRealtimeConnection) =>
  rt.sentOfType('session.update').map((e) => e.session as RealtimeSessionCreateRequest);

function textDelta(rt: ScriptedRealtimeConnection, responseId: string, itemId: string, delta: string): void {
  rt.emit({
    type: 'response.output_text.delta',
    event_id: `ev_${itemId}`,
    response_id: responseId,
    item_id: itemId,
    output_index: 0,
    content_index: 0,
    delta,
  });
}

describe('the voice across a switch', () => {
  it('keeps the Realtime voice: no session.update after the start names a voice', async () => {
    const languages = BILINGUAL.languages!.map((l) => (l.tag === 'es' ? { ...l, voice: 'cedar' } : l));
    const h = harness({ profile: { ...BILINGUAL, languages } });
    const rt = await h.rt();
    expect(sessions(rt)[0]!.audio?.output?.voice).toBe('marin');
    callerSays(rt, 'c1', SPANISH);
    await settle();
    expect(sessions(rt)).toHaveLength(2);
    expect(JSON.stringify(sessions(rt).slice(1))).not.toContain('voice');
    h.session.stop();
    await h.done;
  });

  it("uses a language's OpenAI voice when the call starts in it", async () => {
    const h = harness({
      profile: {
        language: 'es',
        languages: [
          { tag: 'es', greeting: 'Hola', voice: 'cedar' },
          { tag: 'en', greeting: 'Hi' },
        ],
      },
    });
    const rt = await h.rt();
    expect(sessions(rt)[0]!.audio?.output?.voice).toBe('cedar');
    expect(sessions(rt)[0]!.instructions).toContain('Speak Spanish (es)');
    h.session.stop();
    await h.done;
  });

  it("with ElevenLabs, the next answer is spoken with the language's voice id (a new stream)", async () => {
    const tts = fakeTts();
    const languages = BILINGUAL.languages!.map((l) =>
      l.tag === 'es' ? { ...l, voice: 'SpanishVoice0001' } : l,
    );
    const h = harness({
      profile: {
        ...BILINGUAL,
        languages,
        voice: { provider: 'elevenlabs', voiceId: 'AcmeBrandVoice000001' },
      },
      speech: { tts: tts.factory },
    });
    const rt = await h.rt();
    expect(tts.streams.map((s) => s.voice.voiceId)).toEqual(['AcmeBrandVoice000001']);
    callerSays(rt, 'c1', SPANISH);
    await settle();
    textDelta(rt, 'r1', 'a1', 'Claro, ');
    expect(tts.streams.map((s) => s.voice.voiceId)).toEqual(['AcmeBrandVoice000001', 'SpanishVoice0001']);
    expect(tts.streams[1]!.calls[0]).toBe('start:a1');
    expect(JSON.stringify(sessions(rt).slice(1))).not.toContain('voice');
    h.session.stop();
    await h.done;
  });
});

describe('agents and the language', () => {
  it('a hand-off after the switch keeps the Spanish rule under the new agent', async () => {
    const h = harness({
      profile: {
        ...BILINGUAL,
        entryAgent: 'concierge',
        agents: [
          { key: 'concierge', instructions: 'Greet and route.', handoffs: ['quotes'] },
          { key: 'quotes', instructions: 'Give quotes.', tools: ['end_call'], handoffs: ['concierge'] },
        ],
      },
    });
    const rt = await h.rt();
    callerSays(rt, 'c1', SPANISH);
    await settle();
    expect(sessions(rt)[1]!.instructions).toMatch(/Greet and route\.\n\n# Language\nSpeak Spanish \(es\)/);
    callTool(rt, 'r1', 'k1', 'transfer_to_quotes', '{"reason":"wants a quote"}');
    await settle();
    const last = sessions(rt).at(-1)!;
    expect(last.instructions).toMatch(/Give quotes\.\n\n# Language\nSpeak Spanish \(es\) with the caller/);
    expect(last.instructions).not.toContain('Speak English');
    // An agent that names its tools still has switch_language.
    expect(JSON.stringify(last.tools)).toContain('"name":"switch_language"');
    h.session.stop();
    await h.done;
  });
});

describe('random caller turns through the call loop (fast-check)', () => {
  it('never end the call, never throw, and never switch to an unserved language', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.string({ maxLength: 200 }),
            fc.constantFrom(SPANISH, 'Bonjour, je voudrais parler à quelqu’un', 'OK'),
          ),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        fc.oneof(fc.string(), fc.constantFrom('fr', 'es', 'German', '{}')),
        async (turns, arg) => {
          const h = harness({ profile: BILINGUAL });
          const rt = await h.rt();
          for (const [i, t] of turns.entries()) callerSays(rt, `c${i}`, t);
          callTool(rt, 'rx', 'kx', 'switch_language', JSON.stringify({ language: arg }));
          responseDone(rt, 'rx');
          await settle();
          expect(h.session.isEnded).toBe(false);
          for (const s of sessions(rt).slice(1)) {
            const said = /Speak (\w+) \((\w+)\)[^#]*$/.exec(s.instructions ?? '');
            expect(['en', 'es']).toContain(said?.[2]);
          }
          h.session.stop();
          await h.done;
        },
      ),
      { numRuns: 25 },
    );
  });
});
