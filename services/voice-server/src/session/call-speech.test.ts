import type { ScriptedRealtimeConnection } from '@switchboard/realtime/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Transcriber, TranscriptionResult } from '../ports/transcriber.ts';
import { fakeTts } from '../testing/fake-tts.ts';
import { RecordingCallTracer } from '../testing/recording-tracer.ts';
import { harness, responseDone, responseStart, settle, until } from '../testing/session-harness.ts';
import { DROP_TRANSFER, REPEAT_AFTER_VOICE_FAILURE, VOICE_FELL_BACK_NOTE } from './lines.ts';
import { callerLanguage, speechPlanFor } from './speech-plan.ts';

const BRAND_VOICE = { provider: 'elevenlabs', voiceId: 'AcmeBrandVoice000001', settings: { stability: 0.3 } };

function textDelta(rt: ScriptedRealtimeConnection, responseId: string, itemId: string, delta: string): void {
  rt.emit({
    type: 'response.output_text.delta',
    event_id: `ev_${Math.random()}`,
    response_id: responseId,
    item_id: itemId,
    output_index: 0,
    content_index: 0,
    delta,
  });
}

function textDone(rt: ScriptedRealtimeConnection, responseId: string, itemId: string, text: string): void {
  rt.emit({
    type: 'response.output_text.done',
    event_id: `ev_${Math.random()}`,
    response_id: responseId,
    item_id: itemId,
    output_index: 0,
    content_index: 0,
    text,
  });
}

async function brandVoiceCall(tracer?: RecordingCallTracer) {
  const tts = fakeTts();
  const h = harness({
    profile: { voice: BRAND_VOICE },
    speech: { tts: tts.factory },
    ...(tracer ? { tracer } : {}),
  });
  const rt = await h.rt();
  rt.emit({ type: 'session.updated', event_id: 'e0', session: {} });
  await settle();
  return { ...h, rt, tts, stream: tts.streams[0]! };
}

describe('speech plan', () => {
  it('uses a configured provider the profile names, and says what it cannot have', () => {
    const transcriber = { provider: 'cartesia' } as Transcriber;
    const full = speechPlanFor(
      { key: 'p', voice: BRAND_VOICE, transcriber: { provider: 'cartesia' } },
      { tts: fakeTts().factory, transcribers: { cartesia: transcriber } },
    );
    expect(full).toEqual({
      voice: { voiceId: BRAND_VOICE.voiceId, settings: { stability: 0.3 } },
      transcriber,
      problems: [],
    });
    const none = speechPlanFor({ key: 'p', voice: BRAND_VOICE, transcriber: { provider: 'elevenlabs' } }, {});
    expect(none.voice).toBeUndefined();
    expect(none.transcriber).toBeUndefined();
    expect(none.problems).toHaveLength(2);
    expect(speechPlanFor({ key: 'p', voice: { provider: 'openai', voiceId: 'marin' } }, {}).problems).toEqual(
      [],
    );
  });
});

describe("the caller's language for an external transcriber", () => {
  const cartesia = { provider: 'cartesia' } as Transcriber;
  const scribe = { provider: 'elevenlabs' } as Transcriber;
  const providers = { transcribers: { cartesia, elevenlabs: scribe } };

  it('is the primary subtag of the profile language (or of the transcriber setting)', () => {
    expect(callerLanguage({ key: 'p', language: 'es-MX' })).toBe('es');
    expect(callerLanguage({ key: 'p', language: 'en-US', transcriber: { language: 'fr' } })).toBe('fr');
    expect(callerLanguage({ key: 'p' })).toBeUndefined();
    expect(callerLanguage({ key: 'p', language: '../x' })).toBeUndefined();
  });

  it('keeps Cartesia for English callers only, and says so for others; Scribe takes any', () => {
    const es = { key: 'p', language: 'es-MX' };
    const cartesiaEs = speechPlanFor({ ...es, transcriber: { provider: 'cartesia' } }, providers);
    expect(cartesiaEs.transcriber).toBeUndefined();
    expect(cartesiaEs.problems[0]).toMatch(/speak es/);
    expect(speechPlanFor({ ...es, transcriber: { provider: 'elevenlabs' } }, providers).transcriber).toBe(
      scribe,
    );
    expect(
      speechPlanFor({ key: 'p', language: 'en-GB', transcriber: { provider: 'cartesia' } }, providers)
        .transcriber,
    ).toBe(cartesia);
  });
});

