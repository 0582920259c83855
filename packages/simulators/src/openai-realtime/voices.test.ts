/**
 * Voices and speed (issue 11.2). Sources: GA schema `RealtimeSessionCreateRequestGA.audio.output`
 * (voice: `VoiceIdsOrCustomVoice` — alloy, ash, ballad, coral, echo, sage, shimmer, verse, marin,
 * cedar; "Voice cannot be changed during the session once the model has responded with audio at least
 * once"; speed 0.25–1.5, "can only be changed in between model turns"); the real API's refusal of an
 * unknown voice (`invalid_value`, "Invalid value: 'ash'. Supported values are: …", quoted in
 * Azure-Samples/aoai-realtime-audio-sdk#94) and of a voice change (`cannot_update_voice`, param null,
 * openai/openai-agents-python#1661).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RealtimeProtocolError } from './errors.ts';
import { REALTIME_VOICES } from './model-params.ts';
import { applySessionUpdate, defaultSessionConfig } from './session-config.ts';
import { simHarness } from './test-harness.ts';
import type { RawRealtimeClient, ServerEvent } from './test-support.ts';

const h = simHarness({ scenario: { default: 'One two three.' }, pacing: 'burst' });
const connect = () => h.connect();

const updateOutput = (output: Record<string, unknown>, eventId = 'evt_update') => ({
  type: 'session.update',
  event_id: eventId,
  session: { type: 'realtime', audio: { output } },
});

const answer = (c: RawRealtimeClient, event: Record<string, unknown>) =>
  c.request(event, (e) => e.type === 'session.updated' || e.type === 'error' || e.type === 'response.done');

describe('session.update voice and speed', () => {
  it('accepts every Realtime voice', async () => {
    const c = await connect();
    for (const voice of REALTIME_VOICES) {
      const reply = await answer(c, updateOutput({ voice }));
      expect(reply.type).toBe('session.updated');
      expect((reply.session as { audio: { output: { voice: string } } }).audio.output.voice).toBe(voice);
    }
  });

  it.each(['nova', 'onyx', 'fable', 'Alloy', '', 'elevenlabs:21m00Tcm4TlvDq8ikWAM'])(
    'refuses the voice %j with invalid_value naming session.audio.output.voice',
    async (voice) => {
      const c = await connect();
      const before = h.sim.sessions.at(-1)!.config;
      const err = await answer(c, updateOutput({ voice }, 'evt_voice'));
      expect(err.error).toEqual({
        type: 'invalid_request_error',
        code: 'invalid_value',
        message: `Invalid value: '${voice}'. Supported values are: 'alloy', 'ash', 'ballad', 'coral', 'echo', 'sage', 'shimmer', 'verse', 'marin', and 'cedar'.`,
        param: 'session.audio.output.voice',
        event_id: 'evt_voice',
      });
      expect(h.sim.sessions.at(-1)!.config).toEqual(before);
    },
  );

  it.each([
    [0.25, null],
    [1.5, null],
    [1.51, 'decimal_above_max_value'],
    [4, 'decimal_above_max_value'],
    [0.2, 'decimal_below_min_value'],
    [0, 'decimal_below_min_value'],
  ])('speed %d → %s', async (speed, code) => {
    const c = await connect();
    const reply = await answer(c, updateOutput({ speed }, 'evt_speed'));
    if (code === null) expect(reply.type).toBe('session.updated');
    else {
      expect(reply.error).toMatchObject({
        type: 'invalid_request_error',
        code,
        param: 'session.audio.output.speed',
        event_id: 'evt_speed',
      });
    }
  });

  it('refuses a voice change once the session has produced audio, with param null', async () => {
    const c = await connect();
    expect((await answer(c, updateOutput({ voice: 'cedar' }))).type).toBe('session.updated');
    expect((await answer(c, { type: 'response.create' })).type).toBe('response.done');
    const err = await answer(c, updateOutput({ voice: 'ash' }, 'evt_late_voice'));
    expect(err.error).toEqual({
      type: 'invalid_request_error',
      code: 'cannot_update_voice',
      message: "Cannot update a conversation's voice if assistant audio is present.",
      param: null,
      event_id: 'evt_late_voice',
    });
    // the same voice again, or another field, is fine
    expect((await answer(c, updateOutput({ voice: 'cedar', speed: 1.2 }))).type).toBe('session.updated');
    expect(h.sim.sessions[0]!.config.audio.output).toMatchObject({ voice: 'cedar', speed: 1.2 });
  });

  it('checks a per-response voice the same way', async () => {
    const c = await connect();
    const unknown = await answer(c, {
      type: 'response.create',
      event_id: 'evt_r',
      response: { audio: { output: { voice: 'nova' } } },
    });
    expect(unknown.error).toMatchObject({
      code: 'invalid_value',
      param: 'response.audio.output.voice',
      event_id: 'evt_r',
    });
    expect((await answer(c, { type: 'response.create' })).type).toBe('response.done');
    const changed = await answer(c, {
      type: 'response.create',
      response: { audio: { output: { voice: 'sage' } } },
    });
    expect(changed.error).toMatchObject({ code: 'cannot_update_voice', param: null });
  });

  it('keeps the speed a response started with; a change applies from the next turn', async () => {
    await h.start({ scenario: { default: 'One two three four five six.' }, pacing: 'realtime' });
    const c = await connect();
    await answer(c, {
      type: 'session.update',
      session: { type: 'realtime', audio: { output: { format: { type: 'audio/pcmu' } } } },
    });
    c.send({ type: 'response.create' });
    await c.next('response.output_audio.delta');
    await answer(c, updateOutput({ speed: 1.5 }));
    const first = await c.next('response.done');
    const second = await c.request({ type: 'response.create' }, 'response.done');
    const audioMs = (done: ServerEvent) => {
      const id = (done.response as { id: string }).id;
      return c.events
        .filter((e) => e.type === 'response.output_audio.delta' && e.response_id === id)
        .reduce((n, e) => n + Buffer.from(e.delta as string, 'base64').length / 8, 0);
    };
    expect(audioMs(first)).toBe('One two three four five six.'.length * 70);
    expect(audioMs(second)).toBeCloseTo(('One two three four five six.'.length * 70) / 1.5, 0);
  }, 10_000);
});

describe('voices, property', () => {
  const apply = (output: unknown) =>
    applySessionUpdate(
      defaultSessionConfig('sess_v', 'gpt-realtime', 0),
      { type: 'realtime', audio: { output } },
      { audioProduced: false },
    );

  it('accepts a string voice exactly when it is a Realtime voice', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...REALTIME_VOICES), fc.string()), (voice) => {
        const known = (REALTIME_VOICES as readonly string[]).includes(voice);
        if (known) expect(apply({ voice }).audio.output.voice).toBe(voice);
        else expect(() => apply({ voice })).toThrow(RealtimeProtocolError);
      }),
    );
  });

  it('accepts a speed exactly when 0.25 ≤ speed ≤ 1.5, else names session.audio.output.speed', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, min: -10, max: 10 }), (speed) => {
        if (speed >= 0.25 && speed <= 1.5) expect(apply({ speed }).audio.output.speed).toBe(speed);
        else
          expect(() => apply({ speed })).toThrow(
            expect.objectContaining({ param: 'session.audio.output.speed' }),
          );
      }),
    );
  });

  it('refuses any malformed output object with a protocol error naming a session.audio.output field', () => {
    fc.assert(
      fc.property(fc.anything(), (output) => {
        try {
          apply(output);
        } catch (err) {
          expect(err).toBeInstanceOf(RealtimeProtocolError);
          expect((err as RealtimeProtocolError).param).toMatch(/^session\.audio\.output/);
        }
      }),
      { numRuns: 300 },
    );
  });
});
