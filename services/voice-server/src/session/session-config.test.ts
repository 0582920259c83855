import { applySessionUpdate, defaultSessionConfig } from '@switchboard/simulators/openai-realtime';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { harness, settle } from '../testing/session-harness.ts';
import { DEFAULT_REALTIME_VOICE, sessionConfigFor } from './session-config.ts';

const output = (c: ReturnType<typeof sessionConfigFor>) =>
  (c.config.audio as { output: { voice?: string; speed?: number } }).output;
const transcription = (c: ReturnType<typeof sessionConfigFor>) =>
  (c.config.audio as { input: { transcription?: { model: string; language?: string } } }).input.transcription;

describe('the session configuration a profile gets', () => {
  it('asks for caller transcription with the default model in the profile language', () => {
    const c = sessionConfigFor({ key: 'p', language: 'es-MX' }, 'Prompt.', []);
    expect(transcription(c)).toEqual({ model: 'gpt-4o-mini-transcribe', language: 'es' });
    expect(c.config.instructions).toContain('Speak Spanish (es-MX) with the caller');
  });

  it('uses the profile’s Realtime transcription model when it is one the API has', () => {
    const ok = sessionConfigFor(
      { key: 'p', transcriber: { provider: 'openai', model: 'whisper-1' } },
      'P',
      [],
    );
    expect(transcription(ok)?.model).toBe('whisper-1');
    const bad = sessionConfigFor({ key: 'p', transcriber: { provider: 'openai', model: 'gpt-9' } }, 'P', []);
    expect(transcription(bad)?.model).toBe('gpt-4o-mini-transcribe');
  });

  it('never sends a voice or speed the API would refuse: the default instead, and says so', () => {
    const c = sessionConfigFor(
      { key: 'p', voice: { provider: 'openai', voiceId: 'rachel', speed: 4 } },
      'P',
      [],
    );
    expect(output(c)).toEqual({ format: { type: 'audio/pcmu' }, voice: DEFAULT_REALTIME_VOICE });
    expect(c.problems).toHaveLength(2);
    const el = sessionConfigFor(
      { key: 'p', voice: { provider: 'elevenlabs', voiceId: '21m00Tcm4TlvDq8ikWAM' } },
      'P',
      [],
    );
    expect(output(el).voice).toBe(DEFAULT_REALTIME_VOICE);
    const fine = sessionConfigFor(
      { key: 'p', voice: { provider: 'openai', voiceId: 'cedar', speed: 1.5 } },
      'P',
      [],
    );
    expect(output(fine)).toMatchObject({ voice: 'cedar', speed: 1.5 });
    expect(fine.problems).toEqual([]);
  });

  it('records the fallback on the conversation', async () => {
    const h = harness({ profile: { voice: { provider: 'openai', voiceId: 'rachel' } } });
    const rt = await h.rt();
    await settle();
    expect(
      (rt.sentOfType('session.update')[0]!.session.audio as { output: { voice: string } }).output.voice,
    ).toBe(DEFAULT_REALTIME_VOICE);
    h.transport.stop();
    await h.done;
    const notes = h.appServer.transcript(h.session.call.callSid).filter((m) => m.role === 'system');
    expect(notes.map((m) => m.text).join()).toContain('"rachel" is not a Realtime voice');
  });
});

/**
 * A transcription language the API does not list: the real API answers the whole session.update with
 * `invalid_value` ("Invalid value: 'eu'. Supported values are: …", the ISO-639-1 codes the simulator
 * takes from the same list), and the caller hears nothing. ai-server accepts any BCP 47 tag.
 */
describe('the transcription language hint', () => {
  const accepted = (c: ReturnType<typeof sessionConfigFor>) =>
    applySessionUpdate(defaultSessionConfig('sess_1', 'gpt-realtime', 0), c.config, { audioProduced: false });

  it.each(['eu-ES', 'bn-IN', 'ga', 'fil'])(
    'leaves out %s, which the API does not take, and says so',
    (tag) => {
      const c = sessionConfigFor({ key: 'p', language: tag }, 'P', []);
      expect(transcription(c)).toEqual({ model: 'gpt-4o-mini-transcribe' });
      expect(c.problems).toEqual([expect.stringContaining(`"${tag}"`)]);
      expect(() => accepted(c)).not.toThrow();
      // The model is still told to speak it.
      expect(c.config.instructions).toContain(`(${tag}) with the caller`);
    },
  );

  it('sends one the API takes, from either the transcriber or the profile', () => {
    const c = sessionConfigFor(
      { key: 'p', language: 'eu-ES', transcriber: { provider: 'openai', language: 'pt-BR' } },
      'P',
      [],
    );
    expect(transcription(c)?.language).toBe('pt');
    expect(c.problems).toEqual([]);
  });

  it('whatever the profile says, the session.update is one the API accepts', () => {
    const tag = fc.oneof(
      fc.constantFrom('en-US', 'eu-ES', 'bn-IN', 'ga', 'fil', 'zh-Hant-TW', 'sr-Latn', 'no', 'nb-NO', 'iw'),
      fc.string({ maxLength: 12 }),
      fc.stringMatching(/^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{2,8})?$/),
    );
    fc.assert(
      fc.property(tag, (language) => {
        const c = sessionConfigFor({ key: 'p', language }, 'P', []);
        expect(() => accepted(c)).not.toThrow();
        const sent = transcription(c)?.language;
        if (sent === undefined && language.trim() !== '') expect(c.problems).toHaveLength(1);
      }),
    );
  });

  it('records the language left out on the conversation', async () => {
    const h = harness({ profile: { language: 'eu-ES' } });
    const rt = await h.rt();
    await settle();
    const update = rt.sentOfType('session.update')[0]!.session.audio as {
      input: { transcription: { language?: string } };
    };
    expect(update.input.transcription.language).toBeUndefined();
    h.transport.stop();
    await h.done;
    const notes = h.appServer.transcript(h.session.call.callSid).filter((m) => m.role === 'system');
    expect(notes.map((m) => m.text).join()).toContain('"eu-ES"');
    expect(h.lines.join()).toContain('profile setting not sent to the Realtime API');
  });
});
