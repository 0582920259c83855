import { describe, expect, it } from 'vitest';
import type { TranscribedTurn } from '../speech/caller-turn-audio.ts';
import { audioPath, heardWords, transcribedTurn } from '../testing/parts.ts';
import { CallerTranscripts } from './caller-transcripts.ts';

const turn = transcribedTurn;
const ok = (text: string) => heardWords(text);

function parts() {
  const { transcript, appServer } = audioPath();
  const seen: TranscribedTurn[] = [];
  const ct = new CallerTranscripts(transcript, (t) => seen.push(t));
  return { transcript, appServer, ct, seen };
}

describe('CallerTranscripts', () => {
  it('keeps the Realtime text first and the external text beside it, whichever comes first', () => {
    const { transcript, ct } = parts();
    transcript.open('u1', 'caller', new Date());
    transcript.open('u2', 'caller', new Date());
    transcript.finalize('u1', 'Where is my order?', { source: 'realtime' });
    ct.onExternal(turn('u1', ok('where is my order')));
    ct.onExternal(turn('u2', ok('can i return it'))); // before its Realtime transcript: held
    expect(transcript.get('u2')?.transcriberText).toBeUndefined();
    transcript.finalize('u2', 'Can I return it?', { source: 'realtime' });
    ct.onRealtimeDone('u2');
    expect(transcript.get('u1')).toMatchObject({
      text: 'Where is my order?',
      source: 'realtime',
      transcriber: 'elevenlabs',
      transcriberText: 'where is my order',
    });
    expect(transcript.get('u2')).toMatchObject({
      text: 'Can I return it?',
      transcriberText: 'can i return it',
    });
    expect(ct.audioSecondsTranscribed).toBe(2);
  });

  it('fills in an empty or failed Realtime transcript, marked with its source, and sends it again', async () => {
    const { transcript, appServer, ct } = parts();
    await appServer.startConversation({
      callSid: 'CA00000000000000000000000000000001',
      botProfileKey: 'p',
      callerNumber: '+14155550123',
      isSip: false,
      startedAt: new Date().toISOString(),
    });
    transcript.open('u1', 'caller', new Date());
    transcript.open('a1', 'agent', new Date());
    transcript.open('u2', 'caller', new Date());
    transcript.finalize('u1', null, { source: 'realtime', transcription: 'failed' });
    transcript.finalize('u2', '  ', { source: 'realtime' });
    ct.onExternal(turn('u1', ok('where is my order')));
    ct.onExternal(turn('u2', ok('thanks')));
    expect(ct.turnsFilled).toBe(2);
    await new Promise((r) => setImmediate(r));
    const stored = appServer.transcript('CA00000000000000000000000000000001');
    expect(stored.find((m) => m.itemId === 'u1')).toMatchObject({
      text: 'where is my order',
      source: 'transcriber',
      transcriber: 'elevenlabs',
    });
    expect(stored.find((m) => m.itemId === 'u2')?.text).toBe('thanks');
  });

  it('leaves a turn alone when the external transcription failed or heard nothing, but counts its audio', () => {
    const { transcript, ct, seen } = parts();
    transcript.open('u1', 'caller', new Date());
    transcript.finalize('u1', null, { source: 'realtime', transcription: 'failed' });
    ct.onExternal(turn('u1', { status: 'empty', provider: 'cartesia', audioSeconds: 0.5 }));
    ct.onExternal(
      turn('u1', {
        status: 'failed',
        provider: 'cartesia',
        audioSeconds: 0.25,
        error: { code: 'timeout', message: 'x', retryable: true },
      }),
    );
    expect(transcript.get('u1')?.text).toBeNull();
    expect(ct.audioSecondsTranscribed).toBe(0.75);
    expect(seen).toHaveLength(2);
  });

  it('at the end of the call, gives a turn whose Realtime transcript never came the external text', () => {
    const { transcript, ct } = parts();
    transcript.open('u1', 'caller', new Date());
    ct.onExternal(turn('u1', ok('goodbye')));
    expect(transcript.get('u1')?.text).toBeNull();
    ct.settle();
    expect(transcript.get('u1')).toMatchObject({ text: 'goodbye', source: 'transcriber' });
  });
});
