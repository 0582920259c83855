/**
 * Realistic model timing (issue 24): `response.created` 150–400 ms after the request, first audio
 * 300–700 ms after it, audio generated at 1–5 × real time; seeded, per simulator or scenario; instant
 * by default. The window before `response.created` is where a caller can start speaking: the VAD then
 * cancels the response as soon as it exists (GA server VAD with `interrupt_response`).
 */
import { describe, expect, it } from 'vitest';
import type { RealtimeSimulatorOptions } from './server.ts';
import { simHarness, telephonySession } from './test-harness.ts';
import { concatBytes, mulawQuiet, mulawTone, type RawRealtimeClient } from './test-support.ts';
import { parseModelTiming, REALISTIC_TIMING, TimingSampler } from './timing.ts';

const LINE = 'Thanks for calling Acme.'; // 24 characters: 1680 ms of audio

const h = simHarness({ scenario: { default: LINE }, pacing: 'burst' });

async function connect(options: RealtimeSimulatorOptions, turnDetection: unknown = null) {
  await h.start(options);
  return h.connect(telephonySession(turnDetection));
}

/** Times of one response, from the session's own log (ms after the request). */
async function measure(c: RawRealtimeClient) {
  const session = h.sim.sessions.at(-1)!;
  const from = session.log.entries.length;
  c.send({ type: 'response.create' });
  await session.waitFor('response.done', { fromSeq: from, timeoutMs: 5000 });
  const entries = session.log.entries.slice(from);
  const at = (type: string) => entries.find((e) => e.type === type)!.atMs;
  const deltas = entries.filter((e) => e.type === 'response.output_audio.delta');
  const requested = at('response.create');
  return {
    createdMs: at('response.created') - requested,
    firstAudioMs: deltas[0]!.atMs - requested,
    generationMs: deltas.at(-1)!.atMs - deltas[0]!.atMs,
    audioMs: deltas.length * 100,
  };
}

describe('realistic timing', () => {
  it('keeps the documented windows (created 150–400 ms, first audio 300–700 ms, 1–5 × real time)', async () => {
    const c = await connect({ timing: 'realistic' });
    for (let i = 0; i < 3; i++) {
      const t = await measure(c);
      expect(t.createdMs).toBeGreaterThanOrEqual(150);
      expect(t.createdMs).toBeLessThanOrEqual(400 + 100); // slack for a loaded machine, never less
      expect(t.firstAudioMs).toBeGreaterThanOrEqual(Math.max(300, t.createdMs));
      expect(t.firstAudioMs).toBeLessThanOrEqual(700 + 100);
      // deltas after the first cover audioMs - 100 of audio: at most 5 × real time, at least 1 ×
      const audioAfterFirst = t.audioMs - 100;
      expect(t.generationMs).toBeGreaterThanOrEqual(audioAfterFirst / 5 - 5);
      expect(t.generationMs).toBeLessThanOrEqual(audioAfterFirst + 150);
    }
  }, 15_000);

  it('is instant by default: response.created in the same turn as the request, audio in a burst', async () => {
    const c = await connect({});
    const t = await measure(c);
    // Below the realistic range's floor (150 ms), with room for a loaded machine: no wait was scheduled.
    expect(t.createdMs).toBeLessThan(150);
    expect(t.firstAudioMs).toBeLessThan(150);
  });

  it('takes a scenario timing over the simulator option, and setTiming for later sessions', async () => {
    const sim = await h.start({
      scenario: { default: LINE, timing: { responseCreatedMs: [250, 250], firstAudioMs: [250, 250] } },
      timing: 'instant',
    });
    const c = await h.connect();
    const t = await measure(c);
    expect(t.createdMs).toBeGreaterThanOrEqual(250);
    sim.setScenario({ default: LINE });
    sim.setTiming({ responseCreatedMs: [120, 120], firstAudioMs: [120, 120], audioSpeed: [5, 5] });
    const d = await h.connect();
    const u = await measure(d);
    expect(u.createdMs).toBeGreaterThanOrEqual(120);
    expect(u.createdMs).toBeLessThan(250);
  });

  it('lets a caller who starts speaking before response.created cancel the response as soon as it exists', async () => {
    const c = await connect(
      { timing: { seed: 7, responseCreatedMs: [300, 300], firstAudioMs: [600, 600] } },
      {
        type: 'server_vad',
        create_response: false,
      },
    );
    c.send({ type: 'response.create' });
    c.appendAudio(concatBytes(mulawQuiet(100), mulawTone(400)));
    await c.next('input_audio_buffer.speech_started');
    expect(c.types()).not.toContain('response.created');
    const created = await c.next('response.created');
    const done = await c.next('response.done');
    expect(done.response).toMatchObject({
      id: (created.response as { id: string }).id,
      status: 'cancelled',
      status_details: { type: 'cancelled', reason: 'turn_detected' },
    });
    expect(c.types()).not.toContain('response.output_audio.delta');
  });
});

describe('TimingSampler', () => {
  it('draws within the ranges, repeats for a seed and differs between seeds and sessions', () => {
    const draws = (timing: ConstructorParameters<typeof TimingSampler>[0], session = 0) => {
      const s = new TimingSampler(timing, session);
      return Array.from({ length: 50 }, () => s.response()!);
    };
    const a = draws({ seed: 42 });
    expect(draws({ seed: 42 })).toEqual(a);
    expect(draws({ seed: 43 })).not.toEqual(a);
    expect(draws({ seed: 42 }, 1)).not.toEqual(a);
    for (const r of a) {
      expect(r.createdDelayMs).toBeGreaterThanOrEqual(150);
      expect(r.createdDelayMs).toBeLessThanOrEqual(400);
      expect(r.createdDelayMs + r.firstAudioAfterCreatedMs).toBeGreaterThanOrEqual(300);
      expect(r.createdDelayMs + r.firstAudioAfterCreatedMs).toBeLessThanOrEqual(700);
      expect(r.audioSpeed).toBeGreaterThanOrEqual(1);
      expect(r.audioSpeed).toBeLessThanOrEqual(5);
    }
    expect(new TimingSampler('instant', 0).response()).toBeNull();
    expect(new TimingSampler(undefined, 0).transcriptionDelayMs(400)).toBe(400);
    const t = new TimingSampler('realistic', 0).transcriptionDelayMs(400);
    expect(t).toBeGreaterThanOrEqual(REALISTIC_TIMING.transcriptionMs[0]);
    expect(t).toBeLessThanOrEqual(REALISTIC_TIMING.transcriptionMs[1]);
  });

  it('validates timings given as JSON, naming the field', () => {
    expect(parseModelTiming('realistic')).toBe('realistic');
    expect(parseModelTiming({ seed: 3, audioSpeed: [2, 3] })).toEqual({ seed: 3, audioSpeed: [2, 3] });
    expect(() => parseModelTiming('slow')).toThrow("timing: expected 'instant', 'realistic' or an object");
    expect(() => parseModelTiming({ audioSpeed: [0, 3] })).toThrow('timing.audioSpeed');
    expect(() => parseModelTiming({ responseCreatedMs: [400, 150] })).toThrow('timing.responseCreatedMs');
    expect(() => parseModelTiming({ latency: [1, 2] })).toThrow('timing.latency: unknown field');
  });
});