describe('a call with a brand voice', () => {
  it('asks the Realtime session for text and speaks the text in the profile voice', async () => {
    const h = await brandVoiceCall();
    expect(h.rt.sentOfType('session.update')[0]!.session).toMatchObject({ output_modalities: ['text'] });
    expect(h.stream.voice).toEqual({ voiceId: BRAND_VOICE.voiceId, settings: { stability: 0.3 } });
    responseStart(h.rt, 'resp_1', 'item_a');
    textDelta(h.rt, 'resp_1', 'item_a', 'Hi, ');
    textDelta(h.rt, 'resp_1', 'item_a', 'Acme here.');
    textDone(h.rt, 'resp_1', 'item_a', 'Hi, Acme here.');
    responseDone(h.rt, 'resp_1');
    await settle();
    expect(h.stream.calls).toEqual([
      'start:item_a',
      'text:item_a:Hi, ',
      'text:item_a:Acme here.',
      'flush:item_a',
      'flush:item_a',
    ]);
    h.stream.audio('item_a', 'Hi, Acme here.', 1600);
    expect(h.transport.frames('media')).toHaveLength(1);
    expect(h.transport.frames('mark')).toHaveLength(1);
    expect(h.session.transcript.get('item_a')?.text).toBe('Hi, Acme here.');
    h.session.stop('caller_hangup');
    await h.done;
    expect(h.session.speechUsage).toMatchObject({ voiceProvider: 'elevenlabs', charactersSynthesized: 14 });
    // reported with the call's end, for cost attribution
    const ended = h.lines.find((l) => l.includes('"msg":"call ended"'))!;
    expect(JSON.parse(ended).speech).toMatchObject({
      voiceProvider: 'elevenlabs',
      charactersSynthesized: 14,
    });
    expect(h.metrics.ttsCharacters).toBe(14);
  });

  it('on barge-in cancels the voice, replaces the text item with the words heard, and keeps them', async () => {
    const h = await brandVoiceCall();
    responseStart(h.rt, 'resp_1', 'item_a');
    textDelta(h.rt, 'resp_1', 'item_a', 'Your order left today.');
    h.stream.audio('item_a', 'Your order left today.', 1760, 10);
    // 220 ms of audio goes out in ~100 ms pieces: the first piece's mark echoed is 99.75 ms heard
    const [mark] = h.transport.frames('mark').map((m) => m.name);
    h.transport.echo(mark!);
    await settle();
    h.rt.emit({
      type: 'input_audio_buffer.speech_started',
      event_id: 'e1',
      audio_start_ms: 900,
      item_id: 'u1',
    });
    await settle();
    expect(h.stream.calls).toContain('cancel');
    expect(h.rt.sentOfType('conversation.item.truncate')).toEqual([]);
    const created = h.rt.sentOfType('conversation.item.create').at(-1)!;
    expect(created).toMatchObject({
      previous_item_id: 'item_a',
      item: { role: 'assistant', content: [{ type: 'output_text', text: 'Your order' }] },
    });
    expect(h.rt.sentOfType('conversation.item.delete')).toEqual([
      { type: 'conversation.item.delete', item_id: 'item_a' },
    ]);
    const order = h.order.slice(h.order.indexOf('attached') + 1).filter((o) => o !== 'rt.response.create');
    expect(order.slice(0, 3)).toEqual(['tts.cancel', 'rt.response.cancel', 'twilio.clear']);
    textDone(h.rt, 'resp_1', 'item_a', 'Your order left today.');
    await settle();
    expect(h.session.transcript.get('item_a')).toMatchObject({
      text: 'Your order left today.',
      interrupted: true,
      heardText: 'Your order',
    });
    h.session.stop('caller_hangup');
    await h.done;
  });

  it('keeps the words heard without the space after the last one, for the model and the transcript alike', async () => {
    const h = await brandVoiceCall();
    responseStart(h.rt, 'resp_1', 'item_a');
    // 10 ms a character: the first mark (99.75 ms) falls just after "Your item " and its space
    textDelta(h.rt, 'resp_1', 'item_a', 'Your item left today.');
    h.stream.audio('item_a', 'Your item left today.', 1680, 10);
    h.transport.echo(h.transport.frames('mark')[0]!.name);
    await settle();
    h.rt.emit({
      type: 'input_audio_buffer.speech_started',
      event_id: 'e1',
      audio_start_ms: 900,
      item_id: 'u1',
    });
    await settle();
    expect(h.rt.sentOfType('conversation.item.create').at(-1)).toMatchObject({
      item: { content: [{ type: 'output_text', text: 'Your item' }] },
    });
    textDone(h.rt, 'resp_1', 'item_a', 'Your item left today.');
    await settle();
    expect(h.session.transcript.get('item_a')).toMatchObject({ interrupted: true, heardText: 'Your item' });
    h.session.stop('caller_hangup');
    await h.done;
  });

  it('deletes a finished answer the voice had not started to speak when the caller talks', async () => {
    const h = await brandVoiceCall();
    responseStart(h.rt, 'resp_1', 'item_a');
    textDelta(h.rt, 'resp_1', 'item_a', 'A long answer.');
    responseDone(h.rt, 'resp_1');
    await settle();
    h.rt.emit({
      type: 'input_audio_buffer.speech_started',
      event_id: 'e1',
      audio_start_ms: 900,
      item_id: 'u1',
    });
    await settle();
    expect(h.stream.calls).toContain('cancel');
    expect(h.rt.sentOfType('conversation.item.delete')).toEqual([
      { type: 'conversation.item.delete', item_id: 'item_a' },
    ]);
    expect(h.metrics.bargeIns).toBe(1);
    h.session.stop('caller_hangup');
    await h.done;
  });

  it("falls back to the model's own audio once when the voice gives up, and says the missed answer again", async () => {
    const h = await brandVoiceCall();
    responseStart(h.rt, 'resp_1', 'item_a');
    textDelta(h.rt, 'resp_1', 'item_a', 'Hello there.');
    responseDone(h.rt, 'resp_1');
    await settle();
    const error = { code: 'socket_closed' as const, message: 'closed', retryable: true };
    h.stream.emit({ type: 'turn_failed', turnId: 'item_a', error });
    h.stream.emit({ type: 'unavailable', error });
    h.stream.emit({ type: 'unavailable', error });
    await settle();
    const updates = h.rt.sentOfType('session.update');
    expect(updates.at(-1)).toEqual({
      type: 'session.update',
      session: { type: 'realtime', output_modalities: ['audio'] },
    });
    expect(updates).toHaveLength(2);
    const asked = h.rt.sentOfType('response.create').at(-1)!;
    expect(asked.response?.instructions).toContain(REPEAT_AFTER_VOICE_FAILURE);
    // the session.update went out before the request, so the repeat is spoken by the model
    const sent = h.order.filter((o) => o === 'rt.session.update' || o === 'rt.response.create');
    expect(sent.slice(-2)).toEqual(['rt.session.update', 'rt.response.create']);
    expect(h.metrics.ttsFallbacks.get('socket_closed')).toBe(1);
    expect(h.lines.filter((l) => l.includes('TTS voice is unavailable'))).toHaveLength(1);
    expect(h.session.transcript.messages().some((m) => m.text === VOICE_FELL_BACK_NOTE)).toBe(true);
    // later text is not sent to the dead stream
    textDelta(h.rt, 'resp_2', 'item_b', 'More.');
    expect(h.stream.calls.some((c) => c.includes('item_b'))).toBe(false);
    h.session.stop('caller_hangup');
    await h.done;
    expect(h.session.speechUsage.fellBack).toBe(true);
  });

  it('says the outage filler in the brand voice while the Realtime session is reopened', async () => {
    const h = await brandVoiceCall();
    h.rt.drop(1011);
    await until(() => h.connector.connections.length === 2, 'second session');
    await settle();
    const line = h.stream.calls.find((c) => c.startsWith('text:~filler'));
    expect(line).toMatch(/^text:~filler#1:One moment, please\.$/);
    h.stream.audio(line!.split(':')[1]!, 'One moment, please.', 800);
    expect(h.transport.frames('media')).toHaveLength(1);
    // the new session speaks in text too
    expect(h.connector.connections[1]!.sentOfType('session.update')[0]!.session).toMatchObject({
      output_modalities: ['text'],
    });
    h.session.stop('caller_hangup');
    await h.done;
  });

  it('apologizes in the brand voice before the transfer when the model cannot be reached again', async () => {
    const tts = fakeTts();
    const h = harness({
      profile: { voice: BRAND_VOICE, transferTarget: '+18005550199' },
      speech: { tts: tts.factory },
    });
    const rt = await h.rt();
    rt.drop(1011, 'server error');
    for (let n = 2; n <= 4; n++) {
      await until(() => h.connector.connections.length === n, `session ${n}`);
      const c = h.connector.connections[n - 1]!;
      await until(() => c.sentOfType('session.update').length > 0, `session ${n} configured`);
      c.drop(1011, 'server error');
    }
    const stream = tts.streams[0]!;
    await until(() => stream.calls.some((c) => c.includes(DROP_TRANSFER)), 'the apology in the brand voice');
    const id = stream.calls
      .filter((c) => c.startsWith('start:'))
      .at(-1)!
      .slice('start:'.length);
    stream.audio(id, DROP_TRANSFER, 800);
    stream.emit({ type: 'turn_done', turnId: id });
    await settle();
    expect(h.twilioRest.updates).toEqual([]); // not before the caller heard it
    h.transport.echoAllMarks();
    expect(await h.done).toBe('transferred');
    const twiml = h.twilioRest.updates.at(-1)!.twiml;
    expect(twiml).toContain('<Number>+18005550199</Number>');
    expect(twiml).not.toContain('<Say');
  });

  it('speaks with the model when no ElevenLabs key is configured, and says so at the start', async () => {
    const h = harness({ profile: { voice: BRAND_VOICE } });
    const rt = await h.rt();
    expect(rt.sentOfType('session.update')[0]!.session).toMatchObject({ output_modalities: ['audio'] });
    await until(() => h.session.transcript.messages().some((m) => /no ElevenLabs key/.test(m.text ?? '')));
    h.session.stop('caller_hangup');
    await h.done;
  });

  it('never throws on text events in any order, and speaks no text of a cancelled response (fast-check)', async () => {
    const h = await brandVoiceCall();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            kind: fc.constantFrom('delta', 'done', 'response_done', 'created', 'speech'),
            resp: fc.constantFrom('r1', 'r2', ''),
            item: fc.constantFrom('i1', 'i2', ''),
            text: fc.string({ maxLength: 6 }),
          }),
          { maxLength: 20 },
        ),
        async (events) => {
          n++;
          for (const e of events) {
            const resp = `${e.resp}_${n}`;
            if (e.kind === 'delta') textDelta(h.rt, resp, e.item, e.text);
            else if (e.kind === 'done') textDone(h.rt, resp, e.item, e.text);
            else if (e.kind === 'response_done') responseDone(h.rt, resp);
            else if (e.kind === 'created') responseStart(h.rt, resp, `${e.item}_${n}`);
            else
              h.rt.emit({
                type: 'input_audio_buffer.speech_started',
                event_id: 'x',
                audio_start_ms: 0,
                item_id: 'u',
              });
          }
          await settle();
          expect(h.session.isEnded).toBe(false);
        },
      ),
      { numRuns: 30 },
    );
    expect(h.metrics.realtimeEventsDropped.size).toBe(0);
    h.session.stop('caller_hangup');
    await h.done;
  });
  it("puts each TTS turn on the call's trace: voice, characters, first audio, and the turn's waterfall", async () => {
    const tracer = new RecordingCallTracer();
    const h = await brandVoiceCall(tracer);
    // the caller's turn ended (its start, a barge-in, is another test's subject)
    h.rt.emit({
      type: 'input_audio_buffer.speech_stopped',
      event_id: 's2',
      audio_end_ms: 400,
      item_id: 'u1',
    });
    responseStart(h.rt, 'resp_1', 'item_a');
    textDelta(h.rt, 'resp_1', 'item_a', 'Hi, ');
    textDelta(h.rt, 'resp_1', 'item_a', 'Acme here.');
    textDone(h.rt, 'resp_1', 'item_a', 'Hi, Acme here.');
    responseDone(h.rt, 'resp_1');
    await settle();
    h.stream.audio('item_a', 'Hi, Acme here.', 1600);
    h.session.stop('caller_hangup');
    await h.done;
    expect(tracer.traces[0]!.tts).toEqual([
      expect.objectContaining({ provider: 'elevenlabs', voiceId: BRAND_VOICE.voiceId, characters: 14 }),
    ]);
    expect(tracer.traces[0]!.tts[0]!.firstAudioMs).toBeGreaterThanOrEqual(0);
    // the turn's waterfall has the TTS figures: first text, first synthesized chunk, first frame sent
    const turn = tracer.traces[0]!.turns[0]!;
    expect(turn.firstTextMs).toBeGreaterThanOrEqual(0);
    expect(turn.firstSynthMs).toBeGreaterThanOrEqual(turn.firstTextMs!);
    expect(turn.firstFrameMs).toBeGreaterThanOrEqual(turn.firstSynthMs!);
  });
});

