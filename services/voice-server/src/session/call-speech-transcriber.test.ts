// Pins CallSpeech's side of the external transcriber: each transcription counted by provider and
// outcome, only heard words passed on, each traced (a failure with its code), the caller's words filled
// in without a trace or listener; and at the call's end, a transcription under way waited for at most
// the grace, held transcripts given to their turns, the audio keeper stopped.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TranscriptionResult } from '../ports/transcriber.ts';
import { callerTurn, callSpeechOf, heldTranscriber } from '../testing/call-speech-parts.ts';
import { heardWords } from '../testing/parts.ts';
import { settle } from '../testing/session-harness.ts';

const HEARD = heardWords('where is my order', 'cartesia', 0.2);
const TIMED_OUT: TranscriptionResult = {
  status: 'failed',
  provider: 'cartesia',
  error: { code: 'timeout', message: 'no answer', retryable: true },
  audioSeconds: 0.2,
};

function transcribedCall(opts: { trace?: boolean; words?: boolean } = {}) {
  const t = heldTranscriber('cartesia');
  const c = callSpeechOf({
    profile: { transcriber: { provider: 'cartesia' } },
    transcribers: { cartesia: t.transcriber },
    ...opts,
  });
  return { ...c, t };
}

/** Ends the call's transcripts with `graceMs`; tells whether that finished (a hang fails a test fast). */
function finishing(c: ReturnType<typeof transcribedCall>, graceMs: number): () => boolean {
  let finished = false;
  void c.speech.finishTranscripts(graceMs).then(() => {
    finished = true;
  });
  return () => finished;
}

describe("the external transcriber's results", () => {
  it('are counted by provider and outcome, passed on only when heard, and traced with a failure code', async () => {
    const c = transcribedCall();
    callerTurn(c.turnAudio, 'u1');
    callerTurn(c.turnAudio, 'u2');
    expect(c.t.asked.map((a) => a.itemId)).toEqual(['u1', 'u2']);
    c.t.answer(HEARD);
    c.t.answer(TIMED_OUT);
    await settle();
    expect([...c.metrics.transcriptions]).toEqual([
      ['cartesia|ok', 1],
      ['cartesia|failed', 1],
    ]);
    expect(c.metrics.transcriberSeconds.get('cartesia')).toBeCloseTo(0.4);
    expect(c.words).toEqual(['where is my order']);
    expect(c.trace.stt).toMatchObject([
      { provider: 'cartesia', model: 'ink-whisper', audioSeconds: 0.2, outcome: 'ok' },
      {
        provider: 'cartesia',
        model: 'ink-whisper',
        audioSeconds: 0.2,
        outcome: 'failed',
        errorCode: 'timeout',
      },
    ]);
    expect(c.trace.stt[0]).not.toHaveProperty('errorCode');
  });

  it("fill in a failed Realtime transcript on a call without a trace or a listener of the caller's words", async () => {
    const c = transcribedCall({ trace: false, words: false });
    c.transcript.open('u1', 'caller', new Date());
    c.transcript.finalize('u1', null, { transcription: 'failed' });
    callerTurn(c.turnAudio, 'u1');
    c.t.answer(HEARD);
    await settle();
    expect(c.transcript.get('u1')).toMatchObject({
      text: 'where is my order',
      source: 'transcriber',
      transcriber: 'cartesia',
    });
  });
});

describe("the external transcripts at the call's end", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('go to the turns whose Realtime transcript never came, and the audio keeper stops', async () => {
    const c = transcribedCall();
    c.transcript.open('u1', 'caller', new Date());
    callerTurn(c.turnAudio, 'u1');
    c.t.answer(HEARD);
    await settle();
    expect(c.transcript.get('u1')?.text).toBeNull(); // held for the Realtime transcript
    const finished = finishing(c, 1000);
    await settle();
    expect(finished()).toBe(true);
    expect(c.transcript.get('u1')).toMatchObject({ text: 'where is my order', source: 'transcriber' });
    callerTurn(c.turnAudio, 'u2');
    expect(c.t.asked).toEqual([]);
  });

  it('wait for a transcription under way, and are done as soon as it answers', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const c = transcribedCall();
    c.transcript.open('u1', 'caller', new Date());
    callerTurn(c.turnAudio, 'u1');
    const finished = finishing(c, 1000);
    await vi.advanceTimersByTimeAsync(999);
    expect(finished()).toBe(false);
    c.t.answer(HEARD);
    await settle();
    expect(finished()).toBe(true);
    expect(c.transcript.get('u1')?.text).toBe('where is my order');
  });

  it('give up on a transcription still under way after the grace', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const c = transcribedCall();
    c.transcript.open('u1', 'caller', new Date());
    callerTurn(c.turnAudio, 'u1');
    const finished = finishing(c, 1000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(finished()).toBe(true);
    c.t.answer(HEARD);
    await settle();
    expect(c.transcript.get('u1')?.text).toBeNull();
    expect(c.words).toEqual([]);
  });

  it('stop the audio keeper on a call without a transcriber too', async () => {
    const c = callSpeechOf({ tts: false });
    callerTurn(c.turnAudio, 'u1');
    expect(c.turnAudio.audioOf('u1')).toBeDefined();
    await c.speech.finishTranscripts(1000);
    expect(c.turnAudio.audioOf('u1')).toBeUndefined();
  });
});