describe('a call with an external transcriber', () => {
  function transcriber(text: string): Transcriber & { turns: string[] } {
    const turns: string[] = [];
    return {
      provider: 'cartesia',
      turns,
      transcribe: async (audio): Promise<TranscriptionResult> => {
        turns.push(audio.itemId);
        return { status: 'ok', provider: 'cartesia', text, audioSeconds: audio.mulaw.length / 8000 };
      },
    };
  }

  it('fills in a turn whose Realtime transcript failed, in its place, and counts the audio', async () => {
    const t = transcriber('where is my order');
    const h = harness({
      profile: { transcriber: { provider: 'cartesia' } },
      speech: { transcribers: { cartesia: t } },
    });
    const rt = await h.rt();
    for (let i = 0; i < 10; i++) h.transport.media(Buffer.alloc(160, 0x10).toString('base64'), i * 20);
    await settle();
    rt.emit({ type: 'input_audio_buffer.speech_started', event_id: 'a', audio_start_ms: 0, item_id: 'u1' });
    rt.emit({ type: 'input_audio_buffer.speech_stopped', event_id: 'b', audio_end_ms: 200, item_id: 'u1' });
    rt.emit({ type: 'input_audio_buffer.committed', event_id: 'c', item_id: 'u1', previous_item_id: null });
    responseStart(rt, 'resp_1', 'item_a');
    await until(() => t.turns.length === 1);
    await settle();
    // held: the Realtime transcript is still to come
    expect(h.session.transcript.get('u1')?.text).toBeNull();
    rt.emit({
      type: 'conversation.item.input_audio_transcription.failed',
      event_id: 'd',
      item_id: 'u1',
      content_index: 0,
      error: { type: 'transcription_error', code: 'audio_unintelligible', message: 'x', param: null },
    });
    await settle();
    expect(h.session.transcript.get('u1')).toMatchObject({
      text: 'where is my order',
      source: 'transcriber',
      transcriber: 'cartesia',
      transcription: 'failed',
    });
    const order = h.session.transcript.messages().map((m) => m.itemId);
    expect(order.indexOf('u1')).toBeLessThan(order.indexOf('item_a'));
    h.session.stop('caller_hangup');
    await h.done;
    expect(h.session.speechUsage).toMatchObject({ transcriber: 'cartesia', audioSecondsTranscribed: 0.2 });
    expect(h.metrics.transcriberSeconds.get('cartesia')).toBeCloseTo(0.2);
  });

  it("tells the transcriber the caller's language with each turn", async () => {
    const languages: Array<string | undefined> = [];
    const scribe: Transcriber = {
      provider: 'elevenlabs',
      transcribe: async (audio): Promise<TranscriptionResult> => {
        languages.push(audio.language);
        return { status: 'ok', provider: 'elevenlabs', text: 'hola', audioSeconds: 0.2 };
      },
    };
    const h = harness({
      profile: { language: 'es-MX', transcriber: { provider: 'elevenlabs' } },
      speech: { transcribers: { elevenlabs: scribe } },
    });
    const rt = await h.rt();
    for (let i = 0; i < 10; i++) h.transport.media(Buffer.alloc(160, 0x10).toString('base64'), i * 20);
    await settle();
    rt.emit({ type: 'input_audio_buffer.speech_started', event_id: 'a', audio_start_ms: 0, item_id: 'u1' });
    rt.emit({ type: 'input_audio_buffer.speech_stopped', event_id: 'b', audio_end_ms: 200, item_id: 'u1' });
    rt.emit({ type: 'input_audio_buffer.committed', event_id: 'c', item_id: 'u1', previous_item_id: null });
    await until(() => languages.length === 1);
    expect(languages).toEqual(['es']);
    h.session.stop('caller_hangup');
    await h.done;
  });

  it("puts each transcription on the call's trace with its audio seconds and outcome", async () => {
    const t = transcriber('where is my order');
    const tracer = new RecordingCallTracer();
    const h = harness({
      profile: { transcriber: { provider: 'cartesia' } },
      speech: { transcribers: { cartesia: t } },
      tracer,
    });
    const rt = await h.rt();
    for (let i = 0; i < 10; i++) h.transport.media(Buffer.alloc(160, 0x10).toString('base64'), i * 20);
    await settle();
    rt.emit({ type: 'input_audio_buffer.speech_started', event_id: 'a', audio_start_ms: 0, item_id: 'u1' });
    rt.emit({ type: 'input_audio_buffer.speech_stopped', event_id: 'b', audio_end_ms: 200, item_id: 'u1' });
    rt.emit({ type: 'input_audio_buffer.committed', event_id: 'c', item_id: 'u1', previous_item_id: null });
    await until(() => tracer.traces[0]!.stt.length === 1);
    expect(tracer.traces[0]!.stt[0]).toMatchObject({
      provider: 'cartesia',
      model: 'ink-whisper',
      audioSeconds: 0.2,
      outcome: 'ok',
    });
    expect(tracer.traces[0]!.stt[0]!.latencyMs).toBeGreaterThanOrEqual(0);
    h.session.stop('caller_hangup');
    await h.done;
  });
});
